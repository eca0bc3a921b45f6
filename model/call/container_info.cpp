#include "model/call/container_info.hpp"

#include <array>
#include <utility>

namespace sa::model {

std::map<std::string, std::string> parse_metadata(std::string_view raw) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  // strings.Split keeps a trailing empty element, and so do we: "a=1\n"
  // yields the key "" just as it does in Go.
  while (true) {
    const size_t end = raw.find('\n', start);
    const std::string_view line =
        raw.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      out[std::string(line)] = "";
    } else if (eq > 0) {
      out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return out;
}

namespace {

struct IdentityKeys {
  std::string_view pod_namespace;
  std::string_view pod_name;
  std::string_view container_name;
};

constexpr std::array<IdentityKeys, 2> kRuntimes = {{
    {"io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-name",
     "io.kubernetes.cri.container-name"},  // containerd
    {"io.kubernetes.pod.namespace", "io.kubernetes.pod.name",
     "io.kubernetes.container.name"},  // CRI-O
}};

void first_present(const std::map<std::string, std::string>& annotations,
                   std::string_view IdentityKeys::*key, std::string& out) {
  for (const IdentityKeys& keys : kRuntimes) {
    auto it = annotations.find(std::string(keys.*key));
    if (it != annotations.end()) {
      out = it->second;
      return;
    }
  }
}

}  // namespace

void identify(ContainerInfo& c) {
  first_present(c.annotations, &IdentityKeys::pod_namespace, c.pod_namespace);
  first_present(c.annotations, &IdentityKeys::pod_name, c.pod_name);
  first_present(c.annotations, &IdentityKeys::container_name, c.container_name);
}

void complete(ContainerInfo& c) {
  c.meta = parse_metadata(c.metadata_raw);
  identify(c);
}

}  // namespace sa::model
