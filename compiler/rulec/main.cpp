// rulec: compiles rule files into a decision table and seccomp profiles.
// Exit status: 0 clean (warnings allowed), 1 errors in the rules, 2 bad usage
// or an output that could not be written.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "passes/explain.hpp"
#include "rulec/outputs.hpp"

namespace {

constexpr int kClean = 0;
constexpr int kRuleErrors = 1;
constexpr int kUsage = 2;

struct Options {
  std::vector<std::string> files;
  std::vector<std::string> arch_names;
  std::string listener_path = "/run/seccomp-agent.socket";
  std::vector<std::string> metadata;
  bool wait_killable_recv = false;
  std::string base;
  std::string out_dir;
  bool check_only = false;
  bool explain = false;
  std::string format = "text";
};

std::optional<std::vector<sa::catalog::Arch>> arches(const Options& o) {
  if (o.arch_names.empty())
    return sa::catalog::default_arches();
  std::vector<sa::catalog::Arch> out;
  for (const std::string& n : o.arch_names) {
    auto a = sa::catalog::find_arch(n);
    if (!a) {
      fmt::print(stderr, "rulec: unknown architecture '{}'\n", n);
      return std::nullopt;
    }
    out.push_back(*a);
  }
  return out;
}

void print_diagnostics(const sa::diag::Sink& sink, const Options& o) {
  if (o.format == "json") {
    fmt::print("{}\n", sa::diag::format_json(sink.items()));
    return;
  }
  std::string text = sa::diag::format_text(sink.items());
  if (!text.empty())
    fmt::print(stderr, "{}", text);
  if (sink.error_count() + sink.warning_count() > 0) {
    fmt::print(stderr, "rulec: {} error{}, {} warning{}\n", sink.error_count(),
               sink.error_count() == 1 ? "" : "s", sink.warning_count(),
               sink.warning_count() == 1 ? "" : "s");
  }
}

int run(const Options& o) {
  auto targets = arches(o);
  if (!targets)
    return kUsage;
  sa::diag::Sink sink;
  auto outputs = sa::rulec::build_outputs(
      o.files, *targets, o.base,
      sa::rulec::ProfileSettings{o.listener_path, o.metadata, o.wait_killable_recv}, sink);
  print_diagnostics(sink, o);
  if (sink.has_errors() || !outputs)
    return kRuleErrors;
  if (o.explain)
    fmt::print("{}", sa::passes::explain(outputs->table));
  if (o.check_only || o.out_dir.empty())
    return kClean;
  std::string error;
  if (!sa::rulec::write_outputs(*outputs, o.out_dir, &error)) {
    fmt::print(stderr, "rulec: {}\n", error);
    return kUsage;
  }
  return kClean;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rulec: compile seccomp-agent rule files into a decision table and seccomp profiles"};
  Options o;
  app.add_option("files", o.files, "rule files (YAML)")->required()->check(CLI::ExistingFile);
  app.add_option("--arch", o.arch_names,
                 "target architecture (repeatable; default: the native one and its compat arches)");
  app.add_option("--listener-path", o.listener_path, "listenerPath written into the profiles")
      ->capture_default_str();
  app.add_option("--metadata", o.metadata,
                 "extra KEY=VALUE line for listenerMetadata (repeatable)");
  app.add_flag("--wait-killable-recv", o.wait_killable_recv,
               "set SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV in the profiles (crun accepts it; runc "
               "1.1 refuses every flag)");
  app.add_option("--base", o.base, "OCI seccomp profile to layer the intercepts over")
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", o.out_dir, "directory for table.json, profile.json, profiles/");
  app.add_flag("--check", o.check_only, "only check the rules; write nothing");
  app.add_flag("--explain", o.explain, "print the decision table in readable form");
  app.add_option("--format", o.format, "diagnostics format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUsage;
  }
  if (!o.check_only && !o.explain && o.out_dir.empty()) {
    fmt::print(stderr, "rulec: nothing to do: give -o DIR, --check or --explain\n");
    return kUsage;
  }
  if (o.explain && o.format == "json") {
    fmt::print(stderr, "rulec: --explain prints text; it cannot be combined with --format=json\n");
    return kUsage;
  }
  for (const std::string& m : o.metadata) {
    if (m.find('=') == std::string::npos || m.find('\n') != std::string::npos) {
      fmt::print(stderr, "rulec: --metadata '{}' is not KEY=VALUE on one line\n", m);
      return kUsage;
    }
  }
  return run(o);
}
