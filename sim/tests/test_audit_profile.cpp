// import-audit on the kernel's seccomp audit lines (the Kubernetes seccomp
// tutorial's, with their syslog prefix, and audit.log / ausearch forms), and
// the allow-list profile built from traces.
#define BOOST_TEST_MODULE audit_profile
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "audit_import.hpp"
#include "model/codec/trace_reader.hpp"
#include "profile_gen.hpp"

namespace sa::sim {
namespace {

namespace bdata = boost::unit_test::data;

const std::string kSeedLog = "sim/tests/data/audit.log";

// import-audit into memory, read back as a trace.
std::vector<trace::NotificationRecord> imported(std::istream& log, ImportCounts* counts = nullptr,
                                                const AuditFilter& filter = {}) {
  std::stringstream out;
  trace::TraceWriter w(out, trace::Header{});
  const ImportCounts c = import_audit(log, "test.log", w, filter);
  if (counts != nullptr)
    *counts = c;
  trace::TraceReader r(out, "imported.jsonl");
  std::vector<trace::NotificationRecord> records;
  trace::TraceItem item;
  while (r.next(item))
    records.push_back(item.notification);
  return records;
}

BOOST_AUTO_TEST_CASE(the_tutorials_audit_lines_become_a_trace) {
  std::ifstream log(kSeedLog);
  BOOST_REQUIRE(log.is_open());
  ImportCounts counts;
  const auto records = imported(log, &counts);
  BOOST_TEST(counts.records == 8u);
  BOOST_REQUIRE(records.size() == 8u);
  const std::vector<std::string> names = {"getsockname", "setsockopt", "futex",    "accept4",
                                          "read",        "pselect6",   "pselect6", "futex"};
  for (size_t i = 0; i < records.size(); ++i) {
    BOOST_TEST(records[i].syscall == names[i]);
    BOOST_TEST(records[i].call.pid == 29064u);
    BOOST_TEST(records[i].arch == "x86_64");
    BOOST_TEST(records[i].seq == i + 1);
  }
  BOOST_TEST(records[0].call.nr == 51);
  BOOST_TEST(records[0].time == "2020-07-06T20:37:40.484000Z");
  BOOST_TEST(records[7].time == "2020-07-06T20:38:40.488000Z");
  BOOST_TEST((records[0].caller.state == trace::CallerRecord::State::Missing));
}

struct LineCase {
  std::string name;
  std::string line;
  std::string syscall;
  std::string arch;
  uint32_t pid;
  std::string comm;
};

std::ostream& operator<<(std::ostream& os, const LineCase& c) {
  return os << c.name;
}

const LineCase kLineCases[] = {
    {"dmesg",
     "[369128.669452] audit: type=1326 audit(1594067860.484:14536): auid=4294967295 uid=0 "
     "gid=0 ses=4294967295 pid=29064 comm=\"http echo\" exe=\"/bin/sh\" sig=0 "
     "arch=c000003e syscall=51 compat=0 ip=0x46fe1f code=0x7ffc0000",
     "getsockname", "x86_64", 29064, "http echo"},
    {"audit.log",
     "type=SECCOMP msg=audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 "
     "ses=4294967295 subj=unconfined pid=100 comm=\"sh\" exe=\"/bin/sh\" sig=0 "
     "arch=40000003 syscall=15 compat=1 ip=0xf7f1 code=0x50000",
     "chmod", "x86", 100, "sh"},
    {"ausearch -i",
     "type=SECCOMP msg=audit(07/06/2020 15:37:40.484:14536) : auid=unset uid=root "
     "gid=root ses=unset pid=7 comm=sh exe=/bin/sh sig=SIGSYS arch=x86_64 "
     "syscall=mkdir compat=0 ip=0x7f code=kill",
     "mkdir", "x86_64", 7, "sh"},
};

BOOST_DATA_TEST_CASE(every_audit_line_form, bdata::make(kLineCases), c) {
  const auto r = parse_audit_line(c.line);
  BOOST_REQUIRE(r.has_value());
  const trace::NotificationRecord& n = r->notification;
  BOOST_TEST(n.syscall == c.syscall);
  BOOST_TEST(n.arch == c.arch);
  BOOST_TEST(n.call.pid == c.pid);
  BOOST_TEST(r->comm.value_or("") == c.comm);
  BOOST_TEST(r->exe.value_or("") == "/bin/sh");
}

// Found by fuzz_audit: a stamp of 10^10 seconds or more overflowed (UB)
// when it was turned into a time; a stamp no kernel writes now gives none.
BOOST_AUTO_TEST_CASE(a_stamp_out_of_range_gives_no_time) {
  for (const char* stamp : {"15940679204.880", "1594067369128.669", "-5.000", "1594067860.4840"}) {
    const auto n = parse_audit_line(std::string("type=SECCOMP msg=audit(") + stamp +
                                    ":1): pid=1 arch=c000003e syscall=0 code=0x7ffc0000");
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(n->notification.time.empty(), stamp);
  }
}

BOOST_AUTO_TEST_CASE(other_lines_are_skipped) {
  std::stringstream log(
      "Jul  6 15:37:40 host kernel: eth0: link up\n"
      "type=SYSCALL msg=audit(1594067860.484:14535): arch=c000003e syscall=59\n"
      "\n"
      "type=SECCOMP msg=audit(1594067860.484:14536): pid=1 arch=c000003e syscall=0 "
      "code=0x7ffc0000\n");
  ImportCounts counts;
  const auto records = imported(log, &counts);
  BOOST_TEST(counts.records == 1u);
  BOOST_TEST(counts.skipped == 3u);
  BOOST_TEST(records.at(0).syscall == "read");
}

struct BadLine {
  std::string line;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const BadLine& c) {
  return os << c.message;
}

const BadLine kBadLines[] = {
    {"type=1326 audit(1.0:1): pid=1 arch=c000003e code=0", "without \"syscall=\""},
    {"type=1326 audit(1.0:1): arch=c000003e syscall=1", "without \"pid=\""},
    {"type=1326 audit(1.0:1): pid=x arch=c000003e syscall=1", "pid \"x\" is not a number"},
    {"type=1326 audit(1.0:1): pid=1 arch=deadbeef syscall=1", "unknown architecture \"deadbeef\""},
    {"type=1326 audit(1.0:1): pid=1 arch=x86_64 syscall=mkdri", "unknown syscall \"mkdri\""},
    // Found by fuzz_audit: kept, it made a trace seccomp-sim could not read.
    {"type=1326 audit(1.0:1): pid=1 arch=c000003e syscall=-42",
     "syscall -42 is not a syscall number"},
    // Found by fuzz_audit: libseccomp read the name up to the NUL (ptrace),
    // and the whole of it went into a trace seccomp-sim refused.
    {std::string("type=1326 audit(1.0:1): pid=1 arch=c000003e syscall=ptrace\0\0 code=0", 67),
     "unknown syscall \"ptrace"},
};

BOOST_DATA_TEST_CASE(malformed_records_name_their_line, bdata::make(kBadLines), c) {
  std::stringstream log("junk line\n" + c.line + "\n");
  try {
    imported(log);
    BOOST_FAIL("accepted: " << c.line);
  } catch (const ImportError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.rfind("test.log:2: ", 0) == 0u, what);
    BOOST_TEST(what.find(c.message) != std::string::npos, what);
  }
}

// A kernel newer than libseccomp: the record is kept by number, with a
// warning naming its line, and the import goes on.
BOOST_AUTO_TEST_CASE(an_unknown_syscall_number_is_kept_with_a_warning) {
  std::stringstream log(
      "type=1326 audit(1.0:1): pid=1 arch=c000003e syscall=4000 code=0\n"
      "type=1326 audit(1.0:2): pid=1 arch=c000003e syscall=0 code=0\n");
  ImportCounts counts;
  const auto records = imported(log, &counts);
  BOOST_TEST_REQUIRE(records.size() == 2u);
  BOOST_TEST(records[0].call.nr == 4000);
  BOOST_TEST(records[0].syscall.empty());
  BOOST_TEST(records[1].syscall == "read");
  BOOST_TEST_REQUIRE(counts.warnings.size() == 1u);
  BOOST_TEST(counts.warnings[0] ==
             "test.log:1: no syscall has number 4000 on x86_64 (libseccomp does not know it); "
             "kept by number");
}

// Found by fuzz_audit: arch=4000003e is libseccomp's x32, whose syscall 38
// (no x32 bit) libseccomp named setitimer, x32's 0x40000026; the trace then
// said `setitimer, 38` and seccomp-sim refused to read it back. The number
// is unknown on x32, and kept as such (with the warning unknown numbers
// get); the trace reads back.
BOOST_AUTO_TEST_CASE(an_x32_number_without_the_x32_bit_is_unknown) {
  std::stringstream log("type=1326 audit(1.0:1): pid=1 arch=4000003e syscall=38 code=0\n");
  ImportCounts counts;
  const auto records = imported(log, &counts);
  BOOST_TEST_REQUIRE(records.size() == 1u);
  BOOST_TEST(records[0].arch == "x32");
  BOOST_TEST(records[0].call.nr == 38);
  BOOST_TEST(records[0].syscall.empty());
  BOOST_TEST(counts.warnings.size() == 1u);  // read back by imported(): it used to throw
}

struct FilterCase {
  const char* name;
  AuditFilter filter;
  std::vector<uint32_t> pids;  // of the records kept, in order
};
std::ostream& operator<<(std::ostream& os, const FilterCase& c) {
  return os << c.name;
}

const FilterCase kFilters[] = {
    {"none", {}, {1, 2, 3, 4}},
    {"comm", {{"sh"}, {}, {}}, {1, 3}},
    {"two comms", {{"sh", "http echo"}, {}, {}}, {1, 2, 3}},
    {"pid", {{}, {3, 4}, {}}, {3, 4}},
    {"exe", {{}, {}, {"/bin/sh"}}, {1}},
    {"comm and pid", {{"sh"}, {3}, {}}, {3}},
    {"no record matches", {{"nginx"}, {}, {}}, {}},
};

// Record 4 has neither comm nor exe: a filter on them leaves it out.
BOOST_DATA_TEST_CASE(records_are_filtered_by_comm_pid_and_exe, bdata::make(kFilters), c) {
  std::stringstream log(
      "type=1326 audit(1.0:1): pid=1 comm=\"sh\" exe=\"/bin/sh\" arch=c000003e syscall=0\n"
      "type=1326 audit(1.0:2): pid=2 comm=\"http echo\" exe=\"/http-echo\" arch=c000003e "
      "syscall=0\n"
      "type=1326 audit(1.0:3): pid=3 comm=\"sh\" exe=\"/usr/bin/sh\" arch=c000003e syscall=0\n"
      "type=1326 audit(1.0:4): pid=4 arch=c000003e syscall=0\n");
  ImportCounts counts;
  const auto records = imported(log, &counts, c.filter);
  std::vector<uint32_t> pids;
  for (const auto& r : records)
    pids.push_back(r.call.pid);
  BOOST_TEST(pids == c.pids, boost::test_tools::per_element());
  BOOST_TEST(counts.records == c.pids.size());
  BOOST_TEST(counts.filtered == 4u - c.pids.size());
}

BOOST_AUTO_TEST_CASE(the_profile_allows_exactly_the_traced_syscalls) {
  std::ifstream log(kSeedLog);
  std::stringstream trace_text;
  {
    trace::TraceWriter w(trace_text, trace::Header{});
    import_audit(log, "seed", w);
  }
  ProfileBuilder b;
  trace::TraceReader r(trace_text, "seed.jsonl");
  b.add(r);
  const auto p = b.profile();
  BOOST_TEST(p["defaultAction"] == "SCMP_ACT_ERRNO");
  BOOST_TEST(p["architectures"] == nlohmann::ordered_json::array({"SCMP_ARCH_X86_64"}));
  BOOST_REQUIRE(p["syscalls"].size() == 1u);
  BOOST_TEST(p["syscalls"][0]["action"] == "SCMP_ACT_ALLOW");
  const nlohmann::ordered_json names = {"accept4",  "futex", "getsockname",
                                        "pselect6", "read",  "setsockopt"};
  BOOST_TEST(p["syscalls"][0]["names"] == names);

  // A second trace adds its syscalls and architectures, in libseccomp's order.
  std::stringstream more(R"({"type":"header","format":"seccomp-agent/trace","version":1})"
                         "\n"
                         R"({"type":"notification","syscall":"chmod","arch":"x86"})"
                         "\n"
                         R"({"type":"notification","syscall":"read"})"
                         "\n");
  trace::TraceReader r2(more, "more.jsonl");
  b.add(r2);
  const auto q = b.profile();
  BOOST_TEST(q["architectures"] ==
             nlohmann::ordered_json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
  BOOST_TEST(q["syscalls"][0]["names"].size() == 7u);
  BOOST_TEST(q["syscalls"][0]["names"][1] == "chmod");
}

BOOST_AUTO_TEST_CASE(an_empty_trace_allows_nothing) {
  ProfileBuilder b;
  const auto p = b.profile();
  BOOST_TEST(p["syscalls"].empty());
  BOOST_TEST(p["architectures"].empty());
}

}  // namespace
}  // namespace sa::sim
