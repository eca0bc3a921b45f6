// Integer-only decisions allocate nothing: the heap is not touched between
// the notification and the decision (counted by replacing operator new in
// this test executable, see alloc_count.cpp).
#define BOOST_TEST_MODULE engine_alloc
#include <linux/capability.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "alloc_count.hpp"
#include "fixtures.hpp"

namespace sa::engine {
namespace {

using namespace testing;
using table::Op;

BOOST_AUTO_TEST_CASE(register_rules_defaults_and_passthrough_do_not_allocate) {
  const auto mode = arg_field("chmod", "mode");
  const auto sig = arg_field("kill", "sig");
  table::Action log_stop = errno_action(ENOSYS);
  log_stop.log = true;
  log_stop.stop_after = table::Duration{5000, ""};
  table::Action slow;
  slow.delay = table::Duration{2000, ""};
  table::Table t = make_table(
      {policy("p",
              {{"chmod",
                {row("p#1", {compare(mode, Op::Eq, std::vector<uint64_t>{0777})},
                     errno_action(EPERM))}},
               {"kill",
                {row("p#2", {compare(sig, Op::In, std::vector<uint64_t>{9, 19})}, log_stop),
                 row("p#3", {has_cap(CAP_KILL)}, slow, true)}}},
              errno_action(EACCES))},
      {"getpid"});
  const Engine e(std::move(t));
  const table::Policy* p = &e.table().policies[0];
  const model::ContainerInfo c = container("policy=p");
  CountingFacts facts;
  facts.caller_is(model::CallerFacts{0, 0, uint64_t{1} << CAP_KILL, "", true, std::nullopt});
  const model::Notification calls[] = {
      notification("chmod", {1, 0777}), notification("chmod", {1, 0700}),
      notification("kill", {5, 9}),     notification("kill", {5, 1}),
      notification("getpid"),           notification("mkdir")};
  long decided = 0;
  const long before = allocations();
  for (int round = 0; round < 1000; ++round) {
    for (const model::Notification& n : calls) {
      const Decision d = e.evaluate(p, c, n, facts);
      decided += static_cast<long>(d.response()) + 1;
    }
  }
  const long after = allocations();
  BOOST_TEST(decided > 0);
  BOOST_TEST(after - before == 0);
}

BOOST_AUTO_TEST_CASE(the_counter_sees_allocations) {
  // Guards the test above against a counter that never counts.
  const long before = allocations();
  auto* p = new std::vector<int>(100);
  delete p;
  BOOST_TEST(allocations() - before >= 2);
}

}  // namespace
}  // namespace sa::engine
