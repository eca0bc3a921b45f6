// sa-capture-container-message: listens on a socket, accepts one container
// runtime's connection and writes the message text it sent to a file, to
// capture fixtures from real runc and crun (see fixtures/capture.sh). The
// message is also parsed, so a capture the agent could not read fails here.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <variant>

#include "kernel/container_message.hpp"
#include "kernel/container_socket.hpp"
#include "kernel/scm_rights.hpp"

using namespace sa::kernel;

namespace {

int capture(const std::string& socket_path, const std::string& out_path) {
  const ContainerSocket socket = ContainerSocket::listen(socket_path);
  std::cout << "listening on " << socket_path << std::endl;
  Accepted accepted = socket.accept();
  while (accepted.outcome == AcceptOutcome::NoConnection) {
    accepted = socket.accept();
  }
  if (accepted.outcome == AcceptOutcome::Refused) {
    std::cerr << "refused peer uid " << accepted.peer.uid << std::endl;
    return 1;
  }
  ReceiveResult received =
      receive_message(accepted.connection.get(), kMaxMessageBytes, kMaxPassedFds);
  if (received.status != ReceiveStatus::Complete) {
    std::cerr << "incomplete message (status " << static_cast<int>(received.status) << ")"
              << std::endl;
    return 1;
  }
  const size_t fd_count = received.message.fds.size();
  std::ofstream(out_path, std::ios::binary) << received.message.bytes;
  MessageResult parsed =
      parse_container_message(received.message.bytes, std::move(received.message.fds));
  if (const auto* error = std::get_if<MessageError>(&parsed)) {
    std::cerr << error->message << std::endl;
    return 1;
  }
  const auto& m = std::get<ContainerMessage>(parsed);
  std::cout << "captured " << received.message.bytes.size() << " bytes, " << fd_count
            << " fd(s), container " << m.state.id << " (" << sa::name_of(m.state.status)
            << "), pid " << m.pid << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Capture the message a container runtime sends to a seccomp agent"};
  std::string socket_path;
  std::string out_path;
  app.add_option("--socket", socket_path, "socket to listen on (the profile's listenerPath)")
      ->required();
  app.add_option("--out", out_path, "file to write the message text to")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    return capture(socket_path, out_path);
  } catch (const std::exception& e) {
    std::cerr << "sa-capture-container-message: " << e.what() << std::endl;
    return 1;
  }
}
