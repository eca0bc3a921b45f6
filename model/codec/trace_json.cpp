#include "model/codec/trace_json.hpp"

#include <fmt/format.h>

#include <map>
#include <utility>

#include "model/catalog/arch.hpp"
#include "model/catalog/constants.hpp"
#include "model/catalog/syscalls.hpp"
#include "model/codec/json_fields.hpp"
#include "model/codec/utf8.hpp"

namespace sa::trace {
namespace {

using detail::Fields;
using detail::hex;
using detail::Path;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr size_t kMaxIdBytes = 1024;
constexpr size_t kMaxExpectBytes = size_t{64} << 10;  // a rule text's bound
constexpr size_t kMaxEffectBytes = size_t{64} << 10;

// ---- encoding -----------------------------------------------------------

// A caller's string: "value" when it is UTF-8, else "bytes", its bytes in
// hex. A path is bytes; a JSON string is Unicode, and replay must see the
// very bytes the agent decided on.
void put_caller_text(ordered_json& j, const std::string& text) {
  if (!codec::first_invalid_utf8(text)) {
    j["value"] = text;
    return;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex_text;
  hex_text.reserve(text.size() * 2);
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    hex_text += kDigits[b >> 4];
    hex_text += kDigits[b & 0xF];
  }
  j["bytes"] = std::move(hex_text);
}

ordered_json string_arg_to_json(const StringArg& s) {
  ordered_json j = {{"arg", s.arg}, {"name", s.name}};
  switch (s.read.status) {
    case model::StringRead::Status::Ok:
      put_caller_text(j, s.read.value);
      break;
    case model::StringRead::Status::Null:
      j["null"] = true;
      break;
    case model::StringRead::Status::Failed: {
      const std::string name = catalog::errno_name(s.read.error);
      j["error"] = name.empty() ? fmt::format("{}", s.read.error) : name;
      break;
    }
  }
  return j;
}

ordered_json caller_to_json(const model::CallerFacts& c) {
  ordered_json j = {{"uid", c.uid},
                    {"gid", c.gid},
                    {"cap_effective", hex(c.cap_effective)},
                    {"userns", c.userns},
                    {"userns_is_container", c.userns_is_container}};
  if (c.age_ms)
    j["age_ms"] = *c.age_ms;
  return j;
}

ordered_json recorded_arg_to_json(const RecordedArg& a) {
  ordered_json j = {{"arg", a.arg}, {"name", a.name}};
  if (!a.is_string)
    j["int"] = hex(a.integer);
  else if (a.is_null)
    j["null"] = true;
  else
    put_caller_text(j, a.text);
  return j;
}

// ---- decoding -----------------------------------------------------------

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// put_caller_text's "value" or "bytes", whichever is there.
std::optional<std::string> caller_text(const Fields& f, size_t max_bytes) {
  if (auto v = f.string("value", max_bytes))
    return v;
  auto hex_text = f.string("bytes", max_bytes * 2);
  if (!hex_text)
    return std::nullopt;
  if (hex_text->size() % 2 != 0)
    f.fail("bytes", "an even number of hex digits, two per byte");
  std::string bytes;
  bytes.reserve(hex_text->size() / 2);
  for (size_t i = 0; i < hex_text->size(); i += 2) {
    const int hi = hex_digit((*hex_text)[i]);
    const int lo = hex_digit((*hex_text)[i + 1]);
    if (hi < 0 || lo < 0)
      f.fail("bytes", "hex digits only, two per byte");
    bytes += static_cast<char>((hi << 4) | lo);
  }
  return bytes;
}

int errno_of(const Fields& f, std::string_view key, const json& v) {
  if (v.is_string()) {
    if (auto e = catalog::errno_value(v.get_ref<const std::string&>()))
      return *e;
    f.fail(key, fmt::format("unknown errno {}", detail::excerpt(v)));
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= 4095) {
    return v.get<int>();
  }
  f.fail(key, fmt::format("expected an errno name or 1..4095, found {}", detail::excerpt(v)));
}

// libseccomp's lookups scan its tables; a trace repeats a few dozen names.
class SyscallCache {
 public:
  const catalog::Arch* arch(const std::string& name) {
    if (auto it = arches_.find(name); it != arches_.end())
      return &it->second;
    const auto a = catalog::find_arch(name);
    if (!a)
      return nullptr;
    return &arches_.emplace(name, *a).first->second;
  }
  std::optional<int> number(const catalog::Arch& a, const std::string& name) {
    auto key = std::make_pair(a.audit_arch, name);
    if (auto it = numbers_.find(key); it != numbers_.end())
      return it->second;
    auto nr = catalog::syscall_number(name, a);
    if (nr)
      numbers_.emplace(std::move(key), *nr);
    return nr;
  }
  std::string name(const catalog::Arch& a, int nr) {
    auto key = std::make_pair(a.audit_arch, nr);
    if (auto it = names_.find(key); it != names_.end())
      return it->second;
    std::string n = catalog::syscall_name(a, nr);
    if (!n.empty())
      names_.emplace(key, n);
    return n;
  }

 private:
  std::map<std::pair<uint32_t, std::string>, int> numbers_;
  std::map<std::pair<uint32_t, int>, std::string> names_;
  std::map<std::string, catalog::Arch> arches_;  // by the spelling the trace used
};

SyscallCache& cache() {
  thread_local SyscallCache c;
  return c;
}

void resolve_syscall(const Fields& f, NotificationRecord& n) {
  const catalog::Arch* arch = cache().arch(n.arch);
  if (arch == nullptr)
    f.fail("arch", fmt::format("unknown architecture \"{}\"", n.arch));
  n.arch = arch->name;
  n.call.audit_arch = arch->audit_arch;
  auto name = f.string("syscall", 64);
  auto nr = f.signed_int("nr", 0, INT32_MAX);
  if (!name && !nr)
    f.fail("syscall", "missing: give \"syscall\", \"nr\" or both");
  if (name) {
    auto known = cache().number(*arch, *name);
    if (!known) {
      const auto near = catalog::closest(*name, catalog::all_syscall_names());
      f.fail("syscall", fmt::format("unknown syscall \"{}\" on {}{}", *name, arch->name,
                                    near ? fmt::format(" (did you mean \"{}\"?)", *near) : ""));
    }
    if (nr && *nr != *known) {
      f.fail("nr", fmt::format("{} is {} on {}, not {}", *name, *known, arch->name, *nr));
    }
    n.syscall = *name;
    n.call.nr = *known;
    return;
  }
  // A number libseccomp names no syscall for (a newer kernel's) is kept as
  // it is: the record has no name.
  n.call.nr = static_cast<int>(*nr);
  n.syscall = cache().name(*arch, n.call.nr);
}

void read_args(const Fields& f, NotificationRecord& n) {
  const json* args = f.find("args");
  if (args == nullptr)
    return;
  if (!args->is_array() || args->size() > 6)
    f.fail("args", "expected an array of at most six values");
  for (size_t i = 0; i < args->size(); ++i) {
    auto v = detail::hex_value((*args)[i]);
    if (!v) {
      const Path list(f.where(), "args");
      throw FieldError(fmt::format("{}: expected a \"0x...\" hex string, found {}",
                                   Path(list, i).str(), detail::excerpt((*args)[i])));
    }
    n.call.args[i] = *v;
  }
}

bool names_argument(const catalog::ArgSpec& spec, const std::string& name) {
  if (spec.name == name)
    return true;
  for (const std::string& alias : spec.aliases) {
    if (alias == name)
      return true;
  }
  return false;
}

StringArg read_string_arg(const json& j, const Path& path, const catalog::SyscallSignature* sig,
                          const std::string& syscall) {
  Fields f(j, path, {"arg", "name", "value", "bytes", "null", "error"});
  StringArg s;
  s.arg = static_cast<int>(f.unsigned_int("arg", 5).value_or(99));
  if (!f.has("arg"))
    throw FieldError(fmt::format("{}: missing \"arg\"", path.str()));
  if (sig == nullptr || static_cast<size_t>(s.arg) >= sig->args.size() ||
      !catalog::is_string(sig->args[s.arg].type)) {
    f.fail("arg",
           fmt::format("argument {} of {} is not a string the catalog knows", s.arg, syscall));
  }
  const catalog::ArgSpec& spec = sig->args[s.arg];
  s.name = f.string("name", 64).value_or(spec.name);
  if (!names_argument(spec, s.name)) {
    f.fail("name", fmt::format("argument {} of {} is \"{}\", not \"{}\"", s.arg, syscall, spec.name,
                               s.name));
  }
  s.name = spec.name;
  const int given =
      int{f.has("value")} + int{f.has("bytes")} + int{f.has("null")} + int{f.has("error")};
  if (given != 1) {
    throw FieldError(fmt::format("{}: give exactly one of value, bytes, null, error", path.str()));
  }
  if (auto v = caller_text(f, kMaxStringBytes)) {
    s.read.value = std::move(*v);
  } else if (f.has("null")) {
    if (f.boolean("null") != true)
      f.fail("null", "must be true when present");
    s.read.status = model::StringRead::Status::Null;
  } else {
    s.read.status = model::StringRead::Status::Failed;
    s.read.error = errno_of(f, "error", *f.find("error"));
  }
  return s;
}

void read_strings(const Fields& f, NotificationRecord& n) {
  const json* list = f.find("strings");
  if (list == nullptr)
    return;
  if (!list->is_array())
    f.fail("strings", "expected an array");
  const catalog::SyscallSignature* sig = catalog::find_signature(n.syscall);
  const Path strings(f.where(), "strings");
  for (size_t i = 0; i < list->size(); ++i) {
    const Path item(strings, i);
    StringArg s = read_string_arg((*list)[i], item, sig, n.syscall);
    if (n.string_arg(s.arg) != nullptr) {
      throw FieldError(fmt::format("{}: argument {} is given twice", item.str(), s.arg));
    }
    n.strings.push_back(std::move(s));
  }
}

CallerRecord read_caller(const json& j, const Path& path) {
  CallerRecord c;
  if (j.is_null()) {
    c.state = CallerRecord::State::NotVisible;
    return c;
  }
  Fields f(j, path, {"uid", "gid", "cap_effective", "userns", "userns_is_container", "age_ms"});
  c.state = CallerRecord::State::Known;
  c.facts.uid = static_cast<uint32_t>(f.unsigned_int("uid", UINT32_MAX).value_or(0));
  c.facts.gid = static_cast<uint32_t>(f.unsigned_int("gid", UINT32_MAX).value_or(0));
  c.facts.cap_effective = f.hex_or_number("cap_effective").value_or(0);
  c.facts.userns = f.string("userns", 256).value_or("");
  c.facts.userns_is_container = f.boolean("userns_is_container").value_or(false);
  c.facts.age_ms = f.unsigned_int("age_ms", UINT64_MAX);
  return c;
}

// SECCOMP_USER_NOTIF_FLAG_CONTINUE, as the trace format writes it.
constexpr uint64_t kFlagContinue = 1;

ordered_json response_to_json(const model::Response& r) {
  int64_t val = 0;
  int64_t error = 0;
  uint64_t flags = 0;
  switch (r.kind) {
    case model::Response::Kind::Continue:
      flags = kFlagContinue;
      break;
    case model::Response::Kind::Errno:
      error = -static_cast<int64_t>(r.error);
      break;
    case model::Response::Kind::Return:
      val = r.value;
      break;
  }
  return {{"val", val}, {"error", error}, {"flags", flags}};
}

// struct seccomp_notif_resp as sent: CONTINUE is flags 1 with nothing else;
// an errno is a negative `error` with val 0; otherwise `val` is returned.
model::Response read_response(const json& j, const Path& path) {
  Fields f(j, path, {"val", "error", "flags"});
  const int64_t val = f.signed_int("val", INT64_MIN, INT64_MAX).value_or(0);
  const int64_t error = f.signed_int("error", -4095, 0).value_or(0);
  const uint64_t flags = f.unsigned_int("flags", UINT32_MAX).value_or(0);
  if (flags == kFlagContinue) {
    if (val != 0 || error != 0)
      f.fail("flags", "a CONTINUE carries no value and no error");
    return model::Response::continue_syscall();
  }
  if (flags != 0)
    f.fail("flags", fmt::format("unknown flags {:#x}", flags));
  if (error != 0) {
    if (val != 0)
      f.fail("val", "an error response carries no value");
    return model::Response::fail(static_cast<int>(-error));
  }
  return model::Response::return_value(val);
}

table::Response response_named(const Fields& f, const std::string& name) {
  if (auto r = value_of<table::Response>(name))
    return *r;
  f.fail("response",
         fmt::format("unknown response \"{}\" (continue, errno, return, emulate, kill)", name));
}

RecordedArg read_recorded_arg(const json& j, const Path& path) {
  Fields f(j, path, {"arg", "name", "value", "bytes", "null", "int"});
  RecordedArg a;
  if (!f.has("arg"))
    throw FieldError(fmt::format("{}: missing \"arg\"", path.str()));
  a.arg = static_cast<int>(*f.unsigned_int("arg", 5));
  a.name = f.string("name", 64).value_or("");
  const int given =
      int{f.has("value")} + int{f.has("bytes")} + int{f.has("null")} + int{f.has("int")};
  if (given != 1)
    throw FieldError(fmt::format("{}: give exactly one of value, bytes, null, int", path.str()));
  a.is_string = !f.has("int");
  if (auto v = caller_text(f, kMaxStringBytes))
    a.text = std::move(*v);
  if (f.has("null")) {
    if (f.boolean("null") != true)
      f.fail("null", "must be true when present");
    a.is_null = true;
  }
  if (f.has("int"))
    a.integer = *f.hex_or_number("int");
  return a;
}

void read_emulation(const json& j, const Path& path, RecordedDecision& d) {
  Fields f(j, path, {"op", "as", "args"});
  d.emulate = f.required_string("op", 64);
  if (auto as = f.string("as", 16)) {
    auto credentials = value_of<model::Credentials>(*as);
    if (!credentials)
      f.fail("as", fmt::format("unknown credentials \"{}\" (caller, agent)", *as));
    d.credentials = *credentials;
  }
  const json* args = f.find("args");
  if (args == nullptr)
    return;
  if (!args->is_array() || args->size() > 6)
    f.fail("args", "expected an array of at most six");
  const Path list(f.where(), "args");
  for (size_t i = 0; i < args->size(); ++i)
    d.args.push_back(read_recorded_arg((*args)[i], Path(list, i)));
}

RecordedDecision decision_at(const json& j, const Path& path) {
  Fields f(j, path,
           {"response", "errno", "value", "rule", "policy", "origin", "emulate", "delay_ms", "stop",
            "stop_after_ms", "stop_mode", "log", "effect", "warnings"});
  RecordedDecision d;
  d.response = response_named(f, f.required_string("response", 16));
  if (const json* e = f.find("errno"))
    d.error = errno_of(f, "errno", *e);
  if (d.response == table::Response::Errno && d.error == 0)
    f.fail("errno", "missing for errno");
  d.value = f.signed_int("value", INT64_MIN, INT64_MAX).value_or(0);
  d.rule = f.string("rule", kMaxIdBytes).value_or("");
  d.policy = f.string("policy", kMaxIdBytes).value_or("");
  if (auto o = f.string("origin", 64)) {
    d.origin = value_of<model::Origin>(*o);
    if (!d.origin)
      f.fail("origin", fmt::format("unknown origin \"{}\"", *o));
  }
  if (const json* e = f.find("emulate"))
    read_emulation(*e, Path(path, "emulate"), d);
  if (d.response == table::Response::Emulate && d.emulate.empty()) {
    throw FieldError(fmt::format("{}: an emulate decision needs \"emulate\"", path.str()));
  }
  d.delay_ms = f.unsigned_int("delay_ms", UINT64_MAX);
  d.stop_after_ms = f.unsigned_int("stop_after_ms", UINT64_MAX);
  d.stop = f.boolean("stop").value_or(d.stop_after_ms.has_value());
  if (d.stop && !d.stop_after_ms)
    d.stop_after_ms = 0;
  if (auto m = f.string("stop_mode", 16)) {
    const auto mode = value_of<table::StopMode>(*m);
    if (!mode)
      f.fail("stop_mode", fmt::format("unknown stop mode \"{}\"", *m));
    d.stop_mode = *mode;
  }
  d.log = f.boolean("log").value_or(false);
  d.effect = f.string("effect", kMaxEffectBytes).value_or("");
  if (const json* w = f.find("warnings")) {
    if (!w->is_array())
      f.fail("warnings", "expected an array of strings");
    for (const json& s : *w) {
      if (!s.is_string())
        f.fail("warnings", "expected an array of strings");
      d.warnings.push_back(s.get<std::string>());
    }
  }
  return d;
}

}  // namespace

const StringArg* NotificationRecord::string_arg(int index) const {
  for (const StringArg& s : strings) {
    if (s.arg == index)
      return &s;
  }
  return nullptr;
}

ordered_json header_to_json(const Header& h) {
  ordered_json j = {{"type", "header"}, {"format", kFormatName}, {"version", h.version}};
  if (!h.table_hash.empty())
    j["table_hash"] = h.table_hash;
  return j;
}

ordered_json container_to_json(const model::ContainerInfo& c, bool with_type) {
  ordered_json j;
  if (with_type)
    j["type"] = "container";
  j["id"] = c.id;
  j["pid"] = c.pid;
  j["bundle"] = c.bundle;
  j["status"] = c.status;
  j["annotations"] = c.annotations;
  j["metadata"] = c.metadata_raw;
  return j;
}

ordered_json decision_to_json(const RecordedDecision& d) {
  ordered_json j = {{"response", name_of(d.response)}};
  if (d.response == table::Response::Errno) {
    const std::string name = catalog::errno_name(d.error);
    if (name.empty())
      j["errno"] = d.error;
    else
      j["errno"] = name;
  }
  if (d.response == table::Response::Return)
    j["value"] = d.value;
  if (!d.rule.empty())
    j["rule"] = d.rule;
  if (!d.policy.empty())
    j["policy"] = d.policy;
  if (d.origin)
    j["origin"] = name_of(*d.origin);
  if (!d.emulate.empty()) {
    ordered_json args = ordered_json::array();
    for (const RecordedArg& a : d.args)
      args.push_back(recorded_arg_to_json(a));
    ordered_json emulate = {{"op", d.emulate}};
    if (d.credentials == model::Credentials::Agent)
      emulate["as"] = name_of(d.credentials);
    emulate["args"] = std::move(args);
    j["emulate"] = std::move(emulate);
  }
  if (d.delay_ms)
    j["delay_ms"] = *d.delay_ms;
  if (d.stop) {
    j["stop"] = true;
    j["stop_after_ms"] = d.stop_after_ms.value_or(0);
    if (d.stop_mode != table::StopMode::Kill)
      j["stop_mode"] = name_of(d.stop_mode);
  }
  if (d.log)
    j["log"] = true;
  if (!d.effect.empty())
    j["effect"] = d.effect;
  if (!d.warnings.empty())
    j["warnings"] = d.warnings;
  return j;
}

ordered_json notification_to_json(const NotificationRecord& n, bool with_type) {
  ordered_json j;
  if (with_type)
    j["type"] = "notification";
  j["seq"] = n.seq;
  if (!n.time.empty())
    j["time"] = n.time;
  if (!n.container.empty())
    j["container"] = n.container;
  j["id"] = hex(n.call.id);
  j["pid"] = n.call.pid;
  j["arch"] = n.arch;
  if (!n.syscall.empty())
    j["syscall"] = n.syscall;
  j["nr"] = n.call.nr;
  ordered_json args = ordered_json::array();
  for (uint64_t a : n.call.args)
    args.push_back(hex(a));
  j["args"] = std::move(args);
  ordered_json strings = ordered_json::array();
  for (const StringArg& s : n.strings)
    strings.push_back(string_arg_to_json(s));
  j["strings"] = std::move(strings);
  if (n.caller.state == CallerRecord::State::Known)
    j["caller"] = caller_to_json(n.caller.facts);
  if (n.caller.state == CallerRecord::State::NotVisible)
    j["caller"] = nullptr;
  if (n.decision)
    j["decision"] = decision_to_json(*n.decision);
  if (n.response)
    j["response"] = response_to_json(*n.response);
  if (n.expect)
    j["expect"] = *n.expect;
  return j;
}

Header header_from_json(const json& j) {
  const Path root("header");
  Fields f(j, root, {"type", "format", "version", "table_hash"});
  const std::string format = f.required_string("format", 256);
  if (format != kFormatName) {
    f.fail("format", fmt::format("\"{}\" is not \"{}\"", format, kFormatName));
  }
  const auto version = f.signed_int("version", INT32_MIN, INT32_MAX);
  if (!version)
    throw FieldError("header: missing \"version\"");
  if (*version != kFormatVersion) {
    f.fail("version", fmt::format("version {} is not supported (this build reads version {})",
                                  *version, kFormatVersion));
  }
  Header h;
  h.version = static_cast<int>(*version);
  h.table_hash = f.string("table_hash", 256).value_or("");
  return h;
}

model::ContainerInfo container_from_json(const json& j, const std::string& path) {
  const Path root(path);
  Fields f(j, root, {"type", "id", "pid", "bundle", "status", "annotations", "metadata"});
  model::ContainerInfo c;
  c.id = f.required_string("id", kMaxIdBytes);
  if (c.id.empty())
    f.fail("id", "must not be empty");
  c.pid = static_cast<long>(f.unsigned_int("pid", INT32_MAX).value_or(0));
  c.bundle = f.string("bundle", kMaxIdBytes * 4).value_or("");
  c.status = f.string("status", 64).value_or("");
  c.metadata_raw = f.string("metadata", kMaxStringBytes).value_or("");
  if (const json* a = f.find("annotations")) {
    if (!a->is_object())
      f.fail("annotations", "expected an object of strings");
    for (const auto& [key, value] : a->items()) {
      if (!value.is_string()) {
        f.fail("annotations",
               fmt::format("\"{}\": expected a string, found {}", key, value.type_name()));
      }
      c.annotations[key] = value.get<std::string>();
    }
  }
  model::complete(c);
  return c;
}

RecordedDecision decision_from_json(const json& j, const std::string& path) {
  return decision_at(j, Path(path));
}

NotificationRecord notification_from_json(const json& j, const std::string& path) {
  const Path root(path);
  Fields f(j, root,
           {"type", "seq", "time", "container", "id", "pid", "arch", "syscall", "nr", "args",
            "strings", "caller", "decision", "response", "expect"});
  NotificationRecord n;
  n.seq = f.unsigned_int("seq", UINT64_MAX).value_or(0);
  n.time = f.string("time", 64).value_or("");
  n.container = f.string("container", kMaxIdBytes).value_or("");
  n.call.id = f.hex_or_number("id").value_or(0);
  n.call.pid = static_cast<uint32_t>(f.unsigned_int("pid", UINT32_MAX).value_or(0));
  static const std::string native = catalog::default_arches().front().name;
  n.arch = f.string("arch", 64).value_or(native);
  resolve_syscall(f, n);
  read_args(f, n);
  read_strings(f, n);
  if (const json* c = f.find("caller"))
    n.caller = read_caller(*c, Path(root, "caller"));
  if (const json* d = f.find("decision"))
    n.decision = decision_at(*d, Path(root, "decision"));
  if (const json* r = f.find("response"))
    n.response = read_response(*r, Path(root, "response"));
  n.expect = f.string("expect", kMaxExpectBytes);
  return n;
}

}  // namespace sa::trace
