#define BOOST_TEST_MODULE proc_status
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

#include "kernel/proc_status.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa::kernel;

namespace {

// An excerpt of a real /proc/PID/status (Linux 6.x), uid 1000 setuid to 0.
const std::string kStatus =
    "Name:\tsh\n"
    "Umask:\t0027\n"
    "State:\tS (sleeping)\n"
    "Tgid:\t4242\n"
    "Pid:\t4242\n"
    "Uid:\t1000\t0\t0\t7\n"
    "Gid:\t1000\t100\t100\t8\n"
    "Groups:\t100 \n"
    "NStgid:\t4242\t12\n"
    "NSpid:\t4243\t13\n"
    "CapInh:\t0000000000000000\n"
    "CapPrm:\t000001ffffffffff\n"
    "CapEff:\t000001ffffffffff\n"
    "CapBnd:\t000001ffffffffff\n"
    "Seccomp:\t2\n";

std::string without(const std::string& key) {
  std::string text = kStatus;
  const size_t at = text.find(key + ":");
  text.erase(at, text.find('\n', at) - at + 1);
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(effective_ids_caps_and_umask) {
  const StatusFields f = parse_status(kStatus);
  BOOST_TEST(f.euid == 0u);
  BOOST_TEST(f.egid == 100u);
  BOOST_TEST(f.cap_effective == 0x1ffffffffffULL);
  BOOST_TEST(f.umask == 027u);
  BOOST_TEST(f.groups == std::vector<gid_t>{100});
  BOOST_TEST(f.fsuid == 7u);
  BOOST_TEST(f.fsgid == 8u);
  BOOST_TEST(f.ns_tgid == (std::vector<int32_t>{4242, 12}));
  BOOST_TEST(f.ns_pid == (std::vector<int32_t>{4243, 13}));
}

BOOST_AUTO_TEST_CASE(an_id_line_needs_four_ids) {
  std::string text = kStatus;
  text.replace(text.find("Uid:\t1000\t0\t0\t7"), 17, "Uid:\t1000\t0\t0");
  BOOST_CHECK_THROW(parse_status(text), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(nstgid_and_nspid_have_one_id_per_level) {
  std::string text = kStatus;
  text.replace(text.find("NSpid:\t4243\t13"), 15, "NSpid:\t4243");
  BOOST_CHECK_THROW(parse_status(text), std::runtime_error);
}

// /proc/PID/stat: the command may hold ") " and spaces; field 22 is the
// start time.
BOOST_DATA_TEST_CASE(start_time_follows_the_command, bdata::make({"sh", "a) b (c", ")", " "}),
                     command) {
  const std::string text = std::string("42 (") + command +
                           ") S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 "
                           "1000 200 18446744073709551615\n";
  BOOST_TEST(stat_start_time(text).value_or(0) == 987654u);
}

BOOST_DATA_TEST_CASE(a_short_or_garbled_stat_has_no_start_time,
                     bdata::make({"42 sh S 1", "42 (sh) S 1 2 3",
                                  "42 (sh) S 1 42 42 0 -1 4194560 "
                                  "100 0 0 0 0 0 0 0 20 0 1 0 x 1\n"}),
                     text) {
  BOOST_TEST(!stat_start_time(text).has_value());
}

BOOST_AUTO_TEST_CASE(no_supplementary_groups) {
  std::string text = kStatus;
  text.replace(text.find("Groups:\t100 "), 12, "Groups:\t");
  BOOST_TEST(parse_status(text).groups.empty());
}

BOOST_AUTO_TEST_CASE(keys_match_whole_names_only) {
  // "CapEff" must not be taken from a line that merely starts with it.
  std::string text = "CapEffX:\t0000000000000001\n" + kStatus;
  BOOST_TEST(parse_status(text).cap_effective == 0x1ffffffffffULL);
}

BOOST_DATA_TEST_CASE(a_missing_line_is_an_error,
                     bdata::make({"Uid", "Gid", "CapEff", "Umask", "Groups", "NStgid", "NSpid"}),
                     key) {
  try {
    parse_status(without(key));
    BOOST_FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) ==
               std::string("malformed /proc/PID/status: no ") + key + " line");
  }
}

BOOST_AUTO_TEST_CASE(a_garbled_line_is_an_error) {
  std::string text = kStatus;
  text.replace(text.find("CapEff:\t0"), 9, "CapEff:\tz");
  BOOST_CHECK_THROW(parse_status(text), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(id_maps) {
  const auto map =
      parse_id_map("         0     100000      65536\n     65536          0          1\n");
  BOOST_TEST_REQUIRE(map.size() == 2u);
  BOOST_TEST(map_into_namespace(100000, map).value() == 0u);
  BOOST_TEST(map_into_namespace(101000, map).value() == 1000u);
  BOOST_TEST(map_into_namespace(165535, map).value() == 65535u);
  BOOST_TEST(map_into_namespace(0, map).value() == 65536u);
  BOOST_TEST(!map_into_namespace(165536, map).has_value());
  BOOST_TEST(!map_into_namespace(99999, map).has_value());
}

BOOST_AUTO_TEST_CASE(the_identity_map_covers_every_id) {
  const auto map = parse_id_map("         0          0 4294967295\n");
  BOOST_TEST(map_into_namespace(0, map).value() == 0u);
  BOOST_TEST(map_into_namespace(4294967294u, map).value() == 4294967294u);
}

BOOST_AUTO_TEST_CASE(an_empty_map_maps_nothing) {
  BOOST_TEST(!map_into_namespace(0, parse_id_map("")).has_value());
}

BOOST_DATA_TEST_CASE(malformed_maps, bdata::make({"0 1\n", "a b c\n", "0 0 1 2\n", "-1 0 1\n"}),
                     text) {
  BOOST_CHECK_THROW(parse_id_map(text), std::runtime_error);
}
