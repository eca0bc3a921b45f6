#include "agent/falco_publisher.hpp"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "falco/seccomp_agent_falco.grpc.pb.h"

namespace sa::agent {
namespace {

// A plugin started after the agent (or restarted) is reached within about
// this long: gRPC's default backoff grows to 2 minutes between attempts to
// connect, each of which would fail every call meanwhile.
constexpr int kMaxReconnectBackoffMs = 1000;

seccompagentfalco::PublishEventRequest request_of(const FalcoEvent& e) {
  seccompagentfalco::PublishEventRequest r;
  r.set_id(e.id);
  r.set_pid(e.pid);
  r.set_syscall(e.syscall);
  seccompagentfalco::KubernetesWorkload& k8s = *r.mutable_k8s();
  k8s.set_namespace_(e.pod_namespace);
  k8s.set_pod(e.pod_name);
  k8s.set_container(e.container_name);
  k8s.set_pid(e.init_pid);
  k8s.set_pid_filter(e.filter_pid);
  return r;
}

}  // namespace

class FalcoPublisher::Worker {
 public:
  Worker(std::string socket, Telemetry& telemetry, size_t capacity,
         std::chrono::milliseconds deadline)
      : socket_(std::move(socket)),
        telemetry_(telemetry),
        capacity_(capacity),
        deadline_(deadline),
        thread_([this] { run(); }) {}

  ~Worker() { stop(); }

  void publish(FalcoEvent e) {
    bool stopping = false;
    {
      const std::lock_guard lock(mutex_);
      stopping = stopping_;
      if (!stopping && queue_.size() < capacity_) {
        queue_.push_back(std::move(e));
        wake_.notify_one();
        return;
      }
    }
    telemetry_.falco_dropped(1, stopping ? "the agent is stopping" : "the queue is full");
  }

  void stop() {
    size_t dropped = 0;
    {
      const std::lock_guard lock(mutex_);
      if (stopping_)
        return;
      stopping_ = true;
      dropped = queue_.size();
      queue_.clear();
      // A sync call ends at once when its context is cancelled, whatever
      // its deadline; cancelled before it began, it never begins.
      if (in_flight_ != nullptr)
        in_flight_->TryCancel();
      wake_.notify_one();
    }
    thread_.join();
    if (dropped > 0)
      telemetry_.falco_dropped(dropped, "the agent is stopping");
  }

 private:
  void run() {
    for (;;) {
      std::optional<FalcoEvent> event;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_)
          return;
        event = std::move(queue_.front());
        queue_.pop_front();
      }
      // Made only now: a ClientContext starts gRPC (its threads and fds),
      // which an agent that publishes nothing must not run. The deadline
      // counts from the call, as Kinvolk's: not the time spent queued.
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + deadline_);
      {
        const std::lock_guard lock(mutex_);
        if (stopping_)
          break;
        in_flight_ = &context;
      }
      const grpc::Status status = call(context, *event);
      {
        const std::lock_guard lock(mutex_);
        in_flight_ = nullptr;
      }
      if (status.ok())
        telemetry_.falco_published();
      else
        telemetry_.falco_failed(socket_, event->id, event->syscall, status.error_message());
    }
    telemetry_.falco_dropped(1, "the agent is stopping");  // the event taken as it stopped
  }

  grpc::Status call(grpc::ClientContext& context, const FalcoEvent& e) {
    if (!stub_) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
      stub_ = seccompagentfalco::SeccompAgentFalco::NewStub(
          grpc::CreateCustomChannel("unix:" + socket_, grpc::InsecureChannelCredentials(), args));
    }
    seccompagentfalco::PublishEventResponse response;
    return stub_->PublishEvent(&context, request_of(e), &response);
  }

  const std::string socket_;
  Telemetry& telemetry_;
  const size_t capacity_;
  const std::chrono::milliseconds deadline_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<FalcoEvent> queue_;
  bool stopping_ = false;
  grpc::ClientContext* in_flight_ = nullptr;  // the publisher thread's, during a call
  std::unique_ptr<seccompagentfalco::SeccompAgentFalco::Stub> stub_;  // the thread's
  std::thread thread_;  // last: started once everything above is made
};

FalcoPublisher::FalcoPublisher(std::string socket, Telemetry& telemetry, size_t capacity,
                               std::chrono::milliseconds deadline)
    : worker_(std::make_unique<Worker>(std::move(socket), telemetry, capacity, deadline)) {}

FalcoPublisher::~FalcoPublisher() = default;

void FalcoPublisher::publish(FalcoEvent event) {
  worker_->publish(std::move(event));
}

void FalcoPublisher::stop() {
  worker_->stop();
}

}  // namespace sa::agent
