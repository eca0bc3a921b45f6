// Strict reading of one JSON object of a trace: every key known, every value
// of the right type and range, errors naming the JSON path. Internal to
// sa_trace.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sa::trace::detail {

// "0x1ed" for integers that may exceed 2^53 (what many JSON tools keep exact).
std::string hex(uint64_t v);
// The start of a value's JSON text, for error messages.
std::string excerpt(const nlohmann::json& v);

// Where a value sits ("notification.strings[1].value"), rendered only when an
// error message needs it: reading a valid record formats nothing. Parents
// must outlive their children (they live on the caller's stack).
class Path {
 public:
  explicit Path(std::string_view root) : root_(root) {}
  Path(const Path& parent, std::string_view key) : parent_(&parent), key_(key) {}
  Path(const Path& parent, size_t index) : parent_(&parent), index_(index), is_index_(true) {}
  std::string str() const;

 private:
  const Path* parent_ = nullptr;
  std::string_view root_;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

class Fields {
 public:
  // Throws FieldError when `j` is not an object or holds a key not in `known`.
  Fields(const nlohmann::json& j, const Path& path, std::initializer_list<std::string_view> known);

  const nlohmann::json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::string path(std::string_view key) const;
  const Path& where() const { return path_; }
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  std::optional<std::string> string(std::string_view key, size_t max_bytes = 4096) const;
  std::string required_string(std::string_view key, size_t max_bytes = 4096) const;
  std::optional<uint64_t> unsigned_int(std::string_view key, uint64_t max) const;
  std::optional<int64_t> signed_int(std::string_view key, int64_t min, int64_t max) const;
  // A "0x..." string, or a non-negative JSON integer.
  std::optional<uint64_t> hex_or_number(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;

 private:
  const nlohmann::json& j_;
  const Path& path_;
};

// A value given as "0x..." or as a non-negative JSON integer; nullopt when
// neither.
std::optional<uint64_t> hex_value(const nlohmann::json& v);

}  // namespace sa::trace::detail
