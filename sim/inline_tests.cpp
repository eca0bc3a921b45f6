#include "inline_tests.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cerrno>

#include "diag/diagnostics.hpp"
#include "expectation.hpp"
#include "model/table/render.hpp"
#include "passes/pipeline.hpp"
#include "profile/with_base.hpp"
#include "replay.hpp"

namespace sa::sim {
namespace {

// The facts of a test case: strings by argument, unreadable ones failing.
class TestFacts : public engine::FactSource {
 public:
  explicit TestFacts(const passes::TestCase& t) : t_(t) {}

  model::StringRead read_string(int arg) override {
    if (t_.unreadable.count(arg) != 0)
      return {model::StringRead::Status::Failed, "", EFAULT};
    auto it = t_.strings.find(arg);
    if (it == t_.strings.end())
      return {model::StringRead::Status::Null, "", 0};
    return {model::StringRead::Status::Ok, it->second, 0};
  }
  std::optional<model::CallerFacts> caller() override {
    return model::CallerFacts{t_.uid,    t_.gid, t_.cap_effective, t_.userns, t_.userns_is_container,
                              t_.age_ms};
  }

 private:
  const passes::TestCase& t_;
};

model::ContainerInfo container_of(const passes::TestCase& t) {
  model::ContainerInfo c;
  c.id = t.container_id;
  c.pid = t.container_pid;
  c.container_name = t.container_name;
  c.pod_namespace = t.pod_namespace;
  c.pod_name = t.pod_name;
  c.annotations = t.annotations;
  c.meta = t.meta;
  c.metadata_raw = t.metadata_raw;
  return c;
}

}  // namespace

TestOutcome run_test_case(const engine::Engine& engine, const passes::TestCase& t) {
  TestOutcome out;
  out.test = &t;
  const table::Policy* policy = nullptr;
  for (const table::Policy& p : engine.table().policies) {
    if (p.name == t.policy)
      policy = &p;
  }
  const auto arch = catalog::find_arch(t.arch);
  const auto nr = arch ? catalog::syscall_number(t.syscall, *arch) : std::nullopt;
  if (policy == nullptr || !nr) {
    out.error = fmt::format("policy '{}' or syscall {} on {} is not in the table", t.policy,
                            t.syscall, t.arch);
    return out;
  }
  model::Notification n;
  n.id = 1;
  n.pid = t.pid;
  n.audit_arch = arch->audit_arch;
  n.nr = *nr;
  for (size_t i = 0; i < 6; ++i)
    n.args[i] = t.args[i];
  TestFacts facts(t);
  const engine::Decision d = engine.evaluate(policy, container_of(t), n, facts);
  out.decided = d.summary();
  auto expected = from_action(t.expect, fmt::format("expect \"{}\"", t.expect_text), &out.error);
  if (expected)
    out.differences = differences(*expected, d, arch->word_bits);
  return out;
}

namespace {

std::optional<passes::Compiled> compile(const std::vector<std::string>& files,
                                        const std::vector<catalog::Arch>& arches,
                                        const std::string& base_path, diag::Sink& sink) {
  if (base_path.empty())
    return passes::Pipeline(arches).run_files(files, sink);
  auto c = profile::compile_with_base(files, arches, base_path, sink);
  if (!c)
    return std::nullopt;
  return std::move(c->compiled);
}

}  // namespace

TestRun run_rule_file_tests(const std::vector<std::string>& files,
                            const std::vector<catalog::Arch>& arches, const std::string& base_path,
                            std::ostream& out, std::ostream& err) {
  TestRun run;
  diag::Sink sink;
  std::optional<passes::Compiled> c = compile(files, arches, base_path, sink);
  const std::string diagnostics = diag::format_text(sink.items());
  if (!diagnostics.empty())
    fmt::print(err, "{}", diagnostics);
  if (!c)
    return run;
  run.compiled = true;
  const engine::Engine engine(std::move(c->table));
  for (const passes::TestCase& t : c->tests) {
    const TestOutcome o = run_test_case(engine, t);
    const std::string where = fmt::format("{}:{}", t.source.file, t.source.line);
    if (o.passed()) {
      ++run.passed;
      fmt::print(out, "PASS {} {}: {}\n", where, t.policy, t.name);
      continue;
    }
    ++run.failed;
    fmt::print(out, "FAIL {} {}: {}\n", where, t.policy, t.name);
    if (!o.error.empty())
      fmt::print(out, "  error: {}\n", o.error);
    if (!o.decided.empty())
      fmt::print(out, "  expected: {}\n  decided:  {}\n", t.expect_text, o.decided);
    for (const std::string& d : o.differences)
      fmt::print(out, "    - {}\n", d);
  }
  fmt::print(out, "{} passed, {} failed\n", run.passed, run.failed);
  return run;
}

}  // namespace sa::sim
