#define BOOST_TEST_MODULE catalog
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "model/catalog/arch.hpp"
#include "model/catalog/constants.hpp"
#include "model/catalog/syscalls.hpp"

namespace bdata = boost::unit_test::data;
using namespace sa::catalog;

BOOST_AUTO_TEST_CASE(numbers_come_from_libseccomp) {
  const Arch x86_64 = *find_arch("x86_64");
  const Arch x86 = *find_arch("SCMP_ARCH_X86");
  BOOST_TEST(*syscall_number("mkdir", x86_64) == 83);
  BOOST_TEST(*syscall_number("mkdir", x86) == 39);
  BOOST_TEST(*syscall_number("getppid", x86_64) == 110);
  BOOST_TEST(!syscall_number("mkdri", x86_64).has_value());
  BOOST_TEST(syscall_name(x86_64, 165) == "mount");
}

BOOST_AUTO_TEST_CASE(x32_numbers_carry_the_x32_bit) {
  const Arch x32 = *find_arch("x32");
  BOOST_TEST((*syscall_number("mkdir", x32) & 0x40000000) != 0);
}

// libseccomp also names x32's numbers without the bit; they are not the
// kernel's, and a name that does not lead back to its number is no name
// (found by fuzz_audit: the trace said `setitimer, 38` and was refused).
BOOST_AUTO_TEST_CASE(a_name_leads_back_to_its_number) {
  const Arch x32 = *find_arch("x32");
  BOOST_TEST(syscall_name(x32, 0x40000026) == "setitimer");
  BOOST_TEST(syscall_name(x32, 38).empty());
  BOOST_TEST(syscall_name(*find_arch("x86_64"), 38) == "setitimer");
}

// libseccomp stops at a NUL; a name with one in it is no syscall's.
BOOST_AUTO_TEST_CASE(a_name_with_a_nul_is_no_syscall) {
  const Arch x86_64 = *find_arch("x86_64");
  BOOST_TEST((syscall_number(std::string_view("ptrace\0\0\0", 9), x86_64) == std::nullopt));
  BOOST_TEST((syscall_number("ptrace", x86_64) == std::optional<int>(101)));
}

BOOST_AUTO_TEST_CASE(syscalls_absent_on_an_arch_are_absent) {
  BOOST_TEST(!syscall_number("mkdir", *find_arch("aarch64")).has_value());
  BOOST_TEST(syscall_number("mkdirat", *find_arch("aarch64")).has_value());
  BOOST_TEST(syscall_exists_anywhere("umount"));
  BOOST_TEST(!syscall_exists_anywhere("frobnicate"));
}

BOOST_AUTO_TEST_CASE(arch_names) {
  BOOST_TEST(find_arch("amd64")->name == "x86_64");
  BOOST_TEST(find_arch("SCMP_ARCH_X32")->word_bits == 32u);
  BOOST_TEST(!find_arch("vax").has_value());
  BOOST_TEST(default_arches().front().name == "x86_64");
}

BOOST_AUTO_TEST_CASE(argument_lookup_by_name_and_alias) {
  BOOST_TEST(find_arg("mount", "fs")->index == 2);
  BOOST_TEST(find_arg("mount", "fstype")->index == 2);
  BOOST_TEST(find_arg("mkdirat", "path")->index == 1);
  BOOST_TEST(find_arg("execve", "path")->index == 0);
  BOOST_TEST(find_arg("anything", "arg3")->index == 3);
  BOOST_TEST(!find_arg("mkdir", "fs").has_value());
  BOOST_TEST(!find_arg("mkdir", "arg6").has_value());
}

BOOST_AUTO_TEST_CASE(widths_follow_the_kernel_types) {
  // umode_t is 16 bits: the kernel ignores everything above.
  BOOST_TEST(normalize_unsigned(0x10000 | 0755, ArgType::UShort, 64) == 0755u);
  // int is 32-bit and signed: AT_FDCWD arrives with garbage above bit 31.
  BOOST_TEST(normalize_signed(0xdeadbeefffffff9cULL, ArgType::Int, 64) == -100);
  BOOST_TEST(normalize_unsigned(0x1'0000'0001ULL, ArgType::ULong, 32) == 1u);
  BOOST_TEST(normalize_unsigned(0x1'0000'0001ULL, ArgType::ULong, 64) == 0x1'0000'0001ULL);
  BOOST_TEST(normalize_signed(0xffffffffULL, ArgType::Long, 32) == -1);
}

BOOST_DATA_TEST_CASE(errno_names_round_trip,
                     bdata::make({"EPERM", "ENOENT", "EBADMSG", "ENOSYS", "EACCES"}) ^
                         bdata::make({1, 2, 74, 38, 13}),
                     name, value) {
  BOOST_TEST(*errno_value(name) == value);
  BOOST_TEST(errno_name(value) == name);
}

BOOST_AUTO_TEST_CASE(capabilities_with_and_without_prefix) {
  BOOST_TEST(*capability_value("CAP_SYS_ADMIN") == 21);
  BOOST_TEST(*capability_value("SYS_ADMIN") == 21);
  BOOST_TEST(!capability_value("CAP_SYS_ADMN").has_value());
  BOOST_TEST(capability_name(21) == "CAP_SYS_ADMIN");
}

BOOST_AUTO_TEST_CASE(constants_and_suggestions) {
  BOOST_TEST(find_constant("MS_BIND")->value == 4096);
  BOOST_TEST(find_constant("AT_FDCWD")->value == -100);
  BOOST_TEST(*closest("CAP_SYS_ADMN", all_capability_names()) == "CAP_SYS_ADMIN");
  BOOST_TEST(*closest("EBADMSF", all_errno_names()) == "EBADMSG");
  BOOST_TEST(!closest("zzzzzzzz", all_errno_names()).has_value());
}
