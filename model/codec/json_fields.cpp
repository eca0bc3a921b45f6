#include "model/codec/json_fields.hpp"

#include <fmt/format.h>

#include <charconv>

#include "model/catalog/constants.hpp"
#include "model/codec/trace_json.hpp"

namespace sa::trace::detail {

using nlohmann::json;

std::string hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}

std::string excerpt(const json& v) {
  // Never dump a structured value: it may be nested millions deep.
  if (v.is_structured())
    return std::string(v.type_name());
  constexpr size_t kShown = 40;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() > kShown)
      return json(s.substr(0, kShown)).dump() + "...";
  }
  return v.dump();
}

std::optional<uint64_t> hex_value(const json& v) {
  if (v.is_number_unsigned())
    return v.get<uint64_t>();
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i < 0)
      return std::nullopt;
    return static_cast<uint64_t>(i);
  }
  if (!v.is_string())
    return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return std::nullopt;
  }
  uint64_t out = 0;
  const auto r = std::from_chars(s.data() + 2, s.data() + s.size(), out, 16);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return std::nullopt;
  return out;
}

std::string Path::str() const {
  if (parent_ == nullptr)
    return std::string(root_);
  const std::string above = parent_->str();
  if (is_index_)
    return fmt::format("{}[{}]", above, index_);
  return above.empty() ? std::string(key_) : fmt::format("{}.{}", above, key_);
}

Fields::Fields(const json& j, const Path& path, std::initializer_list<std::string_view> known)
    : j_(j), path_(path) {
  if (!j.is_object())
    throw FieldError(fmt::format("{}: expected an object", path_.str()));
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (std::string_view k : known)
      ok = ok || k == key;
    if (ok)
      continue;
    std::vector<std::string> names(known.begin(), known.end());
    const auto near = catalog::closest(key, names);
    throw FieldError(fmt::format("{}: unknown key \"{}\"{}", path_.str(), key,
                                 near ? fmt::format(" (did you mean \"{}\"?)", *near) : ""));
  }
}

const json* Fields::find(std::string_view key) const {
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

std::string Fields::path(std::string_view key) const {
  return Path(path_, key).str();
}

void Fields::fail(std::string_view key, const std::string& message) const {
  throw FieldError(fmt::format("{}: {}", path(key), message));
}

std::optional<std::string> Fields::string(std::string_view key, size_t max_bytes) const {
  const json* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_string())
    fail(key, fmt::format("expected a string, found {}", v->type_name()));
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    fail(key, fmt::format("a string of {} bytes; at most {} are accepted", s.size(), max_bytes));
  }
  return s;
}

std::string Fields::required_string(std::string_view key, size_t max_bytes) const {
  auto s = string(key, max_bytes);
  if (!s) {
    const std::string where = path_.str();
    throw FieldError(fmt::format("{}: missing \"{}\"", where.empty() ? "record" : where, key));
  }
  return *s;
}

std::optional<uint64_t> Fields::unsigned_int(std::string_view key, uint64_t max) const {
  const json* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_number_integer())
    fail(key, fmt::format("expected an integer, found {}", v->type_name()));
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() < 0) {
    fail(key, "expected a non-negative integer");
  }
  const uint64_t x = v->get<uint64_t>();
  if (x > max)
    fail(key, fmt::format("{} is above the maximum {}", x, max));
  return x;
}

std::optional<int64_t> Fields::signed_int(std::string_view key, int64_t min, int64_t max) const {
  const json* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_number_integer())
    fail(key, fmt::format("expected an integer, found {}", v->type_name()));
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    fail(key, "does not fit a signed 64-bit integer");
  }
  const int64_t x = v->get<int64_t>();
  if (x < min || x > max)
    fail(key, fmt::format("{} is outside {}..{}", x, min, max));
  return x;
}

std::optional<uint64_t> Fields::hex_or_number(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  auto x = hex_value(*v);
  if (!x)
    fail(key, fmt::format("expected a \"0x...\" hex string, found {}", excerpt(*v)));
  return x;
}

std::optional<bool> Fields::boolean(std::string_view key) const {
  const json* v = find(key);
  if (v == nullptr)
    return std::nullopt;
  if (!v->is_boolean())
    fail(key, fmt::format("expected true or false, found {}", v->type_name()));
  return v->get<bool>();
}

}  // namespace sa::trace::detail
