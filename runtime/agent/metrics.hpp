// Prometheus metrics: counters and gauges kept by the agent, rendered in the
// text exposition format and served over HTTP (Boost.Beast) on --metrics.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sa::agent {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  void count(const std::string& name, const Labels& labels, uint64_t by = 1);
  void set(const std::string& name, const Labels& labels, int64_t value);
  void describe(const std::string& name, const std::string& type, const std::string& help);
  uint64_t counter(const std::string& name, const Labels& labels) const;
  std::string render() const;  // text exposition format 0.0.4

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<Labels, int64_t> series;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// Serves GET /metrics; anything else is 404. Runs on the agent's reactor.
class MetricsServer {
 public:
  MetricsServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& at,
                const Metrics& metrics);
  boost::asio::ip::tcp::endpoint endpoint() const;
  void stop();

 private:
  void accept();
  boost::asio::ip::tcp::acceptor acceptor_;
  const Metrics& metrics_;
};

// "127.0.0.1:9090" -> endpoint; throws std::invalid_argument with the reason.
boost::asio::ip::tcp::endpoint parse_endpoint(const std::string& text);

}  // namespace sa::agent
