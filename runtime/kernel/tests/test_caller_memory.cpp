#define BOOST_TEST_MODULE caller_memory
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>
#include <thread>

#include "kernel/caller_memory.hpp"
#include "support/child.hpp"
#include "support/printing.hpp"

using namespace sa::kernel;
using namespace sa::kernel::testing;
using Status = sa::model::StringRead::Status;

namespace {

const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));

// Two fresh pages in the child; `unmap_second` leaves only the first.
char* two_pages(bool unmap_second) {
  void* p = ::mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error("mmap");
  }
  char* base = static_cast<char*>(p);
  std::memset(base, 'x', 2 * kPage);
  if (unmap_second) {
    ::munmap(base + kPage, kPage);
  }
  return base;
}

// Runs a child that places `text` (with its NUL) `offset` bytes into two
// pages and passes it to mkdir; `layout` may instead return any pointer.
// The test reads the string with `limit`, fails the mkdir, returns the read.
sa::model::StringRead read_from_child(const std::function<const char*()>& layout, size_t limit,
                                      Overflow overflow = Overflow::Fail) {
  auto [child, notify] = spawn_notified({"mkdir"}, [&](const Channel& channel) {
    channel.put(call_result(::syscall(SYS_mkdir, layout(), 0)));
    return 0;
  });
  const Received r = notify.receive();
  BOOST_TEST_REQUIRE(r.outcome == RecvOutcome::Received);
  const StringRequest request{r.notification.args[0], limit, overflow};
  CallerStrings strings = read_caller_strings(notify, r.notification, {&request, 1});
  BOOST_TEST_REQUIRE(strings.outcome == ReadOutcome::Read);
  notify.respond(r.notification.id, Response::fail(EPERM));
  BOOST_TEST(child.channel().get<CallResult>() == (CallResult{-1, EPERM}));
  BOOST_TEST(child.wait() == 0);
  return std::move(strings.values.at(0));
}

std::function<const char*()> placed(std::string text, size_t offset, bool unmap_second) {
  return [text, offset, unmap_second] {
    char* base = two_pages(unmap_second);
    std::memcpy(base + offset, text.c_str(), text.size() + 1);
    return base + offset;
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_short_path) {
  const sa::model::StringRead s = read_from_child(placed("/data/x", 100, false), kPathLimit);
  BOOST_TEST(s.status == Status::Ok);
  BOOST_TEST(s.value == "/data/x");
}

BOOST_AUTO_TEST_CASE(an_empty_string_is_not_null) {
  const sa::model::StringRead s = read_from_child(placed("", 0, false), kPathLimit);
  BOOST_TEST(s.status == Status::Ok);
  BOOST_TEST(s.value.empty());
}

BOOST_AUTO_TEST_CASE(the_longest_path_fits_and_one_more_byte_does_not) {
  const std::string longest(kPathLimit - 1, 'a');
  const sa::model::StringRead fits = read_from_child(placed(longest, 7, false), kPathLimit);
  BOOST_TEST(fits.status == Status::Ok);
  BOOST_TEST(fits.value == longest);

  const sa::model::StringRead over = read_from_child(placed(longest + "b", 7, false), kPathLimit);
  BOOST_TEST(over.status == Status::Failed);
  BOOST_TEST(over.error == ENAMETOOLONG);
}

BOOST_AUTO_TEST_CASE(a_string_across_a_page_boundary) {
  const std::string text = "/across/" + std::string(40, 'p');
  const sa::model::StringRead s = read_from_child(placed(text, kPage - 10, false), kPathLimit);
  BOOST_TEST(s.status == Status::Ok);
  BOOST_TEST(s.value == text);
}

BOOST_AUTO_TEST_CASE(a_string_ending_just_before_an_unmapped_page) {
  const std::string text = "/edge/" + std::string(100, 'e');
  const sa::model::StringRead s =
      read_from_child(placed(text, kPage - text.size() - 1, true), kPathLimit);
  BOOST_TEST(s.status == Status::Ok);
  BOOST_TEST(s.value == text);
}

BOOST_AUTO_TEST_CASE(a_string_running_into_an_unmapped_page) {
  const sa::model::StringRead s = read_from_child(placed("", kPage - 1, true), kPathLimit);
  BOOST_TEST(s.status == Status::Ok);  // the NUL is the page's last byte
  const sa::model::StringRead cut = read_from_child(
      [] {
        char* base = two_pages(true);
        return base + kPage - 5;  // "xxxxx" then unmapped memory
      },
      kPathLimit);
  BOOST_TEST(cut.status == Status::Failed);
  BOOST_TEST(cut.error == EFAULT);
}

BOOST_AUTO_TEST_CASE(an_unmapped_pointer) {
  const sa::model::StringRead s = read_from_child(
      [] {
        char* base = two_pages(false);
        ::munmap(base, 2 * kPage);
        return base + 3;
      },
      kPathLimit);
  BOOST_TEST(s.status == Status::Failed);
  BOOST_TEST(s.error == EFAULT);
}

BOOST_AUTO_TEST_CASE(memory_the_caller_cannot_read_fails_as_in_the_kernel) {
  // The kernel's own copy of a path from a PROT_NONE page fails with EFAULT;
  // so must the agent's (a /proc/PID/mem read would see through it).
  const sa::model::StringRead s = read_from_child(
      [] {
        char* base = two_pages(false);
        std::memcpy(base, "/hidden", 8);
        ::mprotect(base, kPage, PROT_NONE);
        return static_cast<const char*>(base);
      },
      kPathLimit);
  BOOST_TEST(s.status == Status::Failed);
  BOOST_TEST(s.error == EFAULT);
}

BOOST_AUTO_TEST_CASE(a_null_pointer) {
  const sa::model::StringRead s =
      read_from_child([] { return static_cast<const char*>(nullptr); }, kPathLimit);
  BOOST_TEST(s.status == Status::Null);
}

BOOST_AUTO_TEST_CASE(mount_data_is_cut_at_a_page_as_the_kernel_does) {
  BOOST_TEST(mount_data_limit() == kPage);
  const std::string data(2 * kPage - 200, 'd');
  const sa::model::StringRead s =
      read_from_child(placed(data, 100, false), mount_data_limit(), Overflow::Truncate);
  BOOST_TEST(s.status == Status::Ok);
  BOOST_TEST(s.value == std::string(kPage - 1, 'd'));
}

BOOST_AUTO_TEST_CASE(the_copy_does_not_follow_later_rewrites) {
  // The caller rewrites its buffer after the agent has read it (as a racing
  // thread could): the agent's copy stays what was read.
  auto [child, notify] = spawn_notified({"mkdir"}, [](const Channel& channel) {
    static char buffer[] = "/original";
    std::thread rewriter([&] {
      channel.get<int>();
      std::memcpy(buffer, "/replaced", sizeof buffer);
      channel.put(1);
    });
    channel.put(call_result(::syscall(SYS_mkdir, buffer, 0)));
    rewriter.join();
    return 0;
  });
  const Received r = notify.receive();
  const StringRequest request{r.notification.args[0], kPathLimit};
  const CallerStrings first = read_caller_strings(notify, r.notification, {&request, 1});
  child.channel().put(0);
  BOOST_TEST(child.channel().get<int>() == 1);
  const CallerStrings second = read_caller_strings(notify, r.notification, {&request, 1});
  BOOST_TEST(first.values.at(0).value == "/original");
  BOOST_TEST(second.values.at(0).value == "/replaced");
  notify.respond(r.notification.id, Response::fail(EPERM));
  BOOST_TEST(child.channel().get<CallResult>().err == EPERM);
  BOOST_TEST(child.wait() == 0);
}

BOOST_AUTO_TEST_CASE(a_dead_caller_is_reported_gone) {
  auto [child, notify] = spawn_notified({"mkdir"}, [](const Channel& channel) {
    channel.put(call_result(::syscall(SYS_mkdir, "/x", 0)));
    return 0;
  });
  const Received r = notify.receive();
  child.kill_and_wait();
  const StringRequest request{r.notification.args[0], kPathLimit};
  const CallerStrings strings = read_caller_strings(notify, r.notification, {&request, 1});
  BOOST_TEST(strings.outcome == ReadOutcome::TargetGone);
  BOOST_TEST(strings.values.empty());
  const sa::model::StringRead direct =
      CallerMemory(r.notification).read_string(r.notification.args[0], kPathLimit, Overflow::Fail);
  BOOST_TEST(direct.status == Status::Failed);
  BOOST_TEST(direct.error == ESRCH);
}

BOOST_AUTO_TEST_CASE(no_fd_is_leaked) {
  const size_t before = count_open_fds();
  (void)read_from_child(placed("/leak", 0, false), kPathLimit);
  BOOST_TEST(count_open_fds() == before);
}
