// listenerMetadata parsing (Kinvolk's parseKV) and Kubernetes identity.
#define BOOST_TEST_MODULE container_info
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "model/call/container_info.hpp"

namespace sa::model {
namespace {

namespace bdata = boost::unit_test::data;

using Map = std::map<std::string, std::string>;

struct MetadataCase {
  std::string raw;
  Map expected;
};

std::ostream& operator<<(std::ostream& os, const MetadataCase& c) {
  return os << c.raw;
}

const MetadataCase kMetadataCases[] = {
    {"MKDIR_TMPL=-{{.Namespace}}-{{.Pod}}\nEXEC_PATTERN=/bin/"
     "true\nEXEC_DURATION=2s\nMOUNT_PROC=true",
     {{"MKDIR_TMPL", "-{{.Namespace}}-{{.Pod}}"},
      {"EXEC_PATTERN", "/bin/true"},
      {"EXEC_DURATION", "2s"},
      {"MOUNT_PROC", "true"}}},
    // Split at the first '=' only.
    {"OPTS=a=b,c=d", {{"OPTS", "a=b,c=d"}}},
    // A line without '=' is a key with an empty value.
    {"FLAG", {{"FLAG", ""}}},
    // A line starting with '=' is skipped.
    {"=ignored\nK=v", {{"K", "v"}}},
    // Empty lines (and a trailing newline) give the key "" as in Go.
    {"K=v\n", {{"K", "v"}, {"", ""}}},
    {"", {{"", ""}}},
    // Later lines override earlier ones; values keep their spaces.
    {"K=1\nK= 2 ", {{"K", " 2 "}}},
    {"policy=demo-basic", {{"policy", "demo-basic"}}},
};

BOOST_DATA_TEST_CASE(metadata_is_parsed_like_kinvolk, bdata::make(kMetadataCases), c) {
  BOOST_TEST((parse_metadata(c.raw) == c.expected));
}

BOOST_AUTO_TEST_CASE(containerd_annotations_identify_the_pod) {
  ContainerInfo c;
  c.annotations = {{"io.kubernetes.cri.sandbox-namespace", "default"},
                   {"io.kubernetes.cri.sandbox-name", "mynotifypod"},
                   {"io.kubernetes.cri.container-name", "container1"}};
  identify(c);
  BOOST_TEST(c.pod_namespace == "default");
  BOOST_TEST(c.pod_name == "mynotifypod");
  BOOST_TEST(c.container_name == "container1");
}

BOOST_AUTO_TEST_CASE(crio_annotations_identify_the_pod) {
  ContainerInfo c;
  c.annotations = {{"io.kubernetes.pod.namespace", "kube-system"},
                   {"io.kubernetes.pod.name", "coredns-1"},
                   {"io.kubernetes.container.name", "coredns"}};
  identify(c);
  BOOST_TEST(c.pod_namespace == "kube-system");
  BOOST_TEST(c.pod_name == "coredns-1");
  BOOST_TEST(c.container_name == "coredns");
}

BOOST_AUTO_TEST_CASE(containerd_wins_over_crio_and_missing_keys_stay_empty) {
  ContainerInfo c;
  c.annotations = {{"io.kubernetes.cri.sandbox-namespace", "from-containerd"},
                   {"io.kubernetes.pod.namespace", "from-crio"},
                   {"io.kubernetes.pod.name", "pod-from-crio"}};
  identify(c);
  BOOST_TEST(c.pod_namespace == "from-containerd");
  BOOST_TEST(c.pod_name == "pod-from-crio");
  BOOST_TEST(c.container_name == "");
}

BOOST_AUTO_TEST_CASE(complete_parses_metadata_and_identifies) {
  ContainerInfo c;
  c.metadata_raw = "policy=kubernetes";
  c.annotations = {{"io.kubernetes.container.name", "app"}};
  complete(c);
  BOOST_TEST(c.meta.at("policy") == "kubernetes");
  BOOST_TEST(c.container_name == "app");
}

}  // namespace
}  // namespace sa::model
