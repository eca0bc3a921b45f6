#include "passes/load.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "model/catalog/constants.hpp"
#include "model/codec/utf8.hpp"

namespace sa::passes {
namespace {

namespace code = diag::code;
using diag::Severity;

bool valid_policy_name(std::string_view name) {
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  if (name.empty() || name.size() > 63 || !ok(name.front()) || name.front() == '_' ||
      name.front() == '.' || name.front() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), ok);
}

class Loader {
 public:
  Loader(std::shared_ptr<const SourceFile> file, diag::Sink& sink)
      : file_(std::move(file)), sink_(sink) {}

  std::optional<PolicyDoc> run() {
    if (file_->contents().find_first_not_of(" \t\r\n") == std::string::npos) {
      error(code::kEmptyFile,
            "the file is empty; a rule file needs at least `policy:` and `rules:`",
            diag::Location{file_->path()});
      return std::nullopt;
    }
    if (const auto bad = codec::first_invalid_utf8(file_->contents())) {
      not_utf8(*bad);
      return std::nullopt;
    }
    YAML::Node root;
    try {
      root = YAML::Load(file_->contents());
    } catch (const YAML::Exception& e) {
      yaml_error(e);
      return std::nullopt;
    }
    if (!root.IsMap()) {
      shape(root, "a rule file is a mapping with `policy:` and `rules:` at the top");
      return std::nullopt;
    }
    return policy(root);
  }

 private:
  std::shared_ptr<const SourceFile> file_;
  diag::Sink& sink_;

  void not_utf8(size_t offset) {
    diag::Location loc{file_->path()};
    file_->position(offset, &loc.line, &loc.column);
    // No excerpt of the line: it is not text, and --format json could not
    // carry it.
    sink_
        .error(code::kNotUtf8,
               fmt::format("byte 0x{:02X} is not UTF-8; rule files are UTF-8 text",
                           static_cast<unsigned char>(file_->contents()[offset])),
               loc)
        .hint = "save the file as UTF-8";
  }

  diag::Diagnostic& error(std::string_view c, std::string message, const diag::Location& loc) {
    return report(sink_, Severity::Error, c, std::move(message), loc, file_.get());
  }

  ScalarPos pos(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return ScalarPos{file_.get(), std::max(0, m.line), std::max(0, m.column), std::max(0, m.pos)};
  }

  void yaml_error(const YAML::Exception& e) {
    const std::string what = e.msg.empty() ? std::string(e.what()) : e.msg;
    diag::Location loc{file_->path()};
    if (!e.mark.is_null())
      loc = locate(ScalarPos{file_.get(), e.mark.line, e.mark.column, e.mark.pos});
    auto& d = error(code::kYamlSyntax, fmt::format("YAML syntax error: {}", what), loc);
    const std::string_view line = file_->line(loc.line);
    if (line.find('\t') != std::string_view::npos) {
      d.hint = "YAML does not allow tabs for indentation; indent with spaces";
    }
  }

  void shape(const YAML::Node& n, std::string message) {
    error(code::kYamlShape, std::move(message), locate(pos(n)));
  }

  std::optional<Scalar> scalar(const YAML::Node& n, std::string_view what) {
    if (!n.IsScalar()) {
      shape(n, fmt::format("{} must be a single value, not a {}", what,
                           n.IsMap()        ? "mapping"
                           : n.IsSequence() ? "list"
                                            : "null"));
      return std::nullopt;
    }
    return Scalar{n.Scalar(), pos(n)};
  }

  void check_keys(const YAML::Node& map, std::string_view where,
                  const std::vector<std::string>& allowed) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end())
        continue;
      auto& d =
          error(code::kUnknownKey, fmt::format("unknown key '{}' in {}", key, where),
                locate(pos(it->first), static_cast<uint32_t>(std::max<size_t>(1, key.size()))));
      if (auto near = catalog::closest(key, allowed)) {
        d.hint = fmt::format("did you mean '{}'?", *near);
      } else {
        d.hint = fmt::format("known keys: {}", fmt::join(allowed, ", "));
      }
    }
  }

  std::map<std::string, Scalar> string_map(const YAML::Node& n, std::string_view what) {
    std::map<std::string, Scalar> out;
    if (!n.IsMap()) {
      shape(n, fmt::format("{} must be a mapping of names to values", what));
      return out;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto k = scalar(it->first, fmt::format("a key of {}", what));
      auto v = scalar(it->second, fmt::format("'{}' in {}", k ? k->text : "?", what));
      if (k && v)
        out[k->text] = *v;
    }
    return out;
  }

  // `map[key]`, a scalar; nullopt after reporting `missing` when there is
  // none, or that it is no scalar (`what`).
  std::optional<Scalar> required_scalar(const YAML::Node& map, const char* key,
                                        std::string_view missing, std::string_view what) {
    const YAML::Node n = map[key];
    if (!n) {
      shape(map, std::string(missing));
      return std::nullopt;
    }
    return scalar(n, what);
  }

  std::vector<Scalar> string_list(const YAML::Node& n, std::string_view what) {
    std::vector<Scalar> out;
    if (!n.IsSequence()) {
      shape(n, fmt::format("{} must be a list", what));
      return out;
    }
    for (const YAML::Node& item : n) {
      if (auto s = scalar(item, fmt::format("an item of {}", what)))
        out.push_back(*s);
    }
    return out;
  }

  std::optional<PolicyDoc> policy(const YAML::Node& root) {
    check_keys(root, "the policy header",
               {"policy", "description", "match", "publish", "default", "intercept",
                "intercept_base_denials", "rules", "tests"});
    PolicyDoc doc;
    doc.file = file_;
    const YAML::Node name = root["policy"];
    if (!name) {
      error(code::kYamlShape, "missing `policy:` (the policy's name)", locate(pos(root)));
      return std::nullopt;
    }
    auto n = scalar(name, "`policy`");
    if (!n)
      return std::nullopt;
    doc.name = *n;
    if (!valid_policy_name(doc.name.text)) {
      error(code::kBadName, fmt::format("'{}' is not a valid policy name", doc.name.text),
            locate(doc.name.at))
          .hint =
          "letters, digits, '_', '.', '-'; at most 63 characters; starting with a letter or digit";
    }
    if (const YAML::Node d = root["description"]) {
      if (auto s = scalar(d, "`description`"))
        doc.description = s->text;
    }
    if (const YAML::Node m = root["match"])
      selector(m, doc.match, "match");
    if (const YAML::Node p = root["publish"])
      publish(p, doc);
    if (const YAML::Node d = root["default"])
      doc.default_action = scalar(d, "`default`");
    if (const YAML::Node i = root["intercept"])
      doc.intercept = string_list(i, "`intercept`");
    if (const YAML::Node b = root["intercept_base_denials"])
      base_denials(b, doc);
    const YAML::Node rules = root["rules"];
    if (!rules) {
      error(code::kYamlShape, "missing `rules:` (a list of rules)", locate(pos(root)));
    } else if (!rules.IsSequence()) {
      shape(rules, "`rules` must be a list of rules");
    } else {
      for (const YAML::Node& r : rules)
        rule(r, doc);
    }
    if (const YAML::Node t = root["tests"]) {
      if (!t.IsSequence()) {
        shape(t, "`tests` must be a list of test cases");
      } else {
        for (const YAML::Node& c : t)
          test(c, doc);
      }
    }
    return doc;
  }

  // `match` (or a `publish` item's `when`, named by `key`), or
  // (alternative) one item of its `any`, which names at least one field and
  // holds no `any` of its own.
  void selector(const YAML::Node& m, SelectorDoc& out, std::string_view key,
                bool alternative = false) {
    const std::string where =
        alternative ? fmt::format("an item of `{}.any`", key) : fmt::format("`{}`", key);
    if (!m.IsMap()) {
      shape(m, fmt::format("{} must be a mapping (meta, annotations, pod, container{})", where,
                           alternative ? "" : ", any"));
      return;
    }
    if (alternative) {
      check_keys(m, where, {"meta", "annotations", "pod", "container"});
      if (m.size() == 0)
        shape(m, fmt::format("{} names no field: it would match every container", where));
    } else {
      check_keys(m, where, {"meta", "annotations", "pod", "container", "any"});
      if (const YAML::Node x = m["any"])
        alternatives(x, out, key);
    }
    if (const YAML::Node x = m["meta"])
      out.meta = string_map(x, fmt::format("`{}.meta`", key));
    if (const YAML::Node x = m["annotations"])
      out.annotations = string_map(x, fmt::format("`{}.annotations`", key));
    if (const YAML::Node x = m["pod"]) {
      const std::string what = fmt::format("`{}.pod`", key);
      auto pod = string_map(x, what);
      check_keys(x, what, {"namespace", "name"});
      if (pod.count("namespace"))
        out.pod_namespace = pod["namespace"];
      if (pod.count("name"))
        out.pod_name = pod["name"];
    }
    if (const YAML::Node x = m["container"]) {
      const std::string what = fmt::format("`{}.container`", key);
      auto c = string_map(x, what);
      check_keys(x, what, {"name"});
      if (c.count("name"))
        out.container_name = c["name"];
    }
  }

  // `publish: [{to: SINK, when: SELECTOR}]`; the sink's name is checked
  // when resolved.
  void publish(const YAML::Node& list, PolicyDoc& doc) {
    if (!list.IsSequence() || list.size() == 0) {
      shape(list, "`publish` must be a non-empty list of {to: SINK, when: SELECTOR}");
      return;
    }
    for (const YAML::Node& item : list) {
      if (!item.IsMap()) {
        shape(item, "an item of `publish` must be a mapping {to: SINK, when: SELECTOR}");
        continue;
      }
      check_keys(item, "an item of `publish`", {"to", "when"});
      auto sink = required_scalar(item, "to", "an item of `publish` needs `to:` (the sink: falco)",
                                  "`publish.to`");
      if (!sink)
        continue;
      PublishDoc out{*sink, {}};
      if (const YAML::Node w = item["when"])
        selector(w, out.when, "publish.when");
      doc.publish.push_back(std::move(out));
    }
  }

  // `intercept_base_denials: true|false`.
  void base_denials(const YAML::Node& n, PolicyDoc& doc) {
    auto v = scalar(n, "`intercept_base_denials`");
    if (!v)
      return;
    if (v->text != "true" && v->text != "false") {
      error(code::kYamlShape, "`intercept_base_denials` is true or false", locate(v->at));
      return;
    }
    if (v->text == "true")
      doc.intercept_base_denials = *v;
  }

  // `match.any` (or `publish.when.any`): one of these selectors holds.
  void alternatives(const YAML::Node& list, SelectorDoc& out, std::string_view key) {
    if (!list.IsSequence() || list.size() == 0) {
      shape(list, fmt::format("`{}.any` must be a non-empty list of selectors (meta, "
                              "annotations, pod, container)",
                              key));
      return;
    }
    for (const YAML::Node& item : list) {
      SelectorDoc alternative;
      selector(item, alternative, key, true);
      out.any.push_back(std::move(alternative));
    }
  }

  void rule(const YAML::Node& r, PolicyDoc& doc) {
    RuleDoc out;
    out.number = static_cast<int>(doc.rules.size()) + 1;
    if (r.IsMap()) {
      check_keys(r, "a rule", {"rule", "name", "description"});
      auto t = required_scalar(
          r, "rule", "a rule written as a mapping needs `rule:` with the rule text", "`rule`");
      if (!t)
        return;
      out.text = *t;
      if (const YAML::Node n = r["name"]) {
        if (auto s = scalar(n, "`name`"))
          out.name = s->text;
      }
    } else {
      auto t = scalar(r, "a rule");
      if (!t)
        return;
      out.text = *t;
    }
    doc.rules.push_back(std::move(out));
  }

  void test(const YAML::Node& c, PolicyDoc& doc) {
    if (!c.IsMap()) {
      shape(c, "a test case is a mapping with `name`, `syscall` and `expect`");
      return;
    }
    check_keys(c, "a test case",
               {"name", "syscall", "arch", "args", "pid", "container", "pod", "meta", "metadata",
                "annotations", "caller", "unreadable", "expect"});
    TestDoc t;
    t.at = pos(c);
    for (const char* required : {"name", "syscall", "expect"}) {
      if (!c[required]) {
        error(code::kBadTest, fmt::format("test case without `{}`", required), locate(t.at));
        return;
      }
    }
    auto name = scalar(c["name"], "`name`");
    auto syscall = scalar(c["syscall"], "`syscall`");
    auto expect = scalar(c["expect"], "`expect`");
    if (!name || !syscall || !expect)
      return;
    t.name = *name;
    t.syscall = *syscall;
    t.expect = *expect;
    if (const YAML::Node x = c["arch"])
      t.arch = scalar(x, "`arch`");
    if (const YAML::Node x = c["pid"])
      t.pid = scalar(x, "`pid`");
    if (const YAML::Node x = c["args"])
      t.args = string_map(x, "`args`");
    if (const YAML::Node x = c["container"]) {
      check_keys(x, "`container`", {"id", "name", "pid"});
      t.container = string_map(x, "`container`");
    }
    if (const YAML::Node x = c["pod"]) {
      check_keys(x, "`pod`", {"namespace", "name"});
      t.pod = string_map(x, "`pod`");
    }
    if (const YAML::Node x = c["meta"])
      t.meta = string_map(x, "`meta`");
    if (const YAML::Node x = c["metadata"])
      t.metadata = scalar(x, "`metadata`");
    if (const YAML::Node x = c["annotations"])
      t.annotations = string_map(x, "`annotations`");
    if (const YAML::Node x = c["caller"])
      caller(x, t);
    if (const YAML::Node x = c["unreadable"])
      t.unreadable = string_list(x, "`unreadable`");
    doc.tests.push_back(std::move(t));
  }

  void caller(const YAML::Node& x, TestDoc& t) {
    if (!x.IsMap()) {
      shape(x, "`caller` must be a mapping (uid, gid, caps, userns)");
      return;
    }
    check_keys(x, "`caller`", {"uid", "gid", "caps", "userns", "age"});
    for (const char* key : {"uid", "gid", "userns", "age"}) {
      if (const YAML::Node v = x[key]) {
        if (auto s = scalar(v, fmt::format("`caller.{}`", key)))
          t.caller[key] = *s;
      }
    }
    if (const YAML::Node caps = x["caps"])
      t.caps = string_list(caps, "`caller.caps`");
  }
};

}  // namespace

std::optional<PolicyDoc> load_text(std::shared_ptr<const SourceFile> file, diag::Sink& sink) {
  return Loader(std::move(file), sink).run();
}

std::shared_ptr<const SourceFile> read_source(const std::string& path, diag::Sink& sink) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.error(diag::code::kIo, fmt::format("cannot read: {}", std::strerror(errno)),
               diag::Location{path});
    return nullptr;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string contents = buf.str();
  if (contents.size() > kMaxFileBytes) {
    sink.error(diag::code::kIo,
               fmt::format("file is {} bytes; rule files are limited to {}", contents.size(),
                           kMaxFileBytes),
               diag::Location{path});
    return nullptr;
  }
  return std::make_shared<SourceFile>(path, std::move(contents));
}

}  // namespace sa::passes
