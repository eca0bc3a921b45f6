#!/usr/bin/env bats
# Kinvolk's listenerMetadata keys alone and combined, with Kinvolk's own
# profiles left as they are (but for the socket): rules/kinvolk-compat.yaml
# is selected by any of its keys, not only next to MKDIR_TMPL.
#   fixtures/kinvolk-userns-notify.json      seed 000, "Combining with user
#                                            namespaces": MOUNT_OTHER_FS_LIST=cifs,
#                                            MOUNT_NEED_CAP_ADMIN=true
#   fixtures/kinvolk-notify-dangerous.json   kinvolk/seccompagent
#                                            docs/profiles/notify-dangerous.json:
#                                            DEFAULT_ACTION=kill-container, MIDDLEWARE=falco

load lib/common

USERNS='.linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
SYS_ADMIN='.process.capabilities.bounding += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.effective += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.permitted += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]'

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/kinvolk-compat.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  if [ -n "${SA_CID:-}" ]; then
    thaw "$SA_CID"
    runc kill "$SA_CID" KILL 2>/dev/null || true
    runc delete -f "$SA_CID" 2>/dev/null || true
  fi
  sa_stop_agent
  sa_teardown_workdir
}

# fixture FILE [JQ_FILTER]: a Kinvolk profile with this test's socket.
fixture() {
  sa_profile_with "$SA_WORK/kinvolk.json" "$BATS_TEST_DIRNAME/fixtures/$1" \
    ".listenerPath = \"$SA_WORK/agent.sock\" | ${2:-.}"
}

# in_container RUNTIME JQ_FILTER SCRIPT: runs SCRIPT under $SA_WORK/kinvolk.json.
in_container() {
  local rt=$1 filter=$2 script=$3
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/kinvolk.json" \
    "$(jq -cn --arg s "$script" '["/bin/sh","-c",$s]')" "$filter"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-kinvolk-$rt-$$-$BATS_TEST_NUMBER"
  echo "$output"
}

replay_agrees() {
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The seed's profile verbatim: cifs goes to the agent, which mounts it for
# root with CAP_SYS_ADMIN in the container's user namespace (this kernel has
# no cifs, so the kernel answers ENODEV through the agent, where it answers
# EPERM to the container itself) and refuses nobody.
userns_cifs() {
  local rt=$1
  fixture kinvolk-userns-notify.json
  in_container "$rt" "$USERNS | $SYS_ADMIN" '
    mount -t cifs -o username=user,password=pass //10.0.0.1/C /mnt
    su -s /bin/sh nobody -c "mount -t cifs -o username=user,password=pass //10.0.0.1/C /mnt"
    true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "mount: mounting //10.0.0.1/C on /mnt failed: No such device" ]
  [ "${lines[1]}" = "mount: permission denied (are you root?)" ]
  grep -q '"rule":"kinvolk-compat#' "$SA_TRACE"
  grep -q '"origin":"requirement"' "$SA_TRACE"
  replay_agrees
}

@test "runc: the seed's user-namespace profile alone (MOUNT_OTHER_FS_LIST=cifs, MOUNT_NEED_CAP_ADMIN)" {
  userns_cifs runc
}

@test "crun: the seed's user-namespace profile alone (MOUNT_OTHER_FS_LIST=cifs, MOUNT_NEED_CAP_ADMIN)" {
  userns_cifs crun
}

# Kinvolk's notify-dangerous profile verbatim: DEFAULT_ACTION=kill-container
# (with MIDDLEWARE=falco). The first dangerous call is answered EPERM after
# the container's init was killed: nothing after it runs.
kill_container() {
  local rt=$1
  fixture kinvolk-notify-dangerous.json
  in_container "$rt" . 'echo before; unshare -U true; echo survived; sleep 5'
  [ "$status" -eq 137 ]
  [ "${lines[0]}" = before ]
  [[ "$output" != *survived* ]]
  grep -q 'container stopped' "$SA_AGENT_LOG"
  grep -q 'Used forbidden syscalls: unshare (1x)' "$SA_AGENT_LOG"
  replay_agrees
}

@test "runc: DEFAULT_ACTION=kill-container alone (Kinvolk's notify-dangerous profile)" {
  kill_container runc
}

@test "crun: DEFAULT_ACTION=kill-container alone (Kinvolk's notify-dangerous profile)" {
  kill_container crun
}

# MKDIR_TMPL and DEFAULT_ACTION together: mkdir is renamed, chmod (notified,
# no handler of its own) kills the container.
mkdir_and_kill() {
  local rt=$1
  fixture kinvolk-notify-dangerous.json \
    '.listenerMetadata = "MKDIR_TMPL=-kinvolk\nDEFAULT_ACTION=kill-container"
     | .syscalls[0].names += ["mkdir", "chmod"]'
  in_container "$rt" . 'mkdir /abc; ls -1d /abc*; chmod 777 /; echo survived'
  [ "$status" -eq 137 ]
  [ "${lines[0]}" = /abc-kinvolk ]
  [[ "$output" != *survived* ]]
  replay_agrees
}

@test "runc: MKDIR_TMPL with DEFAULT_ACTION=kill-container" {
  mkdir_and_kill runc
}

@test "crun: MKDIR_TMPL with DEFAULT_ACTION=kill-container" {
  mkdir_and_kill crun
}

thaw() {
  local pid
  pid=$(runc state "$1" 2>/dev/null | jq -r .pid) || return 0
  [ -n "$pid" ] && [ "$pid" != null ] || return 0
  local path
  path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null) || return 0
  [ -n "$path" ] && [ "$path" != / ] || return 0
  echo 0 > "/sys/fs/cgroup/unified$path/cgroup.freeze" 2>/dev/null || true
}

# DEFAULT_ACTION=freeze-container under runc: runc gives the container a
# cgroup of its own in the unified hierarchy, which the agent freezes.
@test "runc: DEFAULT_ACTION=freeze-container freezes the container's cgroup" {
  fixture kinvolk-notify-dangerous.json '.listenerMetadata = "DEFAULT_ACTION=freeze-container"'
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/kinvolk.json" \
    '["/bin/sh","-c","echo before; unshare -U true; echo after"]'
  cd "$SA_WORK/bundle"
  SA_CID="sa-kinvolk-freeze-$$"
  runc run -d "$SA_CID" > "$SA_WORK/out.log" 2>&1
  sa_wait_for "$SA_AGENT_LOG" "container frozen"
  grep "container frozen" "$SA_AGENT_LOG" | grep -q 'result=frozen'
  local pid path
  pid=$(runc state "$SA_CID" | jq -r .pid)
  path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  [ "$path" != / ]
  grep -qx "frozen 1" "/sys/fs/cgroup/unified$path/cgroup.events"
  sleep 0.5
  cat "$SA_WORK/out.log"
  [ "$(cat "$SA_WORK/out.log")" = before ]
}

# crun here runs with --cgroup-manager=disabled: the container stays in its
# caller's cgroup (the root one), which the agent refuses to freeze. The call
# still fails with EPERM, as Kinvolk's agent answers when it cannot freeze.
@test "crun: DEFAULT_ACTION=freeze-container refuses the cgroup crun shares with its caller" {
  fixture kinvolk-notify-dangerous.json '.listenerMetadata = "DEFAULT_ACTION=freeze-container"'
  in_container crun . 'echo before; unshare -U true; echo "after $?"'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = before ]
  [[ "$output" == *"unshare: unshare(0x10000000): Operation not permitted"* ]]
  [[ "$output" == *"after 1"* ]]
  grep "container frozen" "$SA_AGENT_LOG" | grep -q "refused"
  replay_agrees
}

# SIDECARS=istio-proxy,linkerd-proxy SIDECARS_DELAY=2s (Kinvolk's
# ExecSidecars): the init of a container that is not a sidecar may execve
# only once it has lived 2 s, so that the sidecars start first; a sidecar's
# init is not held back, nor is anything an init starts. The shell, which
# is the init, prints its own age when it runs: its start time in
# /proc/1/stat against /proc/uptime, in hundredths of a second (awk, its
# child, execs without a delay). The agent's recording replays the same:
# the delay decided is the rest of 2 s after the age it recorded.
sidecars() {
  local rt=$1 name=$2
  fixture kinvolk-k8s-notify.json \
    '.listenerMetadata = "SIDECARS=istio-proxy,linkerd-proxy\nSIDECARS_DELAY=2s"
     | .syscalls[0].names += ["execve"]'
  in_container "$rt" ".annotations = {\"io.kubernetes.cri.sandbox-namespace\": \"default\",
                                     \"io.kubernetes.cri.sandbox-name\": \"mypod\",
                                     \"io.kubernetes.cri.container-name\": \"$name\"}" '
    start=$(cut -d" " -f22 /proc/1/stat)
    now=$(cut -d" " -f1 /proc/uptime | tr -d .)
    echo "age $((now - start))"
    /bin/true && echo child ran'
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "child ran" ]
  AGE=${lines[0]#age }
  # The init's own execve, and the children's.
  jq -c 'select(.syscall == "execve") | {pid, delay: .decision.delay_ms, age: .caller.age_ms}' \
    "$SA_TRACE" > "$SA_WORK/execve.jsonl"
  cat "$SA_WORK/execve.jsonl"
  # The init's exec of sh, then its children's (busybox may run some
  # applets without an exec, /bin/true at least is one).
  [ "$(wc -l < "$SA_WORK/execve.jsonl")" -ge 2 ]
  replay_agrees
}

# Every delayed execve is the init's, each for the rest of the 2 s. Under
# runc there are many: runc's init is a Go program, whose runtime signals
# its threads (preemption), and each signal interrupts the waiting execve,
# which the kernel restarts as a new notification; a delay counted from the
# caller's start, not from the call, is what lets it end (crun's init is C:
# one notification).
held_back() {
  # 2 s, less the rounding of start times to clock ticks (10 ms each way).
  [ "$AGE" -ge 195 ]
  jq -se '[.[] | select(.delay != null)]
          | length >= 1 and (map(.pid) | unique | length == 1)
            and all(.delay + .age >= 1990 and .delay + .age <= 2000)' "$SA_WORK/execve.jsonl"
}

@test "runc: SIDECARS holds another container's init back until it has lived SIDECARS_DELAY" {
  sidecars runc app
  held_back
}

@test "crun: SIDECARS holds another container's init back until it has lived SIDECARS_DELAY" {
  sidecars crun app
  held_back
  [ "$(jq -s '[.[] | select(.delay != null)] | length' "$SA_WORK/execve.jsonl")" -eq 1 ]
}

@test "runc: SIDECARS lets a sidecar's init run at once" {
  sidecars runc linkerd-proxy
  [ "$(jq -s '[.[] | select(.delay != null)] | length' "$SA_WORK/execve.jsonl")" -eq 0 ]
}

@test "crun: SIDECARS lets a sidecar's init run at once" {
  sidecars crun linkerd-proxy
  [ "$(jq -s '[.[] | select(.delay != null)] | length' "$SA_WORK/execve.jsonl")" -eq 0 ]
}
