#include "agent/handover_protocol.hpp"

#include <exception>
#include <stdexcept>

#include "kernel/framed_socket.hpp"

namespace sa::agent::handover {

std::string takeover_path(const std::string& runtime_socket) {
  return runtime_socket + ".takeover";
}

void send_message(int socket, const nlohmann::json& body, std::span<const int> fds) {
  kernel::send_frame(socket, body.dump(), fds);
}

void send_error(int socket, std::string_view error) {
  try {
    send_message(socket, {{"type", "error"}, {"error", error}});
  } catch (const std::exception&) {
    // The other side is gone or stuck; it ends its side on its own.
  }
}

Message receive_message(int socket, std::string_view type, size_t max_fds) {
  kernel::Frame frame;
  try {
    frame = kernel::receive_frame(socket, kMaxFrameBytes, max_fds);
  } catch (const std::exception& e) {
    throw std::runtime_error("waiting for \"" + std::string(type) + "\": " + e.what());
  }
  Message m{nlohmann::json::parse(frame.body, nullptr, false), std::move(frame.fds)};
  if (!m.body.is_object() || !m.body.contains("type") || !m.body["type"].is_string())
    throw std::runtime_error("waiting for \"" + std::string(type) + "\": not a protocol message");
  const auto got = m.body["type"].get<std::string>();
  if (got == "error") {
    const nlohmann::json& why = m.body.value("error", nlohmann::json("no reason given"));
    throw std::runtime_error("the other agent gave up: " +
                             (why.is_string() ? why.get<std::string>() : why.dump()));
  }
  if (got != type)
    throw std::runtime_error("expected \"" + std::string(type) + "\", got \"" + got + "\"");
  return m;
}

void check_version(const nlohmann::json& body) {
  const nlohmann::json& v = body.value("version", nlohmann::json());
  if (!v.is_number_integer() || v.get<int>() != kProtocolVersion) {
    throw std::runtime_error("hand-over protocol version " + v.dump() +
                             " is not spoken here (this agent speaks " +
                             std::to_string(kProtocolVersion) + ")");
  }
}

}  // namespace sa::agent::handover
