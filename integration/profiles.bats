#!/usr/bin/env bats
# Every example policy's generated profile.json is accepted by runc and crun:
# a container starts under it, served by the agent, and runs to completion.
# (libseccomp building every profile into a filter is checked in the unit
# tests of compiler/profile.)

load lib/common

setup() {
  sa_setup_workdir
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# starts RUNTIME POLICY [rulec args...]
starts() {
  local rt=$1 rules=$2
  shift 2
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$@" "$SA_ROOT/rules/$rules.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" '["/bin/sh","-c","echo running"]'
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-profile-$rt-$rules-$$"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = running ]
  grep -q 'container registered' "$SA_AGENT_LOG"
}

@test "runc: demo-basic profile" { starts runc demo-basic; }
@test "crun: demo-basic profile" { starts crun demo-basic; }
@test "runc: kubernetes profile" { starts runc kubernetes; }
@test "crun: kubernetes profile" { starts crun kubernetes; }
@test "runc: userns-mount profile" { starts runc userns-mount; }
@test "crun: userns-mount profile" { starts crun userns-mount; }
@test "runc: notifier profile" { starts runc notifier; }
@test "crun: notifier profile" { starts crun notifier; }
@test "runc: kinvolk-compat profile" { starts runc kinvolk-compat; }
@test "crun: kinvolk-compat profile" { starts crun kinvolk-compat; }
@test "runc: runc-reference profile" { starts runc runc-reference; }
@test "crun: runc-reference profile" { starts crun runc-reference; }
# Over the runtime's default profile, as it ships.
@test "runc: crio-notifier profile over containers-default.json" {
  starts runc crio-notifier --base "$SA_ROOT/rules/base/containers-default.json"
}
@test "crun: crio-notifier profile over containers-default.json" {
  starts crun crio-notifier --base "$SA_ROOT/rules/base/containers-default.json"
}

@test "runc: one node-wide profile for every policy at once" {
  # crio-notifier.yaml intercepts what its base denies: a base is given.
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" \
    --base "$BATS_TEST_DIRNAME/fixtures/base-denies-chroot-swapoff.json" "$SA_ROOT"/rules/*.yaml
  sa_start_agent "$SA_WORK/out/table.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" '["/bin/sh","-c","mkdir /abc; ls -1d /ab*"]' \
    '.annotations = {"io.kubernetes.pod.namespace": "ns1", "io.kubernetes.pod.name": "p1", "io.kubernetes.container.name": "c1"}'
  cd "$SA_WORK/bundle"
  run runc_cmd run "sa-profile-node-$$"
  echo "$output"
  [ "$status" -eq 0 ]
  # No policy=NAME in the node profile: the pod selector chose kubernetes.yaml.
  [ "$output" = /abc-ns1-p1-c1 ]
}
