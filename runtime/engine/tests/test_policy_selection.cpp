// Which policy a container gets: by name, by selector, the lone policy.
#define BOOST_TEST_MODULE policy_selection
#include <boost/test/unit_test.hpp>

#include "fixtures.hpp"

namespace sa::engine {
namespace {

using namespace testing;

table::Policy selected_by(const std::string& name, table::Selector s) {
  table::Policy p = policy(name, {{"chmod", {row(name + "#1", {}, errno_action(1))}}});
  p.match = std::move(s);
  return p;
}

model::ContainerInfo pod(const std::string& ns, const std::string& name,
                         const std::string& metadata = "") {
  model::ContainerInfo c = container(metadata);
  c.pod_namespace = ns;
  c.pod_name = name;
  c.container_name = "app";
  c.annotations = {{"tier", "web"}};
  return c;
}

Engine three_policies() {
  table::Selector kube;
  kube.pod_namespace = "kube-*";
  table::Selector web;
  web.annotations = {{"tier", "w*"}};
  web.container_name = "app";
  table::Selector tmpl;
  tmpl.meta = {{"MKDIR_TMPL", "*"}};
  return Engine(make_table({selected_by("by-name", {}), selected_by("kube", kube),
                            selected_by("web", web), selected_by("kinvolk", tmpl)}));
}

std::string chosen(const Engine& e, const model::ContainerInfo& c, std::string* why = nullptr) {
  const table::Policy* p = e.select_policy(c, why);
  return p == nullptr ? "(none)" : p->name;
}

BOOST_AUTO_TEST_CASE(policy_in_metadata_wins) {
  const Engine e = three_policies();
  std::string why;
  BOOST_TEST(chosen(e, pod("kube-system", "x", "policy=by-name"), &why) == "by-name");
  BOOST_TEST(why.find("names policy 'by-name'") != std::string::npos);
  BOOST_TEST(chosen(e, pod("kube-system", "x", "policy=nope"), &why) == "(none)");
  BOOST_TEST(why.find("'nope'") != std::string::npos);
  BOOST_TEST(why.find("by-name, kube, web, kinvolk") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_first_matching_selector_wins) {
  const Engine e = three_policies();
  BOOST_TEST(chosen(e, pod("kube-system", "coredns")) == "kube");  // kube and web match
  BOOST_TEST(chosen(e, pod("default", "shop")) == "web");
  model::ContainerInfo plain = container("MKDIR_TMPL=-{{.Pod}}");
  BOOST_TEST(chosen(e, plain) == "kinvolk");
  std::string why;
  BOOST_TEST(chosen(e, container(), &why) == "(none)");  // empty selectors are chosen by name
  BOOST_TEST(why.find("no policy selects container 'c0ffee'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_selector_field_must_match) {
  const Engine e = three_policies();
  model::ContainerInfo c = pod("default", "shop");
  c.container_name = "sidecar";  // annotation matches, container name does not
  BOOST_TEST(chosen(e, c) == "(none)");
  c = pod("default", "shop");
  c.annotations.clear();  // a selector key that is absent does not match
  BOOST_TEST(chosen(e, c) == "(none)");
}

// `match: any:` - Kinvolk's keys select kinvolk-compat alone or together.
Engine any_of_two_keys() {
  table::Selector mount;
  mount.meta = {{"MOUNT_OTHER_FS_LIST", "*"}};
  table::Selector action;
  action.meta = {{"DEFAULT_ACTION", "*"}};
  table::Selector either;
  either.any = {mount, action};
  table::Selector web_and_either = either;
  web_and_either.annotations = {{"tier", "web"}};
  return Engine(
      make_table({selected_by("web-kinvolk", web_and_either), selected_by("kinvolk", either)}));
}

BOOST_AUTO_TEST_CASE(one_alternative_of_any_suffices) {
  const Engine e = any_of_two_keys();
  std::string why;
  BOOST_TEST(chosen(e, container("MOUNT_OTHER_FS_LIST=cifs\nMOUNT_NEED_CAP_ADMIN=true"), &why) ==
             "kinvolk");
  BOOST_TEST(why.find("the selector of policy 'kinvolk' matches") != std::string::npos, why);
  BOOST_TEST(chosen(e, container("DEFAULT_ACTION=kill-container")) == "kinvolk");
  BOOST_TEST(chosen(e, container("DEFAULT_ACTION=x\nMOUNT_OTHER_FS_LIST=cifs")) == "kinvolk");
  BOOST_TEST(chosen(e, container("MKDIR_TMPL=-x")) == "(none)");
}

BOOST_AUTO_TEST_CASE(the_other_fields_must_match_besides_any) {
  const Engine e = any_of_two_keys();
  model::ContainerInfo c = pod("default", "shop", "DEFAULT_ACTION=kill-container");
  BOOST_TEST(chosen(e, c) == "web-kinvolk");
  c.annotations.clear();
  BOOST_TEST(chosen(e, c) == "kinvolk");
  BOOST_TEST(chosen(e, pod("default", "shop")) == "(none)");  // no alternative holds
}

// `publish`: by the same selectors, per container of the policy.
BOOST_AUTO_TEST_CASE(a_policy_publishes_for_the_containers_its_when_selects) {
  table::Selector falco;
  falco.any.resize(2);
  falco.any[0].meta = {{"MIDDLEWARE", "falco"}};
  falco.any[1].meta = {{"MIDDLEWARE", "*,falco"}};
  table::Policy p = selected_by("kinvolk", falco);
  BOOST_TEST(!Engine::publishes(&p, container("MIDDLEWARE=falco"), table::Sink::Falco));
  p.publish = {table::Publish{table::Sink::Falco, falco}};
  BOOST_TEST(Engine::publishes(&p, container("MIDDLEWARE=falco"), table::Sink::Falco));
  BOOST_TEST(Engine::publishes(&p, container("MIDDLEWARE=prometheus,falco"), table::Sink::Falco));
  BOOST_TEST(!Engine::publishes(&p, container("MIDDLEWARE=prometheus"), table::Sink::Falco));
  BOOST_TEST(
      !Engine::publishes(&p, container("DEFAULT_ACTION=kill-container"), table::Sink::Falco));
  BOOST_TEST(!Engine::publishes(nullptr, container("MIDDLEWARE=falco"), table::Sink::Falco));
  p.publish = {table::Publish{table::Sink::Falco, {}}};  // no `when`: every container
  BOOST_TEST(Engine::publishes(&p, container("DEFAULT_ACTION=kill-container"), table::Sink::Falco));
}

BOOST_AUTO_TEST_CASE(a_lone_policy_without_selector_applies_to_everyone) {
  const Engine lone(make_table({selected_by("only", {})}));
  std::string why;
  BOOST_TEST(chosen(lone, container(), &why) == "only");
  BOOST_TEST(why.find("only policy") != std::string::npos);
  BOOST_TEST(chosen(lone, container("policy=other")) == "(none)");

  table::Selector kube;
  kube.pod_namespace = "kube-*";
  const Engine selective(make_table({selected_by("kube", kube)}));
  BOOST_TEST(chosen(selective, container()) == "(none)");
  BOOST_TEST(chosen(selective, pod("kube-public", "x")) == "kube");
}

// `match: pod: namespace: "*"` is for Kubernetes containers: a plain runc
// container has no pod namespace, and a pattern on a field the container
// does not have never matches, `*` included.
BOOST_AUTO_TEST_CASE(a_pattern_on_an_absent_field_never_matches) {
  table::Selector any_pod;
  any_pod.pod_namespace = "*";
  table::Selector any_name;
  any_name.container_name = "*";
  table::Selector any_key;
  any_key.meta = {{"MKDIR_TMPL", "*"}};
  const Engine e(make_table({selected_by("kubernetes", any_pod), selected_by("named", any_name),
                             selected_by("kinvolk", any_key)}));
  std::string why;
  BOOST_TEST(chosen(e, container(), &why) == "(none)");
  BOOST_TEST(why.find("'kubernetes': the container has no pod.namespace") != std::string::npos,
             why);
  BOOST_TEST(why.find("'named': the container has no container.name") != std::string::npos, why);
  BOOST_TEST(why.find("'kinvolk': listenerMetadata key MKDIR_TMPL is absent") != std::string::npos,
             why);
  BOOST_TEST(chosen(e, pod("default", "web"), &why) == "kubernetes");
  BOOST_TEST(why == "the selector of policy 'kubernetes' matches");
  // A key that is present with an empty value is there: `*` matches it.
  BOOST_TEST(chosen(e, container("MKDIR_TMPL="), &why) == "kinvolk");
  BOOST_TEST(why.find("not chosen before it: 'kubernetes': the container has no pod.namespace") !=
                 std::string::npos,
             why);
}

BOOST_AUTO_TEST_CASE(why_names_the_field_that_does_not_match) {
  const Engine e = three_policies();
  std::string why;
  model::ContainerInfo c = pod("default", "shop");
  c.container_name = "sidecar";
  BOOST_TEST(chosen(e, c, &why) == "(none)");
  BOOST_TEST(
      why.find("'by-name': it has no selector and is chosen only by name (policy=by-name)") !=
          std::string::npos,
      why);
  BOOST_TEST(
      why.find("'kube': pod.namespace \"default\" does not match \"kube-*\"") != std::string::npos,
      why);
  BOOST_TEST(
      why.find("'web': container.name \"sidecar\" does not match \"app\"") != std::string::npos,
      why);
}

}  // namespace
}  // namespace sa::engine
