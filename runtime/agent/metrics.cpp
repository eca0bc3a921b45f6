#include "agent/metrics.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace sa::agent {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Family& Metrics::declare(const std::string& name, const std::string& type, const std::string& help,
                         std::vector<std::string> label_names) {
  const std::lock_guard lock(mutex_);
  Family& f = families_[name];
  f.owner_ = this;
  f.type_ = type;
  f.help_ = help;
  f.label_names_ = std::move(label_names);
  return f;
}

Family& Metrics::counters(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names) {
  return declare(name, "counter", help, std::move(label_names));
}

Family& Metrics::gauges(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names) {
  return declare(name, "gauge", help, std::move(label_names));
}

std::atomic<int64_t>& Family::series(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument(
        fmt::format("{} label values for {} label names", values.size(), label_names_.size()));
  }
  const std::lock_guard lock(owner_->mutex_);
  auto& slot = series_[values];
  if (!slot)
    slot = std::make_unique<std::atomic<int64_t>>(0);
  return *slot;
}

Counter Family::counter(const std::vector<std::string>& values) {
  return Counter(&series(values));
}

Gauge Family::gauge(const std::vector<std::string>& values) {
  return Gauge(&series(values));
}

int64_t Metrics::value(const std::string& name, const std::vector<std::string>& values) const {
  const std::lock_guard lock(mutex_);
  auto f = families_.find(name);
  if (f == families_.end())
    return 0;
  auto s = f->second.series_.find(values);
  return s == f->second.series_.end() ? 0 : s->second->load(std::memory_order_relaxed);
}

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

}  // namespace

std::string Metrics::render() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help_.empty())
      out += fmt::format("# HELP {} {}\n", name, f.help_);
    out += fmt::format("# TYPE {} {}\n", name, f.type_);
    for (const auto& [values, value] : f.series_) {
      std::vector<std::string> parts;
      for (size_t i = 0; i < values.size(); ++i)
        parts.push_back(fmt::format("{}=\"{}\"", f.label_names_[i], escape_label(values[i])));
      const int64_t v = value->load(std::memory_order_relaxed);
      out += parts.empty() ? fmt::format("{} {}\n", name, v)
                           : fmt::format("{}{{{}}} {}\n", name, fmt::join(parts, ","), v);
    }
  }
  return out;
}

tcp::endpoint parse_endpoint(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("expected HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec)
    throw std::invalid_argument(fmt::format("'{}' is not an IP address", host));
  unsigned long port = 0;
  try {
    port = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("the port is not a number");
  }
  if (port > 65535)
    throw std::invalid_argument("the port is out of range");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

namespace {

// One connection: read a request, answer it, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Metrics& metrics, std::shared_ptr<int> sessions)
      : stream_(std::move(socket)), metrics_(metrics), sessions_(std::move(sessions)) {
    ++*sessions_;
  }
  ~Session() { --*sessions_; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(
        stream_, buffer_, request_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->respond(ec); });
  }

 private:
  void respond(beast::error_code ec) {
    if (ec)
      return;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(request_.version());
    res->keep_alive(false);
    if (request_.method() == http::verb::get && request_.target() == "/metrics") {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain; version=0.0.4");
      res->body() = metrics_.render();
    } else {
      res->result(http::status::not_found);
      res->set(http::field::content_type, "text/plain");
      res->body() = "not found; try /metrics\n";
    }
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  const Metrics& metrics_;
  std::shared_ptr<int> sessions_;  // counts this one while it lives
};

}  // namespace

MetricsServer::MetricsServer(boost::asio::io_context& io, const tcp::endpoint& at,
                             const Metrics& metrics)
    : acceptor_(io, at), retry_(io), metrics_(metrics) {
  accept();
}

MetricsServer::MetricsServer(boost::asio::io_context& io, const tcp::endpoint& at, int listener,
                             const Metrics& metrics)
    : acceptor_(io, at.protocol(), listener), retry_(io), metrics_(metrics) {
  accept();
}

tcp::endpoint MetricsServer::endpoint() const {
  return acceptor_.local_endpoint();
}

void MetricsServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open())
      return;  // stopped
    if (ec) {
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](boost::system::error_code e) {
        if (!e)
          accept();
      });
      return;
    }
    if (*sessions_ < kMaxSessions)
      std::make_shared<Session>(std::move(socket), metrics_, sessions_)->start();
    // else: `socket` closes here, and the peer sees its connection reset.
    accept();
  });
}

}  // namespace sa::agent
