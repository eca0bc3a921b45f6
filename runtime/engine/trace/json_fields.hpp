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

class Fields {
 public:
  // Throws FieldError when `j` is not an object or holds a key not in `known`.
  Fields(const nlohmann::json& j, std::string path, std::initializer_list<std::string_view> known);

  const nlohmann::json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::string path(std::string_view key) const;
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
  std::string path_;
};

// A value given as "0x..." or as a non-negative JSON integer; nullopt when
// neither.
std::optional<uint64_t> hex_value(const nlohmann::json& v);

}  // namespace sa::trace::detail
