#!/usr/bin/env bats
# Kubernetes' own path, without a kubelet: a private containerd 1.6 with its
# CRI plugin and runc, driven over the CRI gRPC API (cri.py, the project's
# client of api.proto) as the kubelet drives it - RunPodSandbox,
# CreateContainer with a Localhost seccomp profile, StartContainer, ExecSync,
# the container's log, StopPodSandbox, RemovePodSandbox - with the pods of
# kind/manifests/. containerd writes the annotations the agent reads; the test
# writes none. Each test starts its own agent on a table of its own, installs
# the profiles where the manifests' localhostProfile points (the kubelet's
# seccomp directory is $CRI_SECCOMP_ROOT here), and checks what the pod saw
# and what the agent logged about who the pod is.
#
# Run by integration/cri/run.sh, which checks first that containerd can run.

load ../lib/common
load containerd
load pods

TUTORIAL=$SA_ROOT/compiler/profile/tests/fixtures

setup_file() {
  cri_suite_start
}

teardown_file() {
  cri_suite_stop
}

setup() {
  sa_setup_workdir
  export CRI_SECCOMP_ROOT=$SA_WORK/seccomp
  mkdir -p "$CRI_SECCOMP_ROOT/seccomp-agent"
  PODS=()
}

teardown() {
  rm_pods
  sa_stop_agent
  sa_teardown_workdir
}

# table NAME [rulec args...]: compiles a table for the agent's socket, puts
# its per-policy profiles in the node's seccomp directory as
# seccomp-agent/POLICY.json and its selector profile as seccomp-agent/NAME.json,
# and starts the agent on it.
table() {
  local name=$1
  shift
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$@"
  cp "$SA_WORK"/out/profiles/*.json "$CRI_SECCOMP_ROOT/seccomp-agent/"
  cp "$SA_WORK/out/profile.json" "$CRI_SECCOMP_ROOT/seccomp-agent/$name.json"
  sa_start_agent "$SA_WORK/out/table.json"
}

@test "containerd serves the CRI v1 API" {
  run cri version
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "containerd "*" v1" ]]
}

@test "every pod of kind/manifests translates to CRI requests; a field the client does not translate is refused" {
  run cri check "$MANIFESTS"/*.yaml
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 10 ]
  grep -qx ".*/agent.yaml: seccomp-agent/seccomp-agent: 1 container(s)" <<< "$output"
  grep -qx ".*/namespaces.yaml: team-b/nspod: 1 container(s)" <<< "$output"
  sed 's/allowPrivilegeEscalation: false.*/runAsUser: 1000/' "$MANIFESTS/tutorial.yaml" > "$SA_WORK/bad.yaml"
  run cri check "$SA_WORK/bad.yaml"
  echo "$output"
  [ "$status" -eq 2 ]
  [[ "$output" == *"container test-container securityContext: unsupported fields ['runAsUser']"* ]]
}

@test "Kinvolk Kubernetes demo: mynotifypod's mkdir renamed after the pod, proc mounted, /bin/true delayed" {
  table kubernetes "$SA_ROOT/rules/kubernetes.yaml"
  pod "$MANIFESTS/mynotifypod.yaml" mynotifypod
  mynotifypod_emulated
  registered default/mynotifypod container1 kubernetes
  # The pause container carries the pod's profile too: containerd's
  # annotations name the pod and no container.
  grep -q "container registered container=\"\" id=$SANDBOX .* pod=default/mynotifypod policy=kubernetes " "$SA_AGENT_LOG"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "kubectl exec POD -- /bin/true, the execve made by runc's Go init, is delayed 2 s once" {
  table kubernetes "$SA_ROOT/rules/kubernetes.yaml"
  pod "$MANIFESTS/mynotifypod.yaml" mynotifypod
  local start=$SECONDS
  # The Go runtime's SIGURG restarts the waiting execve every 10 ms; each
  # restart keeps the first delay (before, each began it anew and ExecSync
  # timed out).
  run cri exec --timeout 20 "$CONTAINER" -- /bin/true
  echo "$output"
  [ "$status" -eq 0 ]
  [ $((SECONDS - start)) -ge 2 ]
}

@test "CRI-O notifier by pod annotation: stop stops the container 5 s after the last forbidden call" {
  table crio-notifier-by-annotation --base "$SA_ROOT/rules/base/containers-default.json" \
    "$SA_ROOT/rules/crio-notifier.yaml"
  pod "$MANIFESTS/crio-notifier.yaml" notifier-stop
  wait_exited "$CONTAINER" 30
  run cri status "$CONTAINER"
  echo "$output"
  [ "$(jq -r .exit_code <<< "$output")" -eq 137 ]
  run cri logs "$CONTAINER"
  echo "$output"
  [ "${lines[0]}" = "swapoff: /dev/null: Function not implemented" ]
  [[ "$output" == *survived* ]]
  [[ "$output" != *slept* ]]
  grep -q "Used forbidden syscalls: swapoff (2x), swapon (1x)" "$SA_AGENT_LOG"
  registered default/notifier-stop forbidden crio-notifier
}

@test "CRI-O notifier by pod annotation: another value only logs and counts" {
  table crio-notifier-by-annotation --base "$SA_ROOT/rules/base/containers-default.json" \
    "$SA_ROOT/rules/crio-notifier.yaml"
  pod "$MANIFESTS/crio-notifier.yaml" notifier-log
  logs_hold "$CONTAINER" survived
  run cri logs "$CONTAINER"
  [ "${lines[0]}" = "swapoff: /dev/null: Function not implemented" ]
  [ "$(grep "decision action=\"log, errno ENOSYS\"" "$SA_AGENT_LOG" | grep "id=$CONTAINER " |
        grep -c "syscall=swapoff")" -eq 2 ]
  ! grep -q "Used forbidden syscalls" "$SA_AGENT_LOG"
  [ "$(cri status "$CONTAINER" | jq -r .state)" = CONTAINER_RUNNING ]
  registered default/notifier-log forbidden crio-notifier
}

@test "a pod no policy selects gets the passthrough: the base profile's own answer" {
  table crio-notifier-by-annotation --base "$SA_ROOT/rules/base/containers-default.json" \
    "$SA_ROOT/rules/crio-notifier.yaml"
  pod "$MANIFESTS/crio-notifier.yaml" notifier-none
  logs_hold "$CONTAINER" survived
  run cri logs "$CONTAINER"
  echo "$output"
  grep -qx "swapoff: /dev/null: Operation not permitted" <<< "$output"
  ! grep -q "Function not implemented" <<< "$output"
  grep "no policy selects container" "$SA_AGENT_LOG" | grep -q "id=$CONTAINER"
}

@test "one pod name in two namespaces: each namespace's policy" {
  "$SA_BIN/seccomp-sim" test "$SA_ROOT/integration/fixtures/team-b.yaml"
  table by-namespace "$SA_ROOT/integration/fixtures/team-b.yaml" "$SA_ROOT/rules/kubernetes.yaml"
  nspod_by_namespace registered
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "tutorial audit.json under the intercepts: the pod runs, mkdir and chmod are the agent's" {
  table tutorial-audit --base "$TUTORIAL/audit.json" "$SA_ROOT/rules/demo-basic.yaml"
  pod "$MANIFESTS/tutorial.yaml" audit-pod
  logs_hold "$CONTAINER" done
  run cri logs "$CONTAINER"
  echo "$output"
  # ls writes to stdout and chmod to stderr: containerd logs the two pipes in
  # whichever order it reads them.
  grep -Eqx '/abc-pid-[0-9]+' <<< "$output"
  grep -qx "chmod: /: Bad message" <<< "$output"
  registered default/audit-pod test-container demo-basic
}

@test "tutorial violation.json under the intercepts: the container cannot start" {
  table tutorial-violation --base "$TUTORIAL/violation.json" "$SA_ROOT/rules/demo-basic.yaml"
  run cri run "$MANIFESTS/tutorial.yaml" --pod violation-pod
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *'failed to start containerd task'* ]]
  [[ "$output" != *started* ]]
}

@test "tutorial fine-grained.json under the intercepts: the pod runs, mkdir is the agent's" {
  sa_profile_with "$SA_WORK/fine-grained.json" "$TUTORIAL/fine-grained.json" \
    '.syscalls += [{"names": ["fstatfs", "getdents64", "wait4"], "action": "SCMP_ACT_ALLOW"}]'
  table tutorial-fine-grained --base "$SA_WORK/fine-grained.json" "$SA_ROOT/rules/demo-basic.yaml"
  pod "$MANIFESTS/tutorial.yaml" fine-pod
  logs_hold "$CONTAINER" made
  run cri logs "$CONTAINER"
  echo "$output"
  [ "${lines[0]}" = started ]
  grep -q "id=$CONTAINER .*syscall=mkdir" "$SA_AGENT_LOG"
  registered default/fine-pod test-container demo-basic
}

@test "the agent as its DaemonSet runs it (agent.yaml: privileged, hostPID, the socket on a hostPath) serves mynotifypod" {
  # The node's hostPath directories are under $SA_WORK/node (CRI_HOST_ROOT),
  # so the profiles name the socket where the host sees it.
  export CRI_HOST_ROOT=$SA_WORK/node
  local sock=$CRI_HOST_ROOT/run/seccomp-agent/seccomp-agent.socket
  sa_compile "$SA_WORK/out" --listener-path "$sock" "$SA_ROOT/rules/kubernetes.yaml"
  cp "$SA_WORK"/out/profiles/*.json "$CRI_SECCOMP_ROOT/seccomp-agent/"
  cri_agent_image "$SA_WORK" "$SA_BIN/seccomp-agent" "$SA_WORK/out/table.json"
  pod "$MANIFESTS/agent.yaml" seccomp-agent seccomp-agent
  local agent=$CONTAINER i
  for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  [ -S "$sock" ] || { cri logs "$agent"; false; }
  pod "$MANIFESTS/mynotifypod.yaml" mynotifypod
  mynotifypod_emulated
  run cri logs "$agent"
  echo "$output"
  # --log-format=json, as the DaemonSet runs it.
  grep '"event":"container registered"' <<< "$output" | grep "\"id\":\"$CONTAINER\"" |
    grep '"pod":"default/mynotifypod"' | grep -q '"container":"container1"'
}
