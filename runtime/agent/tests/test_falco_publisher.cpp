// The Falco publisher against a real gRPC server of Kinvolk's API on a unix
// socket, in this process: what the plugin receives, what a failure and a
// full queue count, and that stopping does not wait for a call in progress.
#define BOOST_TEST_MODULE falco_publisher
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/falco_publisher.hpp"
#include "agent/metrics.hpp"
#include "agent/telemetry.hpp"
#include "falco/seccomp_agent_falco.grpc.pb.h"

using namespace sa::agent;
namespace pb = seccompagentfalco;

namespace {

// A safety net for a test that fails by hanging, not a measured time.
constexpr std::chrono::seconds kPatience{30};

// Kinvolk's plugin as far as the test needs it: records every event; with
// `hold`, keeps each call until release().
class Plugin final : public pb::SeccompAgentFalco::Service {
 public:
  explicit Plugin(bool hold = false) : hold_(hold) {}

  grpc::Status PublishEvent(grpc::ServerContext*, const pb::PublishEventRequest* request,
                            pb::PublishEventResponse*) override {
    std::unique_lock lock(mutex_);
    events_.push_back(*request);
    changed_.notify_all();
    if (hold_)
      changed_.wait(lock, [&] { return released_; });
    ++finished_;
    return grpc::Status::OK;
  }

  // Waits until `n` calls have arrived; false when they never did.
  bool wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return events_.size() >= n; });
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  std::vector<pb::PublishEventRequest> events() {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  size_t finished() {
    const std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  const bool hold_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<pb::PublishEventRequest> events_;
  bool released_ = false;
  size_t finished_ = 0;
};

std::string socket_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("sa-falco-" + std::to_string(::getpid()) + "-" + name + ".sock"))
      .string();
}

struct Server {
  Server(const std::string& path, Plugin& plugin) {
    std::filesystem::remove(path);
    grpc::ServerBuilder b;
    b.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
    b.RegisterService(&plugin);
    server = b.BuildAndStart();
    BOOST_REQUIRE(server != nullptr);
  }
  ~Server() { server->Shutdown(std::chrono::system_clock::now()); }
  std::unique_ptr<grpc::Server> server;
};

FalcoEvent event(uint64_t id) {
  return FalcoEvent{id, 4242, "mkdir", "default", "mynotifypod", "container1", 4000, 4001};
}

int64_t counted(const Metrics& m, const std::string& result) {
  return m.value("seccomp_agent_falco_events_total", {result});
}

// Waits until the publisher has counted `n` events with `result` (the
// plugin's side ends a call before the publisher sees its answer).
void until_counted(const Metrics& m, const std::string& result, int64_t n) {
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (counted(m, result) < n && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// A plugin that holds every call and a publisher whose deadline never
// comes within a test, the first event already in the plugin's hands.
struct OneCallHeld {
  OneCallHeld(const std::string& name, size_t capacity)
      : path(socket_path(name)),
        plugin(/*hold=*/true),
        server(path, plugin),
        telemetry(metrics),
        publisher(path, telemetry, capacity, std::chrono::minutes(5)) {
    publisher.publish(event(1));
    BOOST_REQUIRE(plugin.wait_for(1));  // taken off the queue, held by the plugin
  }
  ~OneCallHeld() { plugin.release(); }

  const std::string path;
  Plugin plugin;
  Server server;
  Metrics metrics;
  Telemetry telemetry;
  FalcoPublisher publisher;
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_event_reaches_the_plugin_with_kinvolks_fields) {
  const std::string path = socket_path("fields");
  Plugin plugin;
  Server server(path, plugin);
  Metrics metrics;
  Telemetry telemetry(metrics);
  FalcoPublisher publisher(path, telemetry);
  publisher.publish(event(7));
  publisher.publish(event(8));
  until_counted(metrics, "published", 2);
  publisher.stop();
  const auto events = plugin.events();
  BOOST_REQUIRE(events.size() == 2);
  const pb::PublishEventRequest& e = events[0];
  BOOST_TEST(e.id() == 7u);
  BOOST_TEST(events[1].id() == 8u);
  BOOST_TEST(e.pid() == 4242u);
  BOOST_TEST(e.syscall() == "mkdir");
  BOOST_TEST(e.k8s().namespace_() == "default");
  BOOST_TEST(e.k8s().pod() == "mynotifypod");
  BOOST_TEST(e.k8s().container() == "container1");
  BOOST_TEST(e.k8s().pid() == 4000u);
  BOOST_TEST(e.k8s().pid_filter() == 4001u);
  BOOST_TEST(counted(metrics, "published") == 2);
  BOOST_TEST(counted(metrics, "failed") == 0);
  BOOST_TEST(counted(metrics, "dropped") == 0);
}

// No plugin listening: every call fails, each counted; publish() returns
// all the same, and stop() ends the thread.
BOOST_AUTO_TEST_CASE(without_a_plugin_every_event_fails_and_is_counted) {
  const std::string path = socket_path("absent");
  std::filesystem::remove(path);
  Metrics metrics;
  Telemetry telemetry(metrics);
  FalcoPublisher publisher(path, telemetry);
  for (uint64_t id = 1; id <= 3; ++id)
    publisher.publish(event(id));
  until_counted(metrics, "failed", 3);
  publisher.stop();
  BOOST_TEST(counted(metrics, "failed") == 3);
  BOOST_TEST(counted(metrics, "published") == 0);
  BOOST_TEST(metrics.value("seccomp_agent_log_lines_suppressed_total", {"falco publish failed"}) ==
             0);
}

// The thread is inside a call the plugin holds: the queue fills and the
// events past its capacity are dropped, counted, without waiting.
BOOST_AUTO_TEST_CASE(a_full_queue_drops_and_counts) {
  constexpr size_t kCapacity = 4;
  OneCallHeld held("full", kCapacity);
  for (uint64_t id = 2; id < 2 + kCapacity + 3; ++id)
    held.publisher.publish(event(id));
  BOOST_TEST(counted(held.metrics, "dropped") == 3);
  held.plugin.release();
  until_counted(held.metrics, "published", 1 + kCapacity);
  held.publisher.stop();
  BOOST_TEST(counted(held.metrics, "published") == static_cast<int64_t>(1 + kCapacity));
  const auto events = held.plugin.events();
  BOOST_REQUIRE(events.size() == 1 + kCapacity);
  for (size_t i = 0; i < events.size(); ++i)
    BOOST_TEST(events[i].id() == i + 1);  // in order, the first ones kept
}

// stop() cancels the call in progress: it returns while the plugin still
// holds that call, with a deadline far away; what was queued is dropped.
BOOST_AUTO_TEST_CASE(stop_does_not_wait_for_the_call_in_progress) {
  OneCallHeld held("stop", FalcoPublisher::kQueueCapacity);
  held.publisher.publish(event(2));
  held.publisher.stop();
  BOOST_TEST(held.plugin.finished() == 0u);  // never released: the plugin still holds it
  BOOST_TEST(counted(held.metrics, "failed") == 1);
  BOOST_TEST(counted(held.metrics, "dropped") == 1);
  held.publisher.publish(event(3));  // after stop: dropped at once
  BOOST_TEST(counted(held.metrics, "dropped") == 2);
}
