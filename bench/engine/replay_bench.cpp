#include "replay_bench.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "diag/diagnostics.hpp"
#include "model/catalog/arch.hpp"
#include "model/codec/table_json.hpp"
#include "model/codec/trace_json.hpp"
#include "model/codec/trace_writer.hpp"
#include "passes/pipeline.hpp"

extern char** environ;

namespace sa::bench {
namespace {

trace::NotificationRecord demo_call(size_t i) {
  trace::NotificationRecord n;
  n.seq = i + 1;
  n.time = "2024-05-01T12:00:00.000001Z";
  n.container = "demo";
  n.call.id = 0x9a3c5e7f00000000ULL + i;
  n.call.pid = static_cast<uint32_t>(4072889 + i % 100);
  const auto str = [](int arg, const char* name, const char* value) {
    return trace::StringArg{arg, name, model::StringRead{model::StringRead::Status::Ok, value, 0}};
  };
  switch (i % 3) {
    case 0:
      n.syscall = "mkdir";
      n.call.nr = 83;
      n.call.args = {0x7ffd00001000ULL, 0755};
      n.strings = {str(0, "path", "/abc")};
      n.expect = "emulate mkdir path=\"/abc-pid-" + std::to_string(n.call.pid) + "\"";
      break;
    case 1:
      n.syscall = "mount";
      n.call.nr = 165;
      n.call.args = {0x7ffd00001000ULL, 0x7ffd00001100ULL, 0x7ffd00001200ULL, 0, 0x7ffd00001300ULL};
      n.strings = {str(0, "source", "proc"), str(1, "target", "root"),
                   str(2, "fstype", i % 2 == 0 ? "proc" : "ext4"), str(4, "data", "")};
      break;
    default:
      n.syscall = "chmod";
      n.call.nr = 90;
      n.call.args = {0x7ffd00001000ULL, 0777};
      n.strings = {str(0, "path", "/")};
      n.expect = "errno EBADMSG";
  }
  n.caller.state = trace::CallerRecord::State::Known;
  n.caller.facts = model::CallerFacts{0, 0, 0, "user:[4026531837]", false, std::nullopt};
  return n;
}

void write_inputs(const std::string& rules_dir, const std::string& dir, size_t lines) {
  diag::Sink sink;
  auto c =
      passes::Pipeline(catalog::default_arches()).run_files({rules_dir + "/demo-basic.yaml"}, sink);
  if (!c)
    throw std::runtime_error(diag::format_text(sink.items()));
  std::ofstream(dir + "/table.json") << table::to_json(c->table).dump();
  std::ofstream out(dir + "/trace.jsonl");
  trace::TraceWriter w(out, trace::Header{});
  model::ContainerInfo demo;
  demo.id = "demo";
  demo.pid = 4072800;
  w.container(demo);
  for (size_t i = 0; i < lines; ++i)
    out << trace::notification_to_json(demo_call(i), true).dump() << '\n';
  if (!out)
    throw std::runtime_error("cannot write " + dir + "/trace.jsonl");
}

// A process's peak RSS so far, from /proc.
long vm_hwm_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stol(line.substr(6));
  }
  return 0;
}

ChildRun run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error(fmt::format("cannot run {}", argv[0]));
  ChildRun run;
  rusage usage{};
  wait4(pid, &run.status, 0, &usage);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.max_rss_kib = usage.ru_maxrss;
  return run;
}

}  // namespace

void bench_replay(const std::string& sim, const std::string& rules_dir, const std::string& dir,
                  size_t lines) {
  write_inputs(rules_dir, dir, lines);
  // A spawned child starts from its parent's high-water mark (the kernel
  // carries it over exec), so this process's own peak is the floor of the
  // figures below; it is printed with them.
  const long floor_kib = vm_hwm_kib(getpid());
  const std::string trace = dir + "/trace.jsonl";
  const ChildRun replay = run_child(
      {sim, "replay", trace, "--table", dir + "/table.json", "--format", "json", "--check"});
  const ChildRun baseline = run_child({sim, "profile", trace});
  const auto mib = [](long kib) { return static_cast<double>(kib) / 1024.0; };
  fmt::print(
      "  {:>9} lines: replay --check {:6.2f} s ({:5.3f} M lines/s), peak RSS {:5.1f} MiB"
      " | baseline (read+parse only) {:6.2f} s, peak RSS {:5.1f} MiB | ratio {:4.2f}"
      " | floor {:4.1f} MiB{}\n",
      lines, replay.seconds, static_cast<double>(lines) / replay.seconds / 1e6,
      mib(replay.max_rss_kib), baseline.seconds, mib(baseline.max_rss_kib),
      replay.seconds / baseline.seconds, mib(floor_kib),
      WIFEXITED(replay.status) && WEXITSTATUS(replay.status) == 0 ? "" : "  (replay FAILED)");
}

}  // namespace sa::bench
