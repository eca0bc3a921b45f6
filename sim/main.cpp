// seccomp-sim: replays traces through the decision engine the agent runs.
// Exit status: 0 ok, 1 mismatches or failed checks, 2 bad usage or
// unreadable input.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "audit_import.hpp"
#include "diff.hpp"
#include "engine/engine.hpp"
#include "inline_tests.hpp"
#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "model/codec/trace_reader.hpp"
#include "model/codec/trace_writer.hpp"
#include "profile_gen.hpp"
#include "replay.hpp"

namespace {

using namespace sa;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadInput = 2;

// A usage or input problem: printed, exit status 2.
struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::unique_ptr<engine::Engine> load_engine(std::string path) {
  if (std::filesystem::is_directory(path))
    path = (std::filesystem::path(path) / "table.json").string();
  try {
    return std::make_unique<engine::Engine>(table::load_table_file(path));
  } catch (const table::TableError& e) {
    throw BadInput(fmt::format("{}: {}", path, e.what()));
  } catch (const engine::EngineError& e) {
    throw BadInput(fmt::format("{}: the engine cannot run this table: {}", path, e.what()));
  }
}

// Standard output, or FILE written whole (a temporary renamed into place).
class Output {
 public:
  explicit Output(std::string path) : path_(std::move(path)) {
    if (path_.empty() || path_ == "-")
      return;
    file_.open(path_ + ".tmp", std::ios::binary | std::ios::trunc);
    if (!file_)
      throw BadInput(fmt::format("cannot write {}.tmp", path_));
  }
  std::ostream& stream() { return file_.is_open() ? file_ : std::cout; }
  void commit() {
    if (!file_.is_open())
      return;
    file_.close();
    std::error_code ec;
    if (!file_ || (std::filesystem::rename(path_ + ".tmp", path_, ec), ec)) {
      throw BadInput(fmt::format("cannot write {}", path_));
    }
  }

 private:
  std::string path_;
  std::ofstream file_;
};

struct ReplayArgs {
  std::string trace;
  std::string table;
  std::string format = "text";
  bool check = false;
};

int replay(const ReplayArgs& a) {
  const auto engine = load_engine(a.table);
  trace::TraceReader reader(a.trace);
  sim::ReplayOptions options;
  options.format = a.format == "json" ? sim::Format::Json : sim::Format::Text;
  options.check = a.check;
  sim::Replayer replayer(*engine, options, std::cout);
  const sim::ReplayCounts c = replayer.run(reader);
  return c.errors + c.mismatches == 0 ? kOk : kFailed;
}

struct DiffArgs {
  std::string trace;
  std::vector<std::string> tables;
};

int diff(const DiffArgs& a) {
  if (a.tables.size() != 2)
    throw BadInput("diff needs exactly two --table options");
  const auto first = load_engine(a.tables[0]);
  const auto second = load_engine(a.tables[1]);
  trace::TraceReader reader(a.trace);
  const sim::DiffCounts c = sim::diff_tables(reader, *first, *second, std::cout);
  return c.changed + c.errors == 0 ? kOk : kFailed;
}

struct ImportArgs {
  std::string log;
  std::string output;
  sim::AuditFilter filter;
};

int import_audit(const ImportArgs& a) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.log != "-") {
    file.open(a.log, std::ios::binary);
    if (!file)
      throw BadInput(fmt::format("cannot open {}", a.log));
    in = &file;
  }
  Output out(a.output);
  trace::TraceWriter writer(out.stream(), trace::Header{});
  const sim::ImportCounts c =
      sim::import_audit(*in, a.log == "-" ? "<stdin>" : a.log, writer, a.filter);
  if (!writer.ok())
    throw BadInput("cannot write the trace");
  out.commit();
  for (const std::string& w : c.warnings)
    fmt::print(std::cerr, "warning: {}\n", w);
  fmt::print(std::cerr,
             "import-audit: {} seccomp records, {} filtered out, {} other lines skipped\n",
             c.records, c.filtered, c.skipped);
  return kOk;
}

struct ProfileArgs {
  std::vector<std::string> traces;
  std::string output;
};

int profile(const ProfileArgs& a) {
  sim::ProfileBuilder builder;
  for (const std::string& t : a.traces) {
    trace::TraceReader reader(t);
    builder.add(reader);
  }
  Output out(a.output);
  out.stream() << builder.profile().dump(4) << '\n';
  out.commit();
  for (const std::string& nr : builder.unnamed()) {
    fmt::print(std::cerr,
               "warning: syscall number {} has no name in libseccomp: the profile cannot allow "
               "it\n",
               nr);
  }
  return kOk;
}

struct TestArgs {
  std::vector<std::string> files;
  std::vector<std::string> arches;
  std::string base;
};

int test(const TestArgs& a) {
  std::vector<catalog::Arch> arches;
  for (const std::string& n : a.arches) {
    auto arch = catalog::find_arch(n);
    if (!arch)
      throw BadInput(fmt::format("unknown architecture '{}'", n));
    arches.push_back(*arch);
  }
  if (arches.empty())
    arches = catalog::default_arches();
  const sim::TestRun run = sim::run_rule_file_tests(a.files, arches, a.base, std::cout, std::cerr);
  if (!run.compiled)
    return kBadInput;
  return run.failed == 0 ? kOk : kFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"seccomp-sim: replay seccomp notification traces through the decision engine"};
  app.require_subcommand(1);

  ReplayArgs r;
  auto* replay_cmd = app.add_subcommand("replay", "decide every notification of a trace");
  replay_cmd->add_option("trace", r.trace, "trace file (JSON Lines or JSON; - for stdin)")
      ->required();
  replay_cmd->add_option("--table", r.table, "table.json (or the directory holding it)")
      ->required();
  replay_cmd->add_option("--format", r.format, "output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  replay_cmd->add_flag("--check", r.check,
                       "compare with the recorded decision and expect; exit 1 on a mismatch");

  DiffArgs d;
  auto* diff_cmd = app.add_subcommand("diff", "notifications two tables decide differently");
  diff_cmd->add_option("trace", d.trace, "trace file")->required();
  diff_cmd->add_option("--table", d.tables, "table.json, given twice (A then B)")->required();

  ImportArgs i;
  auto* import_cmd =
      app.add_subcommand("import-audit", "turn kernel seccomp audit lines into a trace");
  import_cmd->add_option("log", i.log, "audit log, kern.log, journal or dmesg output (- for stdin)")
      ->required();
  import_cmd->add_option("-o,--output", i.output, "trace to write (default: standard output)");
  import_cmd->add_option("--comm", i.filter.comm,
                         "keep only records of this command name (repeatable: any of them)");
  import_cmd->add_option("--pid", i.filter.pid,
                         "keep only records of this pid (repeatable: any of them)");
  import_cmd->add_option("--exe", i.filter.exe,
                         "keep only records of this executable (repeatable: any of them)");

  ProfileArgs p;
  auto* profile_cmd =
      app.add_subcommand("profile", "the smallest allow-list profile for traced syscalls");
  profile_cmd->add_option("traces", p.traces, "trace files")->required();
  profile_cmd->add_option("-o,--output", p.output, "profile to write (default: standard output)");

  TestArgs t;
  auto* test_cmd = app.add_subcommand("test", "run the inline tests of rule files");
  test_cmd->add_option("files", t.files, "rule files (YAML)")->required()->check(CLI::ExistingFile);
  test_cmd->add_option("--arch", t.arches,
                       "target architecture (repeatable; default: native and compat)");
  test_cmd
      ->add_option("--base", t.base,
                   "OCI seccomp profile the rules are layered over, as with rulec --base")
      ->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kOk : kBadInput;
  }
  try {
    if (*replay_cmd)
      return replay(r);
    if (*diff_cmd)
      return diff(d);
    if (*import_cmd)
      return import_audit(i);
    if (*profile_cmd)
      return profile(p);
    if (*test_cmd)
      return test(t);
  } catch (const BadInput& e) {
    fmt::print(std::cerr, "seccomp-sim: {}\n", e.what());
  } catch (const trace::TraceError& e) {
    fmt::print(std::cerr, "seccomp-sim: {}\n", e.what());
  } catch (const sim::ImportError& e) {
    fmt::print(std::cerr, "seccomp-sim: {}\n", e.what());
  }
  return kBadInput;
}
