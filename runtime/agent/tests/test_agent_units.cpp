#define BOOST_TEST_MODULE agent_units
#include <boost/test/unit_test.hpp>

#include "agent/forbidden_syscalls.hpp"
#include "agent/metrics.hpp"

using namespace sa::agent;

BOOST_AUTO_TEST_CASE(crio_report_counts_in_order_of_first_use) {
  ForbiddenSyscalls f;
  BOOST_TEST(f.empty());
  f.hit("chroot");
  f.hit("chroot");
  f.hit("swapoff");
  f.hit("swapoff");
  BOOST_TEST(f.report() == "Used forbidden syscalls: chroot (2x), swapoff (2x)");
  ForbiddenSyscalls g;
  g.hit("chroot");
  BOOST_TEST(g.report() == "Used forbidden syscalls: chroot (1x)");
}

BOOST_AUTO_TEST_CASE(metrics_render_in_the_text_exposition_format) {
  Metrics m;
  Family& total = m.counters("sa_total", "Things counted", {"syscall", "action"});
  const Counter mkdir = total.counter({"mkdir", "emulate"});
  mkdir.add();
  mkdir.add(2);
  total.counter({"a\"b", "x"}).add();
  m.gauges("sa_gauge", "").gauge({}).set(5);
  BOOST_TEST(m.value("sa_total", {"mkdir", "emulate"}) == 3);
  BOOST_TEST(m.render() ==
             "# TYPE sa_gauge gauge\n"
             "sa_gauge 5\n"
             "# HELP sa_total Things counted\n"
             "# TYPE sa_total counter\n"
             "sa_total{syscall=\"a\\\"b\",action=\"x\"} 1\n"
             "sa_total{syscall=\"mkdir\",action=\"emulate\"} 3\n");
}

BOOST_AUTO_TEST_CASE(a_handle_is_the_series_it_was_made_for) {
  Metrics m;
  Family& f = m.counters("sa_total", "", {"k"});
  const Counter a = f.counter({"x"});
  const Counter b = f.counter({"x"});
  a.add();
  b.add();
  BOOST_TEST(&f.series({"x"}) == &f.series({"x"}));
  BOOST_TEST(m.value("sa_total", {"x"}) == 2);
  BOOST_CHECK_THROW(f.counter({"x", "y"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(endpoints) {
  BOOST_TEST(parse_endpoint("127.0.0.1:9090").port() == 9090);
  BOOST_TEST(parse_endpoint("[::1]:80").address().is_v6());
  BOOST_CHECK_THROW(parse_endpoint("localhost:80"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_endpoint("127.0.0.1"), std::invalid_argument);
  BOOST_CHECK_THROW(parse_endpoint("127.0.0.1:99999"), std::invalid_argument);
}
