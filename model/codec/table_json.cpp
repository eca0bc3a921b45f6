#include "model/codec/table_json.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "model/catalog/constants.hpp"

namespace sa::table {
namespace {

using nlohmann::json;

// ---- reading with paths -------------------------------------------------
[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw TableError(fmt::format("{}: {}", path.empty() ? "table" : path, what));
}

const json& member(const json& j, const char* key, const std::string& path) {
  if (!j.is_object())
    fail(path, "expected an object");
  auto it = j.find(key);
  if (it == j.end())
    fail(path, fmt::format("missing \"{}\"", key));
  return *it;
}

std::string sub(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}
std::string idx(const std::string& path, size_t i) {
  return fmt::format("{}[{}]", path, i);
}

std::string get_string(const json& j, const char* key, const std::string& path) {
  const json& v = member(j, key, path);
  if (!v.is_string())
    fail(sub(path, key), "expected a string");
  return v.get<std::string>();
}

bool get_bool(const json& j, const char* key, const std::string& path) {
  const json& v = member(j, key, path);
  if (!v.is_boolean())
    fail(sub(path, key), "expected true or false");
  return v.get<bool>();
}

int64_t get_int(const json& j, const char* key, const std::string& path, int64_t lo, int64_t hi) {
  const json& v = member(j, key, path);
  if (!v.is_number_integer())
    fail(sub(path, key), "expected an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    fail(sub(path, key), "integer out of range");
  }
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    fail(sub(path, key), fmt::format("{} is outside [{}, {}]", x, lo, hi));
  return x;
}

uint64_t as_u64(const json& v, const std::string& path) {
  if (v.is_number_unsigned())
    return v.get<uint64_t>();
  if (v.is_number_integer())
    return static_cast<uint64_t>(v.get<int64_t>());
  fail(path, "expected an integer");
}

template <typename E>
E get_enum(const json& j, const char* key, const std::string& path) {
  const std::string s = get_string(j, key, path);
  if (auto v = value_of<E>(s))
    return *v;
  fail(sub(path, key), fmt::format("unknown value \"{}\"", s));
}

const json& get_array(const json& j, const char* key, const std::string& path) {
  const json& v = member(j, key, path);
  if (!v.is_array())
    fail(sub(path, key), "expected an array");
  return v;
}

const json& get_object(const json& j, const char* key, const std::string& path) {
  const json& v = member(j, key, path);
  if (!v.is_object())
    fail(sub(path, key), "expected an object");
  return v;
}

int get_capability(const json& j, const char* key, const std::string& path) {
  const std::string s = get_string(j, key, path);
  auto cap = catalog::capability_value(s);
  if (!cap)
    fail(sub(path, key), fmt::format("unknown capability \"{}\"", s));
  return *cap;
}

// ---- writing ------------------------------------------------------------
json source_to_json(const SourceRef& s) {
  return {{"file", s.file}, {"line", s.line}, {"column", s.column}, {"text", s.text}};
}

SourceRef source_from_json(const json& j, const std::string& path) {
  return SourceRef{get_string(j, "file", path),
                   static_cast<uint32_t>(get_int(j, "line", path, 0, UINT32_MAX)),
                   static_cast<uint32_t>(get_int(j, "column", path, 0, UINT32_MAX)),
                   get_string(j, "text", path)};
}

json field_to_json(const FieldRef& f) {
  json j = {{"kind", name_of(f.field)}, {"label", f.label}};
  if (f.field == Field::Arg) {
    j["arg"] = f.arg;
    j["type"] = name_of(f.type);
  }
  if (f.field == Field::Annotation || f.field == Field::Meta)
    j["key"] = f.key;
  return j;
}

FieldRef field_from_json(const json& j, const std::string& path) {
  FieldRef f;
  f.field = get_enum<Field>(j, "kind", path);
  f.label = get_string(j, "label", path);
  if (f.field == Field::Arg) {
    f.arg = static_cast<int>(get_int(j, "arg", path, 0, 5));
    f.type = get_enum<catalog::ArgType>(j, "type", path);
  }
  if (f.field == Field::Annotation || f.field == Field::Meta)
    f.key = get_string(j, "key", path);
  return f;
}

json predicate_to_json(const Predicate& p) {
  json j = {{"kind", name_of(p.kind)}};
  switch (p.kind) {
    case Predicate::Kind::Compare:
      j["field"] = field_to_json(p.lhs);
      j["op"] = name_of(p.op);
      if (!p.ints.empty())
        j["ints"] = p.ints;
      if (!p.strings.empty())
        j["strings"] = p.strings;
      if (p.op == Op::MaskAny || p.op == Op::MaskEq || p.op == Op::MaskNe)
        j["mask"] = p.mask;
      if (p.list_ref)
        j["list_ref"] = field_to_json(*p.list_ref);
      break;
    case Predicate::Kind::HasCap:
      j["capability"] = catalog::capability_name(p.capability);
      j["in_userns"] = p.in_userns;
      break;
    case Predicate::Kind::InUserns:
    case Predicate::Kind::IsInit:
      break;
    case Predicate::Kind::Not:
    case Predicate::Kind::All:
    case Predicate::Kind::Any: {
      json kids = json::array();
      for (const Predicate& c : p.children)
        kids.push_back(predicate_to_json(c));
      j["children"] = std::move(kids);
      break;
    }
  }
  return j;
}

constexpr int kMaxPredicateDepth = 64;

Predicate predicate_from_json(const json& j, const std::string& path, int depth) {
  if (depth > kMaxPredicateDepth)
    fail(path, "predicates nested too deeply");
  Predicate p;
  p.kind = get_enum<Predicate::Kind>(j, "kind", path);
  switch (p.kind) {
    case Predicate::Kind::Compare: {
      p.lhs = field_from_json(member(j, "field", path), sub(path, "field"));
      p.op = get_enum<Op>(j, "op", path);
      if (j.contains("ints")) {
        const json& a = get_array(j, "ints", path);
        for (size_t i = 0; i < a.size(); ++i)
          p.ints.push_back(as_u64(a[i], idx(sub(path, "ints"), i)));
      }
      if (j.contains("strings")) {
        const json& a = get_array(j, "strings", path);
        for (size_t i = 0; i < a.size(); ++i) {
          if (!a[i].is_string())
            fail(idx(sub(path, "strings"), i), "expected a string");
          p.strings.push_back(a[i].get<std::string>());
        }
      }
      if (p.op == Op::MaskAny || p.op == Op::MaskEq || p.op == Op::MaskNe) {
        p.mask = as_u64(member(j, "mask", path), sub(path, "mask"));
      }
      if (j.contains("list_ref"))
        p.list_ref = field_from_json(j["list_ref"], sub(path, "list_ref"));
      const bool needs_value = p.op != Op::Present && p.op != Op::MaskAny && !p.list_ref;
      if (needs_value && p.ints.empty() && p.strings.empty()) {
        fail(path, "a comparison without a value");
      }
      break;
    }
    case Predicate::Kind::HasCap:
      p.capability = get_capability(j, "capability", path);
      p.in_userns = get_bool(j, "in_userns", path);
      break;
    case Predicate::Kind::InUserns:
    case Predicate::Kind::IsInit:
      break;
    case Predicate::Kind::Not:
    case Predicate::Kind::All:
    case Predicate::Kind::Any: {
      const json& a = get_array(j, "children", path);
      for (size_t i = 0; i < a.size(); ++i) {
        p.children.push_back(predicate_from_json(a[i], idx(sub(path, "children"), i), depth + 1));
      }
      if (p.kind == Predicate::Kind::Not && p.children.size() != 1) {
        fail(path, "'not' takes exactly one child");
      }
      break;
    }
  }
  return p;
}

json duration_to_json(const Duration& d) {
  if (d.millis)
    return {{"ms", *d.millis}};
  return {{"template", d.template_text}};
}

Duration duration_from_json(const json& j, const std::string& path) {
  Duration d;
  if (j.is_object() && j.contains("ms")) {
    d.millis = static_cast<uint64_t>(get_int(j, "ms", path, 0, int64_t{24} * 3600 * 1000));
  } else {
    d.template_text = get_string(j, "template", path);
  }
  return d;
}

}  // namespace

json action_to_json(const Action& a) {
  json j = {{"response", name_of(a.response)}};
  switch (a.response) {
    case Response::Errno:
      j["errno"] = a.error;
      break;
    case Response::Return:
      j["value"] = a.value;
      break;
    case Response::Emulate: {
      j["emulate"] = name_of(a.emulator);
      json params = json::array();
      for (const EmulateParam& p : a.params) {
        json pj = {{"name", p.name}, {"arg", p.arg}, {"type", name_of(p.type)}};
        if (catalog::is_string(p.type))
          pj["text"] = p.text;
        else
          pj["integer"] = p.integer;
        params.push_back(std::move(pj));
      }
      j["params"] = std::move(params);
      if (a.credentials == model::Credentials::Agent)
        j["as"] = name_of(a.credentials);
      break;
    }
    case Response::Continue:
      j["unsafe"] = a.unsafe;
      break;
    case Response::Kill:
      break;
  }
  j["log"] = a.log;
  if (a.delay)
    j["delay"] = duration_to_json(*a.delay);
  // Written only when it is not the plain delay every table before it meant.
  if (a.delay && a.delay_from != DelayFrom::Decision)
    j["delay_from"] = name_of(a.delay_from);
  if (a.stop_after)
    j["stop_after"] = duration_to_json(*a.stop_after);
  // Written only when it is not the kill every table before it meant.
  if (a.stop_after && a.stop_mode != StopMode::Kill)
    j["stop_mode"] = name_of(a.stop_mode);
  return j;
}

Action action_from_json(const json& j, const std::string& path) {
  Action a;
  a.response = get_enum<Response>(j, "response", path);
  switch (a.response) {
    case Response::Errno:
      a.error = static_cast<int>(get_int(j, "errno", path, 1, 4095));
      break;
    case Response::Return:
      a.value = get_int(j, "value", path, INT64_MIN, INT64_MAX);
      break;
    case Response::Emulate: {
      a.emulator = get_enum<model::Emulator>(j, "emulate", path);
      const json& params = get_array(j, "params", path);
      for (size_t i = 0; i < params.size(); ++i) {
        const std::string pp = idx(sub(path, "params"), i);
        EmulateParam p;
        p.name = get_string(params[i], "name", pp);
        p.arg = static_cast<int>(get_int(params[i], "arg", pp, 0, 5));
        p.type = get_enum<catalog::ArgType>(params[i], "type", pp);
        if (catalog::is_string(p.type))
          p.text = get_string(params[i], "text", pp);
        else
          p.integer = as_u64(member(params[i], "integer", pp), sub(pp, "integer"));
        a.params.push_back(std::move(p));
      }
      if (j.contains("as"))
        a.credentials = get_enum<model::Credentials>(j, "as", path);
      break;
    }
    case Response::Continue:
      a.unsafe = get_bool(j, "unsafe", path);
      break;
    case Response::Kill:
      break;
  }
  a.log = get_bool(j, "log", path);
  if (j.contains("delay")) {
    a.delay = duration_from_json(j["delay"], sub(path, "delay"));
    if (j.contains("delay_from"))
      a.delay_from = get_enum<DelayFrom>(j, "delay_from", path);
  }
  if (j.contains("stop_after")) {
    a.stop_after = duration_from_json(j["stop_after"], sub(path, "stop_after"));
    if (j.contains("stop_mode"))
      a.stop_mode = get_enum<StopMode>(j, "stop_mode", path);
  }
  return a;
}

namespace {

json row_to_json(const Row& r) {
  json when = json::array();
  for (const Predicate& p : r.when)
    when.push_back(predicate_to_json(p));
  json reqs = json::array();
  for (const Requirement& q : r.requirements) {
    reqs.push_back(
        {{"capability", catalog::capability_name(q.capability)}, {"in_userns", q.in_userns}});
  }
  return {{"id", r.id},
          {"when", std::move(when)},
          {"requires", std::move(reqs)},
          {"action", action_to_json(r.action)},
          {"reads_memory", r.reads_memory},
          {"continue_ok", r.continue_ok},
          {"source", source_to_json(r.source)}};
}

Row row_from_json(const json& j, const std::string& path) {
  Row r;
  r.id = get_string(j, "id", path);
  const json& when = get_array(j, "when", path);
  for (size_t i = 0; i < when.size(); ++i) {
    r.when.push_back(predicate_from_json(when[i], idx(sub(path, "when"), i), 0));
  }
  const json& reqs = get_array(j, "requires", path);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const std::string rp = idx(sub(path, "requires"), i);
    r.requirements.push_back(
        Requirement{get_capability(reqs[i], "capability", rp), get_bool(reqs[i], "in_userns", rp)});
  }
  r.action = action_from_json(member(j, "action", path), sub(path, "action"));
  r.reads_memory = get_bool(j, "reads_memory", path);
  r.continue_ok = get_bool(j, "continue_ok", path);
  r.source = source_from_json(member(j, "source", path), sub(path, "source"));
  return r;
}

json selector_to_json(const Selector& s) {
  json j = {{"meta", s.meta},
            {"annotations", s.annotations},
            {"pod_namespace", s.pod_namespace},
            {"pod_name", s.pod_name},
            {"container_name", s.container_name}};
  // Written only when used, so that tables without alternatives keep their hash.
  if (!s.any.empty()) {
    json any = json::array();
    for (const Selector& alternative : s.any)
      any.push_back(selector_to_json(alternative));
    j["any"] = std::move(any);
  }
  return j;
}

std::map<std::string, std::string> string_map(const json& j, const char* key,
                                              const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : get_object(j, key, path).items()) {
    if (!v.is_string())
      fail(sub(sub(path, key), k), "expected a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

// `any` alternatives are one level deep: an alternative holds no `any`.
Selector selector_from_json(const json& j, const std::string& path, bool alternative = false) {
  Selector s;
  s.meta = string_map(j, "meta", path);
  s.annotations = string_map(j, "annotations", path);
  s.pod_namespace = get_string(j, "pod_namespace", path);
  s.pod_name = get_string(j, "pod_name", path);
  s.container_name = get_string(j, "container_name", path);
  if (j.contains("any")) {
    if (alternative)
      fail(sub(path, "any"), "an alternative of `any` cannot hold alternatives");
    const json& any = get_array(j, "any", path);
    for (size_t i = 0; i < any.size(); ++i)
      s.any.push_back(selector_from_json(any[i], idx(sub(path, "any"), i), true));
  }
  return s;
}

json publish_to_json(const Publish& p) {
  return {{"to", std::string(name_of(p.to))}, {"when", selector_to_json(p.when)}};
}

Publish publish_from_json(const json& j, const std::string& path) {
  return Publish{get_enum<Sink>(j, "to", path),
                 selector_from_json(member(j, "when", path), sub(path, "when"))};
}

json policy_to_json(const Policy& p) {
  json syscalls = json::object();
  for (const auto& [name, rules] : p.syscalls) {
    json rows = json::array();
    for (const Row& r : rules.rows)
      rows.push_back(row_to_json(r));
    syscalls[name] = {{"rows", std::move(rows)},
                      {"default_continue_ok", rules.default_continue_ok}};
  }
  json j = {{"name", p.name},
            {"file", p.file},
            {"description", p.description},
            {"match", selector_to_json(p.match)},
            {"default", action_to_json(p.default_action)},
            {"default_source", source_to_json(p.default_source)},
            {"syscalls", std::move(syscalls)}};
  // Written only when used, so that tables that publish nothing keep their hash.
  if (!p.publish.empty()) {
    json publish = json::array();
    for (const Publish& to : p.publish)
      publish.push_back(publish_to_json(to));
    j["publish"] = std::move(publish);
  }
  return j;
}

Policy policy_from_json(const json& j, const std::string& path) {
  Policy p;
  p.name = get_string(j, "name", path);
  p.file = get_string(j, "file", path);
  p.description = get_string(j, "description", path);
  p.match = selector_from_json(member(j, "match", path), sub(path, "match"));
  if (j.contains("publish")) {
    const json& publish = get_array(j, "publish", path);
    for (size_t i = 0; i < publish.size(); ++i)
      p.publish.push_back(publish_from_json(publish[i], idx(sub(path, "publish"), i)));
  }
  p.default_action = action_from_json(member(j, "default", path), sub(path, "default"));
  p.default_source =
      source_from_json(member(j, "default_source", path), sub(path, "default_source"));
  for (const auto& [name, sj] : get_object(j, "syscalls", path).items()) {
    const std::string sp = sub(sub(path, "syscalls"), name);
    SyscallRules rules;
    rules.name = name;
    rules.default_continue_ok = get_bool(sj, "default_continue_ok", sp);
    const json& rows = get_array(sj, "rows", sp);
    for (size_t i = 0; i < rows.size(); ++i) {
      rules.rows.push_back(row_from_json(rows[i], idx(sub(sp, "rows"), i)));
    }
    p.syscalls.emplace(name, std::move(rules));
  }
  return p;
}

json body_to_json(const Table& t) {
  json index = json::object();
  for (const auto& [arch, numbers] : t.index) {
    json m = json::object();
    for (const auto& [nr, name] : numbers)
      m[std::to_string(nr)] = name;
    index[arch] = std::move(m);
  }
  json passthrough = json::object();
  for (const auto& [name, action] : t.passthrough)
    passthrough[name] = action_to_json(action);
  json policies = json::array();
  for (const Policy& p : t.policies)
    policies.push_back(policy_to_json(p));
  return {{"schema", kSchemaName},
          {"version", t.version},
          {"architectures", t.arches},
          {"index", std::move(index)},
          {"passthrough", std::move(passthrough)},
          {"policies", std::move(policies)}};
}

}  // namespace

std::string compute_hash(const json& without_hash) {
  // nlohmann's object keys are ordered, so dump() is canonical.
  const std::string canonical = without_hash.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw TableError("cannot compute SHA-256");
  }
  std::string hex = "sha256:";
  for (unsigned int i = 0; i < len; ++i)
    hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

json to_json(const Table& t) {
  json j = body_to_json(t);
  j["hash"] = compute_hash(j);
  return j;
}

Table from_json(const json& j) {
  if (!j.is_object())
    fail("", "expected a JSON object");
  const std::string schema = get_string(j, "schema", "");
  if (schema != kSchemaName)
    fail("schema", fmt::format("\"{}\" is not {}", schema, kSchemaName));
  Table t;
  t.version = static_cast<int>(get_int(j, "version", "", 0, INT32_MAX));
  if (t.version != kSchemaVersion) {
    fail("version", fmt::format("schema version {} is not supported (this build reads {})",
                                t.version, kSchemaVersion));
  }
  t.hash = get_string(j, "hash", "");
  json body = j;
  body.erase("hash");
  const std::string actual = compute_hash(body);
  if (actual != t.hash) {
    fail("hash", fmt::format("content hash mismatch: the file says {}, its content is {}; "
                             "the table was modified after rulec wrote it",
                             t.hash, actual));
  }
  for (const json& a : get_array(j, "architectures", "")) {
    if (!a.is_string() || !catalog::find_arch(a.get<std::string>())) {
      fail("architectures", fmt::format("unknown architecture {}", a.dump()));
    }
    t.arches.push_back(a.get<std::string>());
  }
  for (const auto& [arch, numbers] : get_object(j, "index", "").items()) {
    if (!catalog::find_arch(arch))
      fail(sub("index", arch), "unknown architecture");
    auto& m = t.index[arch];
    for (const auto& [nr, name] : numbers.items()) {
      int n = 0;
      std::istringstream in(nr);
      if (!(in >> n) || !in.eof() || !name.is_string())
        fail(sub(sub("index", arch), nr), "bad entry");
      m[n] = name.get<std::string>();
    }
  }
  for (const auto& [name, aj] : get_object(j, "passthrough", "").items()) {
    t.passthrough[name] = action_from_json(aj, sub("passthrough", name));
  }
  const json& policies = get_array(j, "policies", "");
  for (size_t i = 0; i < policies.size(); ++i) {
    t.policies.push_back(policy_from_json(policies[i], idx("policies", i)));
  }
  return t;
}

namespace {

// The file's bytes. Only a regular file is read: a FIFO or a device could
// block the reader for ever (the agent reloads on its control thread), and
// it is opened non-blocking so that even the open cannot wait on one.
std::string read_regular_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    throw TableError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw TableError(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw TableError(fmt::format("{}: not a regular file", path));
  if (st.st_size > kMaxTableBytes) {
    throw TableError(fmt::format("{}: {} bytes, more than a table may have ({})", path, st.st_size,
                                 kMaxTableBytes));
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw TableError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    if (n == 0)
      return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > static_cast<size_t>(kMaxTableBytes))
      throw TableError(fmt::format("{}: grew past {} bytes while read", path, kMaxTableBytes));
  }
}

}  // namespace

Table load_table_file(const std::string& path) {
  const std::string text = read_regular_file(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or a number out of range (1e999)
    throw TableError(fmt::format("{}: not valid JSON: {}", path, e.what()));
  }
  try {
    return from_json(j);
  } catch (const TableError& e) {
    throw TableError(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace sa::table
