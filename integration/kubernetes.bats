#!/usr/bin/env bats
# Scenario 2: the Kinvolk Kubernetes demo (seed 000). The behaviour depends on
# the pod: mkdir is renamed after the pod's namespace, name and container,
# /bin/true takes about 2 s while /bin/echo returns at once, proc can be
# mounted. The pod identity comes from the annotations containerd and CRI-O
# put on every Kubernetes container; the seed's profile with its
# listenerMetadata verbatim drives the Kinvolk-compatible policy.

load lib/common

CONTAINERD='.annotations = {"io.kubernetes.cri.sandbox-namespace": "default",
  "io.kubernetes.cri.sandbox-name": "mynotifypod", "io.kubernetes.cri.container-name": "container1",
  "io.kubernetes.cri.container-type": "container"}'
CRIO='.annotations = {"io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.name": "mynotifypod",
  "io.kubernetes.container.name": "container1", "io.container.manager": "cri-o"}'
SEED_METADATA=$(jq -r .listenerMetadata "$BATS_TEST_DIRNAME/fixtures/kinvolk-k8s-notify.json")

# The commands of the demo's `kubectl exec` session.
SESSION='mkdir /abc; ls -1d /abc*; mount -t proc proc root && mount | grep " /root "
ms() { time -f %e "$@" 2>&1 >/dev/null | awk "{ print int(\$1 * 1000) }"; }
echo "echo_ms=$(ms /bin/echo -n "") true_ms=$(ms /bin/true)"'

setup() {
  sa_setup_workdir
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# session RUNTIME PROFILE ANNOTATIONS_FILTER
session() {
  local rt=$1 profile=$2 annotations=$3
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SESSION" '["/bin/sh","-c",$s]')" "$annotations"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-k8s-$rt-$$"
  echo "$output"
  [ "$status" -eq 0 ]
}

check_session() {
  local expect_delay=$1
  [ "${lines[0]}" = /abc-default-mynotifypod-container1 ]
  [[ "${lines[1]}" == "proc on /root type proc "* ]]
  [[ "${lines[2]}" =~ ^echo_ms=([0-9]+)\ true_ms=([0-9]+)$ ]]
  local echo_ms=${BASH_REMATCH[1]} true_ms=${BASH_REMATCH[2]}
  # Tolerant bounds: a slow machine may stretch both, never shorten the delay.
  [ "$echo_ms" -lt 1500 ]
  if [ "$expect_delay" = yes ]; then
    [ "$true_ms" -ge 1950 ]
    [ "$true_ms" -lt 10000 ]
  else
    [ "$true_ms" -lt 1500 ]
  fi
}

replay_agrees() {
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

k8s_policy() {
  local rt=$1 annotations=$2
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/kubernetes.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  session "$rt" "$SA_WORK/out/profile.json" "$annotations"
  check_session yes
  replay_agrees
}

@test "runc: kubernetes.yaml, containerd annotations" {
  k8s_policy runc "$CONTAINERD"
}

@test "crun: kubernetes.yaml, CRI-O annotations" {
  k8s_policy crun "$CRIO"
}

@test "runc: kubernetes.yaml, CRI-O annotations" {
  k8s_policy runc "$CRIO"
}

@test "crun: kubernetes.yaml, containerd annotations" {
  k8s_policy crun "$CONTAINERD"
}

# The seed's own profile, verbatim but for the socket: it notifies openat,
# open, mkdir, mount and chmod (not execve, so nothing is delayed).
seed_profile() {
  local rt=$1
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/kinvolk-compat.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  sa_profile_with "$SA_WORK/seed.json" "$BATS_TEST_DIRNAME/fixtures/kinvolk-k8s-notify.json" \
    ".listenerPath = \"$SA_WORK/agent.sock\""
  session "$rt" "$SA_WORK/seed.json" "$CONTAINERD"
  check_session no
  replay_agrees
}

@test "runc: the seed's profile and metadata verbatim, kinvolk-compat.yaml" {
  seed_profile runc
}

@test "crun: the seed's profile and metadata verbatim, kinvolk-compat.yaml" {
  seed_profile crun
}

# rulec's profile for kinvolk-compat.yaml (which intercepts execve too), with
# the seed's listenerMetadata: EXEC_PATTERN and EXEC_DURATION take effect.
compat_profile() {
  local rt=$1
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/kinvolk-compat.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  sa_profile_with "$SA_WORK/compat.json" "$SA_WORK/out/profiles/kinvolk-compat.json" \
    '.listenerMetadata = $meta' --arg meta "$SEED_METADATA"
  session "$rt" "$SA_WORK/compat.json" "$CRIO"
  check_session yes
  replay_agrees
}

@test "runc: kinvolk-compat.yaml driven by the seed's listenerMetadata" {
  compat_profile runc
}

@test "crun: kinvolk-compat.yaml driven by the seed's listenerMetadata" {
  compat_profile crun
}
