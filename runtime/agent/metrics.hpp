// Prometheus metrics: families of counters and gauges with fixed label
// names, rendered in the text exposition format and served over HTTP
// (Boost.Beast) on --metrics.
//
// A series is found (or made) once, by its label values, and then used
// through its handle: an increment is one atomic add, with no lock and no
// string work. Handles stay valid for the registry's life.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sa::agent {

class Counter {
 public:
  Counter() = default;
  explicit Counter(std::atomic<int64_t>* value) : value_(value) {}
  void add(uint64_t by = 1) const {
    value_->fetch_add(static_cast<int64_t>(by), std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t>* value_ = nullptr;
};

class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(std::atomic<int64_t>* value) : value_(value) {}
  void set(int64_t v) const { value_->store(v, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t>* value_ = nullptr;
};

class Metrics;

// One metric name with its type, help and label names.
class Family {
 public:
  // The series with these label values (in the order of the label names),
  // made at 0 on first use. Throws std::invalid_argument on a wrong count.
  Counter counter(const std::vector<std::string>& values);
  Gauge gauge(const std::vector<std::string>& values);
  // The value behind those handles, for a cache of handles of its own.
  std::atomic<int64_t>& series(const std::vector<std::string>& values);

 private:
  friend class Metrics;

  Metrics* owner_ = nullptr;
  std::string type_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::map<std::vector<std::string>, std::unique_ptr<std::atomic<int64_t>>> series_;
};

class Metrics {
 public:
  // Declares a family; its handle stays valid for the registry's life.
  Family& counters(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names = {});
  Family& gauges(const std::string& name, const std::string& help,
                 std::vector<std::string> label_names = {});

  // The value of one series, 0 when it does not exist (for tests).
  int64_t value(const std::string& name, const std::vector<std::string>& values) const;
  std::string render() const;  // text exposition format 0.0.4

 private:
  friend class Family;
  Family& declare(const std::string& name, const std::string& type, const std::string& help,
                  std::vector<std::string> label_names);

  mutable std::mutex mutex_;  // the maps, not the values
  std::map<std::string, Family> families_;
};

// Serves GET /metrics; anything else is 404. Runs on the agent's reactor.
// At most kMaxSessions connections at once (each has 10 s to finish): a
// peer holding connections gets the next ones closed at once, so it cannot
// take the fds the runtimes' connections need. An accept that fails (out
// of fds) is tried again 100 ms later: the endpoint never stops serving.
class MetricsServer {
 public:
  static constexpr int kMaxSessions = 16;

  MetricsServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at,
                const Metrics& metrics);
  // Serves on `listener`, bound to `at` by the agent this one took over from.
  MetricsServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at, int listener,
                const Metrics& metrics);
  // The listening socket, to hand over.
  int native_handle() { return acceptor_.native_handle(); }
  boost::asio::ip::tcp::endpoint endpoint() const;
  void stop();

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  const Metrics& metrics_;
  // Shared with the sessions, which may outlive the server at shutdown.
  std::shared_ptr<int> sessions_ = std::make_shared<int>(0);
};

// "127.0.0.1:9090" -> endpoint; throws std::invalid_argument with the reason.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

}  // namespace sa::agent
