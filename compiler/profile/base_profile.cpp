#include "profile/base_profile.hpp"

#include <fmt/format.h>
#include <seccomp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>

#include "model/catalog/arch.hpp"
#include "model/catalog/constants.hpp"
#include "passes/source.hpp"

namespace sa::profile {
namespace {

using nlohmann::json;
using Keys = std::span<const std::string_view>;

// defaultErrno and errno: the errno by name, as containers/common's default
// profile (CRI-O's, Podman's) writes it next to the number.
constexpr std::array<std::string_view, 10> kTopKeys = {
    "defaultAction", "defaultErrnoRet", "defaultErrno",     "architectures", "archMap",
    "flags",         "listenerPath",    "listenerMetadata", "syscalls",      "comment"};
constexpr std::array<std::string_view, 9> kEntryKeys = {
    "names", "name", "action", "errnoRet", "errno", "args", "includes", "excludes", "comment"};
constexpr std::array<std::string_view, 4> kArgKeys = {"index", "value", "valueTwo", "op"};
constexpr std::array<std::string_view, 3> kFilterKeys = {"arches", "caps", "minKernel"};
constexpr std::array<std::string_view, 4> kFlags = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
// SECCOMP_RET_DATA holds 16 bits, but an errno above MAX_ERRNO is not an errno.
constexpr uint64_t kMaxErrno = 4095;
constexpr uint64_t kArgCount = 6;

std::vector<std::string> names_of(std::span<const std::string_view> list) {
  return {list.begin(), list.end()};
}

// libseccomp knows more architectures than the catalog (mips, ppc, parisc);
// a base profile may list them.
bool known_arch(const std::string& name) {
  if (catalog::find_arch(name))
    return true;
  std::string token = name.rfind("SCMP_ARCH_", 0) == 0 ? name.substr(10) : name;
  std::transform(token.begin(), token.end(), token.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return seccomp_arch_resolve_name(token.c_str()) != 0;
}

class Reader {
 public:
  Reader(std::string origin, diag::Sink& sink) : origin_(std::move(origin)), sink_(sink) {}

  std::optional<BaseProfile> read(const json& j) {
    if (!j.is_object()) {
      error(fmt::format("the base profile must be a JSON object (an OCI LinuxSeccomp), not {}",
                        kind(j)));
      return std::nullopt;
    }
    check_keys(j, kTopKeys, "the base profile");
    BaseProfile b;
    b.path = origin_;
    read_default(j, b);
    b.architectures = string_list(j, "architectures", "architectures");
    for (const std::string& a : b.architectures) {
      if (!known_arch(a))
        error(fmt::format("architectures: unknown architecture \"{}\"", a));
    }
    read_arch_map(j, b);
    read_flags(j, b);
    read_listener(j);
    read_entries(j, b);
    if (failed_)
      return std::nullopt;
    return b;
  }

 private:
  static std::string kind(const json& j) {
    if (j.is_null())
      return "null";
    if (j.is_array())
      return "an array";
    if (j.is_string())
      return "a string";
    if (j.is_boolean())
      return "a boolean";
    if (j.is_number())
      return "a number";
    return "an object";
  }

  diag::Diagnostic& error(std::string message) {
    failed_ = true;
    return sink_.error(diag::code::kBadBase, std::move(message), diag::Location{origin_});
  }

  void check_keys(const json& obj, Keys known, const std::string& where) {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end())
        continue;
      auto& d = error(fmt::format("{}: unknown key \"{}\"", where, key));
      if (auto near = catalog::closest(key, names_of(known))) {
        d.hint = fmt::format("did you mean \"{}\"?", *near);
      }
    }
  }

  std::optional<ScmpAction> action(const json& j, const std::string& where) {
    if (!j.is_string()) {
      error(fmt::format("{}: expected an action name (SCMP_ACT_...), found {}", where, kind(j)));
      return std::nullopt;
    }
    const std::string name = j.get<std::string>();
    auto a = value_of<ScmpAction>(name);
    if (!a) {
      auto& d = error(fmt::format("{}: unknown action \"{}\"", where, name));
      std::vector<std::string> all;
      for (const auto& [x, x_name] : Vocabulary<ScmpAction>::names) {
        if (x != ScmpAction::Notify)  // a base profile's action, never the agent's own
          all.emplace_back(x_name);
      }
      if (auto near = catalog::closest(name, all))
        d.hint = fmt::format("did you mean {}?", *near);
      return std::nullopt;
    }
    if (*a == ScmpAction::Notify) {
      error(fmt::format("{}: the base profile uses SCMP_ACT_NOTIFY; only the agent's own "
                        "profile may notify (it sets the listener)",
                        where))
          .hint = "remove the SCMP_ACT_NOTIFY entries from the base profile";
      return std::nullopt;
    }
    return a;
  }

  std::optional<uint64_t> unsigned_number(const json& j, const std::string& where, uint64_t max) {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<int64_t>() >= 0)) {
      error(fmt::format("{}: expected an unsigned integer, found {}{}", where, kind(j),
                        j.is_number() ? fmt::format(" {}", j.dump()) : ""));
      return std::nullopt;
    }
    const auto v = j.get<uint64_t>();
    if (v > max) {
      error(fmt::format("{}: {} is out of range (0..{})", where, v, max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<uint32_t> errno_ret(const json& obj, std::string_view key, const std::string& where,
                                    std::optional<ScmpAction> a) {
    if (!obj.contains(key) || obj.at(key).is_null())
      return std::nullopt;
    auto v = unsigned_number(obj.at(key), where, kMaxErrno);
    if (!v)
      return std::nullopt;
    if (a && !takes_errno(*a)) {
      error(fmt::format("{}: {} takes no errno value (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
                        where, name_of(*a)));
    }
    return static_cast<uint32_t>(*v);
  }

  // The number, from `number_key` or else the errno named by `name_key`;
  // both given, they must agree.
  std::optional<uint32_t> errno_of(const json& obj, std::string_view number_key,
                                   std::string_view name_key, const std::string& where,
                                   std::optional<ScmpAction> a) {
    auto number = errno_ret(obj, number_key, where + std::string(number_key), a);
    if (!obj.contains(name_key) || obj.at(name_key).is_null())
      return number;
    const json& n = obj.at(name_key);
    const std::string at = where + std::string(name_key);
    if (!n.is_string()) {
      error(fmt::format("{}: expected an errno name, found {}", at, kind(n)));
      return number;
    }
    const auto named = catalog::errno_value(n.get<std::string>());
    if (!named) {
      error(fmt::format("{}: unknown errno \"{}\"", at, n.get<std::string>()));
      return number;
    }
    if (number && *number != static_cast<uint32_t>(*named)) {
      error(fmt::format("{}: \"{}\" is {}, but {} says {}", at, n.get<std::string>(), *named,
                        number_key, *number));
    }
    if (!number && a && !takes_errno(*a)) {
      error(fmt::format("{}: {} takes no errno value (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
                        at, name_of(*a)));
    }
    return number ? number : std::optional<uint32_t>(static_cast<uint32_t>(*named));
  }

  std::vector<std::string> string_list(const json& obj, std::string_view key,
                                       const std::string& where) {
    std::vector<std::string> out;
    if (!obj.contains(key) || obj.at(key).is_null())
      return out;
    const json& list = obj.at(key);
    if (!list.is_array()) {
      error(fmt::format("{}: expected an array of strings, found {}", where, kind(list)));
      return out;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_string() || list[i].get<std::string>().empty()) {
        error(fmt::format("{}[{}]: expected a non-empty string, found {}", where, i,
                          list[i].is_string() ? "\"\"" : kind(list[i])));
        continue;
      }
      out.push_back(list[i].get<std::string>());
    }
    return out;
  }

  void read_default(const json& j, BaseProfile& b) {
    if (!j.contains("defaultAction")) {
      error("the base profile has no defaultAction").hint =
          "every OCI seccomp profile needs one, e.g. \"defaultAction\": \"SCMP_ACT_ALLOW\"";
      return;
    }
    auto a = action(j.at("defaultAction"), "defaultAction");
    if (a)
      b.default_action = *a;
    b.default_errno_ret = errno_of(j, "defaultErrnoRet", "defaultErrno", "", a);
  }

  void read_arch_map(const json& j, BaseProfile& b) {
    if (!j.contains("archMap") || j.at("archMap").is_null())
      return;
    const json& map = j.at("archMap");
    if (!map.is_array()) {
      error(fmt::format("archMap: expected an array, found {}", kind(map)));
      return;
    }
    for (size_t i = 0; i < map.size(); ++i) {
      const std::string where = fmt::format("archMap[{}]", i);
      if (!map[i].is_object() || !map[i].contains("architecture") ||
          !map[i].at("architecture").is_string()) {
        error(fmt::format("{}: expected {{\"architecture\": ..., \"subArchitectures\": [...]}}",
                          where));
        continue;
      }
      std::vector<std::string> arches =
          string_list(map[i], "subArchitectures", where + ".subArchitectures");
      arches.push_back(map[i].at("architecture").get<std::string>());
      for (const std::string& a : arches) {
        if (!known_arch(a))
          error(fmt::format("{}: unknown architecture \"{}\"", where, a));
      }
    }
    if (!b.architectures.empty()) {
      error("the base profile sets both architectures and archMap; use one of them");
    }
    b.arch_map = map;
  }

  void read_flags(const json& j, BaseProfile& b) {
    b.flags = string_list(j, "flags", "flags");
    for (const std::string& f : b.flags) {
      if (std::find(kFlags.begin(), kFlags.end(), f) != kFlags.end())
        continue;
      auto& d = error(fmt::format("flags: unknown flag \"{}\"", f));
      if (auto near = catalog::closest(f, names_of(kFlags))) {
        d.hint = fmt::format("did you mean {}?", *near);
      }
    }
  }

  void read_listener(const json& j) {
    for (std::string_view key : {"listenerPath", "listenerMetadata"}) {
      if (!j.contains(key) || j.at(key).is_null())
        continue;
      const json& v = j.at(key);
      if (!v.is_string()) {
        error(fmt::format("{}: expected a string, found {}", key, kind(v)));
      } else if (!v.get<std::string>().empty()) {
        error(fmt::format("the base profile already sets {} (\"{}\"); the agent's profile sets "
                          "its own listener",
                          key, v.get<std::string>()))
            .hint = fmt::format("remove {} from the base profile", key);
      }
    }
  }

  void read_filter(const json& entry, std::string_view key, const std::string& where) {
    const json& f = entry.at(key);
    if (!f.is_object()) {
      error(
          fmt::format("{}: expected an object ({{\"arches\", \"caps\", \"minKernel\"}}), "
                      "found {}",
                      where, kind(f)));
      return;
    }
    check_keys(f, kFilterKeys, where);
    string_list(f, "arches", where + ".arches");
    string_list(f, "caps", where + ".caps");
    if (f.contains("minKernel") && !f.at("minKernel").is_string()) {
      error(fmt::format("{}.minKernel: expected a string such as \"4.8\"", where));
    }
  }

  std::optional<ArgCondition> read_arg(const json& a, const std::string& where) {
    if (!a.is_object()) {
      error(fmt::format("{}: expected an object {{index, value, valueTwo, op}}, found {}", where,
                        kind(a)));
      return std::nullopt;
    }
    check_keys(a, kArgKeys, where);
    bool ok = true;
    for (std::string_view key : {"index", "value", "op"}) {
      if (!a.contains(key)) {
        error(fmt::format("{}: missing \"{}\"", where, key));
        ok = false;
      }
    }
    if (!ok)
      return std::nullopt;
    ArgCondition c;
    auto index = unsigned_number(a.at("index"), where + ".index", kArgCount - 1);
    auto value = unsigned_number(a.at("value"), where + ".value", UINT64_MAX);
    std::optional<uint64_t> two = uint64_t{0};
    if (a.contains("valueTwo"))
      two = unsigned_number(a.at("valueTwo"), where + ".valueTwo", UINT64_MAX);
    std::optional<CompareOp> op;
    if (!a.at("op").is_string() || !(op = value_of<CompareOp>(a.at("op").get<std::string>()))) {
      std::vector<std::string> all;
      for (const auto& [x, x_name] : Vocabulary<CompareOp>::names)
        all.emplace_back(x_name);
      auto& d = error(fmt::format("{}.op: unknown comparison {}", where, a.at("op").dump()));
      if (a.at("op").is_string()) {
        if (auto near = catalog::closest(a.at("op").get<std::string>(), all)) {
          d.hint = fmt::format("did you mean {}?", *near);
        }
      }
    }
    if (!index || !value || !two || !op)
      return std::nullopt;
    c.index = static_cast<unsigned>(*index);
    c.value = *value;
    c.value_two = *two;
    c.op = *op;
    return c;
  }

  std::optional<BaseEntry> read_entry(const json& e, size_t position) {
    const std::string where = fmt::format("syscalls[{}]", position);
    if (!e.is_object()) {
      error(fmt::format("{}: expected an object, found {}", where, kind(e)));
      return std::nullopt;
    }
    check_keys(e, kEntryKeys, where);
    BaseEntry out;
    out.position = position;
    out.source = e;
    out.names = string_list(e, "names", where + ".names");
    if (e.contains("name")) {
      if (e.at("name").is_string() && !e.at("name").get<std::string>().empty()) {
        out.names.push_back(e.at("name").get<std::string>());
      } else {
        error(fmt::format("{}.name: expected a syscall name", where));
      }
    }
    if (out.names.empty())
      error(fmt::format("{}: names no syscall", where));
    std::optional<ScmpAction> a;
    if (!e.contains("action")) {
      error(fmt::format("{}: missing \"action\"", where));
    } else {
      a = action(e.at("action"), where + ".action");
    }
    out.errno_ret = errno_of(e, "errnoRet", "errno", where + ".", a);
    if (e.contains("args") && !e.at("args").is_null()) {
      const json& args = e.at("args");
      if (!args.is_array()) {
        error(fmt::format("{}.args: expected an array, found {}", where, kind(args)));
      } else {
        for (size_t i = 0; i < args.size(); ++i) {
          if (auto c = read_arg(args[i], fmt::format("{}.args[{}]", where, i))) {
            out.args.push_back(*c);
          }
        }
      }
    }
    for (std::string_view key : {"includes", "excludes"}) {
      if (!e.contains(key) || e.at(key).is_null())
        continue;
      read_filter(e, key, fmt::format("{}.{}", where, key));
      if (!e.at(key).empty())
        out.selective = true;
    }
    if (!a)
      return std::nullopt;
    out.action = *a;
    return out;
  }

  void read_entries(const json& j, BaseProfile& b) {
    if (!j.contains("syscalls") || j.at("syscalls").is_null())
      return;
    const json& list = j.at("syscalls");
    if (!list.is_array()) {
      error(fmt::format("syscalls: expected an array, found {}", kind(list)));
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto e = read_entry(list[i], i))
        b.entries.push_back(std::move(*e));
    }
  }

  std::string origin_;
  diag::Sink& sink_;
  bool failed_ = false;
};

// "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> "...".
std::string parse_message(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  const size_t colon = what.find(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

uint32_t entry_action(const BaseEntry& e) {
  return libseccomp_action(e.action, e.errno_ret);
}

uint32_t default_action(const BaseProfile& b) {
  return libseccomp_action(b.default_action, b.default_errno_ret);
}

std::optional<BaseProfile> parse_base(std::string_view text, const std::string& origin,
                                      diag::Sink& sink) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    const passes::SourceFile file(origin, std::string(text));
    diag::Location loc{origin};
    // e.byte is 1-based and may point one past the end.
    file.position(e.byte == 0 ? 0 : std::min(e.byte - 1, text.size()), &loc.line, &loc.column);
    passes::report(sink, diag::Severity::Error, diag::code::kBadBase,
                   fmt::format("the base profile is not valid JSON: {}", parse_message(e)), loc,
                   &file);
    return std::nullopt;
  } catch (const json::exception& e) {  // a number out of range (1e999): no position given
    sink.error(diag::code::kBadBase,
               fmt::format("the base profile is not valid JSON: {}", e.what()),
               diag::Location{origin});
    return std::nullopt;
  }
  return Reader(origin, sink).read(j);
}

std::optional<BaseProfile> load_base(const std::string& path, diag::Sink& sink) {
  const auto fail = [&](std::string why) {
    sink.error(diag::code::kBadBase, fmt::format("cannot read the base profile: {}", why),
               diag::Location{path});
    return std::nullopt;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(std::strerror(errno));
  std::string text;
  std::array<char, 65536> chunk{};
  while (text.size() <= kMaxBaseBytes && in) {
    in.read(chunk.data(), chunk.size());
    text.append(chunk.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad())
    return fail(std::strerror(errno));
  if (text.size() > kMaxBaseBytes) {
    return fail(fmt::format("it is larger than {} bytes", kMaxBaseBytes));
  }
  return parse_base(text, path, sink);
}

}  // namespace sa::profile
