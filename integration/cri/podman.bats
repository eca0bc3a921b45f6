#!/usr/bin/env bats
# The agent as its DaemonSet runs it, in a container run by `podman kube play`
# from kind/manifests/agent.yaml's pod spec (privileged, hostPID, the socket
# directory as a hostPath), its image built from kind/Dockerfile with
# `podman build`; it serves pods of kind/manifests/ that a private containerd
# runs through the CRI, as on a node. This proves the manifest's security
# context is enough for the agent to emulate calls from inside a container:
# it reaches the callers' /proc/PID/{mem,ns,root} through the host's PID
# namespace.
#
# One agent for the file, on one table: integration/fixtures/team-b.yaml
# (namespace team-b) then rules/kubernetes.yaml. Run by
# integration/cri/run.sh podman, which checks first that podman can run.

load ../lib/common
load containerd
load pods
load podman

setup_file() {
  cri_suite_start
  export CRI_HOST_ROOT=$CRI_WORK/node CRI_SECCOMP_ROOT=$CRI_WORK/seccomp
  AGENT_SOCK=$CRI_HOST_ROOT/run/seccomp-agent/seccomp-agent.socket
  export AGENT_SOCK
  local out=$CRI_WORK/out
  sa_compile "$out" --listener-path "$AGENT_SOCK" \
    "$SA_ROOT/integration/fixtures/team-b.yaml" "$SA_ROOT/rules/kubernetes.yaml"
  mkdir -p "$CRI_SECCOMP_ROOT/seccomp-agent"
  cp "$out"/profiles/*.json "$CRI_SECCOMP_ROOT/seccomp-agent/"
  cp "$out/profile.json" "$CRI_SECCOMP_ROOT/seccomp-agent/by-namespace.json"

  podman_start "$CRI_WORK/podman"
  export PODMAN_DIR
  local why
  if why=$( { podman_base_image && podman_build_agent "$out/table.json"; } 2>&1); then
    AGENT_IMAGE_FROM="kind/Dockerfile, podman build, base $PODMAN_BASE_IMAGE (debootstrap --variant=minbase bookworm, cached in $SA_IMAGE_CACHE)"
  else
    # What cri.bats does: the agent, its libraries and the table, no base.
    cri_agent_tar "$CRI_WORK" "$SA_BIN/seccomp-agent" "$out/table.json"
    pm load -q -i "$CRI_WORK/agent.tar" >/dev/null
    AGENT_IMAGE_FROM="FALLBACK, not kind/Dockerfile: integration/cri/mkimage.py's agent image, because: ${why//$'\n'/; }"
  fi
  export AGENT_IMAGE_FROM
  echo "# agent image: $AGENT_IMAGE_FROM" >&3

  cri pod "$MANIFESTS/agent.yaml" --pod seccomp-agent > "$PODMAN_DIR/agent-pod.yaml"
  pm kube play --network none "$PODMAN_DIR/agent-pod.yaml" > "$PODMAN_DIR/play.log"
  local i
  for i in $(seq 100); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
  [ -S "$AGENT_SOCK" ] || { pm logs seccomp-agent-agent; false; }
}

teardown_file() {
  podman_stop
  cri_suite_stop
}

setup() {
  PODS=()
}

teardown() {
  rm_pods
}

# agent_registered NAMESPACE/POD CONTAINER POLICY: the agent's JSON log line
# (--log-format=json, as the DaemonSet runs it) for the container CONTAINER_ID.
agent_registered() {
  pm logs seccomp-agent-agent 2>&1 | grep '"event":"container registered"' |
    grep "\"id\":\"$CONTAINER\"" | grep "\"pod\":\"$1\"" | grep "\"container\":\"$2\"" |
    grep -q "\"policy\":\"$3\""
}

@test "the agent's image is kind/Dockerfile's, built by podman build on the bootstrapped Debian base" {
  [[ "$AGENT_IMAGE_FROM" != FALLBACK* ]] || skip "$AGENT_IMAGE_FROM"
  run pm image inspect seccomp-agent:e2e --format '{{json .Config.Entrypoint}}'
  echo "$output"
  [ "$output" = '["/usr/local/bin/seccomp-agent"]' ]
  run pm image history --no-trunc --format '{{.CreatedBy}}' seccomp-agent:e2e
  echo "$output"
  [[ "$output" == *"apt-get install -y --no-install-recommends"*libseccomp2* ]]
  # The base's layer is the bootstrapped tree's: its id is in the image's.
  local base
  base=$(pm image inspect "$PODMAN_BASE_IMAGE" --format '{{index .RootFS.Layers 0}}')
  [ "$(pm image inspect seccomp-agent:e2e --format '{{index .RootFS.Layers 0}}')" = "$base" ]
  run pm run --rm --network none --entrypoint cat seccomp-agent:e2e /etc/debian_version
  echo "$output"
  [[ "$output" == 12.* ]]
}

@test "podman kube play runs agent.yaml's pod: privileged, in the host's PID namespace, its socket on the hostPath" {
  run pm inspect seccomp-agent-agent --format '{{.HostConfig.Privileged}} {{json .Config.Cmd}}'
  echo "$output"
  [ "$output" = 'true ["--socket=/run/seccomp-agent/seccomp-agent.socket","--table=/etc/seccomp-agent/table.json","--metrics=0.0.0.0:9090","--log-format=json"]' ]
  local pid
  pid=$(pm inspect seccomp-agent-agent --format '{{.State.Pid}}')
  [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink /proc/$$/ns/pid)" ]
  [ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/$$/ns/mnt)" ]
  [ "$(readlink "/proc/$pid/exe")" = /usr/local/bin/seccomp-agent ]
  [ -S "$AGENT_SOCK" ]
}

@test "the agent in podman serves mynotifypod: mkdir renamed after the pod, proc mounted, /bin/true delayed" {
  pod "$MANIFESTS/mynotifypod.yaml" mynotifypod
  mynotifypod_emulated
  agent_registered default/mynotifypod container1 kubernetes
}

@test "the agent in podman serves one pod name in two namespaces, each with its namespace's policy" {
  nspod_by_namespace agent_registered
}
