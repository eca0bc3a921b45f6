#include "kernel/container_message.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace sa::kernel {
namespace {

using nlohmann::json;

// Thrown inside this file only, to leave the parse at the first problem;
// parse_container_message turns it into a MessageError.
struct Invalid {
  std::string message;
};

[[noreturn]] void invalid(std::string message) {
  throw Invalid{std::move(message)};
}

const json& field(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) {
    invalid("missing field \"" + where + name + "\"");
  }
  return *it;
}

std::string string_field(const json& object, const char* name, const std::string& where) {
  const json& value = field(object, name, where);
  if (!value.is_string()) {
    invalid("field \"" + where + name + "\" is not a string");
  }
  return value.get<std::string>();
}

std::string optional_string(const json& object, const char* name, const std::string& where) {
  return object.contains(name) ? string_field(object, name, where) : std::string{};
}

// 0 means "not known": crun 1.8's exec sends it (see fixtures/crun-exec.json).
pid_t pid_value(const json& value, const std::string& what) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > std::numeric_limits<pid_t>::max()) {
    invalid("field \"" + what + "\" is not a pid");
  }
  return static_cast<pid_t>(value.get<int64_t>());
}

std::map<std::string, std::string> annotations(const json& state) {
  std::map<std::string, std::string> out;
  const auto it = state.find("annotations");
  if (it == state.end() || it->is_null()) {
    return out;
  }
  if (!it->is_object()) {
    invalid("field \"state.annotations\" is not an object");
  }
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) {
      invalid("annotation \"" + key + "\" is not a string");
    }
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

ContainerState parse_state(const json& root) {
  const json& state = field(root, "state", "");
  if (!state.is_object()) {
    invalid("field \"state\" is not an object");
  }
  ContainerState s;
  s.oci_version = string_field(state, "ociVersion", "state.");
  s.id = string_field(state, "id", "state.");
  const std::string status = string_field(state, "status", "state.");
  const auto parsed = value_of<ContainerStatus>(status);
  if (!parsed) {
    invalid("unknown container status \"" + status + "\"");
  }
  s.status = *parsed;
  if (state.contains("pid")) {
    s.pid = pid_value(state["pid"], "state.pid");
  }
  s.bundle = string_field(state, "bundle", "state.");
  s.annotations = annotations(state);
  return s;
}

std::vector<std::string> fd_names(const json& root) {
  const json& fds = field(root, "fds", "");
  if (!fds.is_array()) {
    invalid("field \"fds\" is not an array");
  }
  std::vector<std::string> names;
  for (const json& name : fds) {
    if (!name.is_string()) {
      invalid("field \"fds\" holds a non-string");
    }
    names.push_back(name.get<std::string>());
  }
  return names;
}

// Index of the one "seccompFd" in `names`.
size_t seccomp_fd_index(const std::vector<std::string>& names) {
  const auto count = std::count(names.begin(), names.end(), kSeccompFdName);
  if (count == 0) {
    invalid("no \"seccompFd\" in fds");
  }
  if (count > 1) {
    invalid("\"seccompFd\" named more than once in fds");
  }
  return static_cast<size_t>(std::find(names.begin(), names.end(), kSeccompFdName) - names.begin());
}

ContainerMessage parse(std::string_view bytes, std::vector<UniqueFd>& fds) {
  if (bytes.size() > kMaxMessageBytes) {
    invalid("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
            std::to_string(kMaxMessageBytes));
  }
  const json root = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    invalid("not valid JSON");
  }
  if (!root.is_object()) {
    invalid("not a JSON object");
  }
  ContainerMessage m;
  m.oci_version = string_field(root, "ociVersion", "");
  m.fd_names = fd_names(root);
  m.pid = pid_value(field(root, "pid", ""), "pid");
  m.metadata = optional_string(root, "metadata", "");
  m.state = parse_state(root);
  if (m.fd_names.size() != fds.size()) {
    invalid("fds names " + std::to_string(m.fd_names.size()) + " descriptors but " +
            std::to_string(fds.size()) + " arrived");
  }
  m.seccomp_fd = std::move(fds[seccomp_fd_index(m.fd_names)]);
  return m;
}

}  // namespace

MessageResult parse_container_message(std::string_view bytes, std::vector<UniqueFd> fds) {
  // `fds` is owned here: whatever is not moved into the result is closed
  // when this function returns, on success and on every error alike.
  try {
    return parse(bytes, fds);
  } catch (const Invalid& e) {
    return MessageError{"container message: " + e.message};
  }
}

}  // namespace sa::kernel
