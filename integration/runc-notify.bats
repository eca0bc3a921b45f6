#!/usr/bin/env bats
# runc's own seccomp-notify cases (opencontainers/runc,
# tests/integration/seccomp-notify.bats), replayed against seccomp-agent
# serving rules/runc-reference.yaml (runc's reference agent as a policy), with
# runc's hand-written profiles as they are: only listenerPath names this
# agent's socket, as runc's suite names its own agent's. Each case runs under
# runc and crun, and the agent's recording is replayed through seccomp-sim.
#
#   mkdir /dev/shm/foo && stat /dev/shm/foo-bar      noNewPrivileges false, true
#   the same through `exec` into a running container  noNewPrivileges false, true
#   /bin/true with execve, openat, open, read, close, fcntl notified (the
#   runtime's own calls after the filter is loaded)    noNewPrivileges false, true
#   chmod 777 /dev/shm/foo                            -> No medium found
#   runc's example config (tests/cmd/seccompagent/gen-seccomp-example-cfg.sh)
#   the agent killed while the container sleeps       -> mkdir: Function not implemented
#
# runc's other cases test the runtime alone (a listenerPath without notify
# actions, an empty or wrong listenerPath, write notified, a startContainer
# hook's fds, an old kernel); "no agent listening" is in failures.bats, and
# SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not replayed here.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" \
    "$SA_ROOT/rules/runc-reference.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  local rt
  for rt in runc crun; do
    sa_runtime_cmd "$rt" delete -f "$(name "$rt")" >/dev/null 2>&1 || true
  done
  sa_stop_agent
  sa_teardown_workdir
}

name() {
  echo "sa-runc-notify-$1-$$"
}

# runc's scmp_act_notify_template: $1 the command, $2 noNewPrivileges, $3 the
# notified syscalls as JSON strings ('"mkdir"', '"chmod", "fchmod"').
scmp_act_notify_template() {
  jq -n --arg listener "$SA_WORK/agent.sock" --argjson names "[$3]" '{
      "defaultAction": "SCMP_ACT_ALLOW",
      "listenerPath": $listener,
      "listenerMetadata": "bar",
      "architectures": [ "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64" ],
      "syscalls": [{ "names": $names, "action": "SCMP_ACT_NOTIFY" }]
    }' > "$SA_WORK/profile.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/profile.json" \
    "$(jq -cn --arg s "$1" '["/bin/sh", "-c", $s]')" ".process.noNewPrivileges = $2"
}

# The container in the foreground, given up after 60 s: a syscall left
# unanswered is a failure, not a hung suite.
run_container() {
  local rt=$1
  cd "$SA_WORK/bundle"
  run timeout 60 bash -c "$(declare -f runc_cmd crun_cmd sa_runtime_cmd)"'
    sa_runtime_cmd "$1" run "$2"' _ "$rt" "$(name "$rt")"
  echo "$output"
}

# Every decision the agent recorded re-decides the same in the simulator.
replay_matches() {
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

mkdir_renamed() {
  local rt=$1 nnp=$2
  scmp_act_notify_template "mkdir /dev/shm/foo && stat /dev/shm/foo-bar" "$nnp" '"mkdir"'
  run_container "$rt"
  [ "$status" -eq 0 ]
  grep -q '"rule":"runc-reference#2"' "$SA_TRACE"
  replay_matches
}

exec_mkdir_renamed() {
  local rt=$1 nnp=$2
  scmp_act_notify_template "sleep infinity" "$nnp" '"mkdir"'
  (cd "$SA_WORK/bundle" &&
    sa_runtime_cmd "$rt" run -d "$(name "$rt")" > "$SA_WORK/out.txt" 2>&1 < /dev/null)
  run sa_runtime_cmd "$rt" exec "$(name "$rt")" /bin/sh -c "mkdir /dev/shm/foo && stat /dev/shm/foo-bar"
  echo "$output"
  [ "$status" -eq 0 ]
  sa_runtime_cmd "$rt" kill "$(name "$rt")" KILL
  replay_matches
}

important_syscalls() {
  local rt=$1 nnp=$2
  scmp_act_notify_template "/bin/true" "$nnp" '"execve","openat","open","read","close","fcntl"'
  run_container "$rt"
  [ "$status" -eq 0 ]
  # No rule names them: the policy default (continue) answered, and the
  # agent said so once per container and syscall.
  grep -q '"syscall":"execve".*"origin":"unnamed-syscall"' "$SA_TRACE"
  local warned
  warned=$(grep 'syscall without a rule' "$SA_AGENT_LOG" | grep -o ' syscall=[a-z0-9_]*' | sort)
  echo "warned: $warned"
  [[ "$warned" == *"syscall=execve"* ]]
  [ -z "$(uniq -d <<< "$warned")" ]
  replay_matches
}

chmod_enomedium() {
  local rt=$1
  scmp_act_notify_template "touch /dev/shm/foo && chmod 777 /dev/shm/foo" false \
    '"chmod", "fchmod", "fchmodat"'
  run_container "$rt"
  [ "$status" -ne 0 ]
  [[ "$output" == *"chmod:"*"/dev/shm/foo"*"No medium found"* ]]
  replay_matches
}

# runc's tests/cmd/seccompagent/gen-seccomp-example-cfg.sh, then
# listenerPath set to the agent's socket as runc's own test does.
example_config() {
  local rt=$1
  jq -n --arg listener "$SA_WORK/agent.sock" '{
      "defaultAction": "SCMP_ACT_ALLOW",
      "listenerPath": "/run/seccomp-agent.socket",
      "listenerMetadata": "foo",
      "architectures": [ "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64" ],
      "syscalls": [
        {
          "names": [ "chmod", "fchmod", "fchmodat", "mkdir" ],
          "action": "SCMP_ACT_NOTIFY"
        }
      ]
    } | .listenerPath = $listener' > "$SA_WORK/profile.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/profile.json" '[
      "sh",
      "-c",
      "set -x; cd /dev/shm; mkdir test-dir; touch test-file; chmod 777 test-file; stat /dev/shm/test-dir-foo && ls -l /dev/shm && echo \"Note the agent added a suffix for the directory name and chmod fails\" "
    ]'
  run_container "$rt"
  [ "$status" -eq 0 ]
  [[ "$output" == *"chmod:"*"test-file"*"No medium found"* ]]
  [[ "$output" == *"test-dir-foo"* ]]
  replay_matches
}

agent_killed() {
  local rt=$1
  scmp_act_notify_template "sleep 4 && mkdir /dev/shm/foo" false '"mkdir"'
  (sleep 2 && kill -KILL "$SA_AGENT_PID") &
  local killer=$!
  run_container "$rt"
  wait "$killer"
  wait "$SA_AGENT_PID" 2>/dev/null || true
  SA_AGENT_PID=
  [ "$status" -ne 0 ]
  [ "$status" -ne 124 ]  # not timeout's: the container was answered, not left hanging
  [[ "$output" == *"mkdir:"*"/dev/shm/foo"*"Function not implemented"* ]]
}

@test "runc: mkdir is renamed PATH-METADATA (noNewPrivileges false)" { mkdir_renamed runc false; }
@test "crun: mkdir is renamed PATH-METADATA (noNewPrivileges false)" { mkdir_renamed crun false; }
@test "runc: mkdir is renamed PATH-METADATA (noNewPrivileges true)" { mkdir_renamed runc true; }
@test "crun: mkdir is renamed PATH-METADATA (noNewPrivileges true)" { mkdir_renamed crun true; }
@test "runc: exec into a running container (noNewPrivileges false)" { exec_mkdir_renamed runc false; }
@test "crun: exec into a running container (noNewPrivileges false)" { exec_mkdir_renamed crun false; }
@test "runc: exec into a running container (noNewPrivileges true)" { exec_mkdir_renamed runc true; }
@test "crun: exec into a running container (noNewPrivileges true)" { exec_mkdir_renamed crun true; }
@test "runc: important syscalls notified get the default (noNewPrivileges false)" { important_syscalls runc false; }
@test "crun: important syscalls notified get the default (noNewPrivileges false)" { important_syscalls crun false; }
@test "runc: important syscalls notified get the default (noNewPrivileges true)" { important_syscalls runc true; }
@test "crun: important syscalls notified get the default (noNewPrivileges true)" { important_syscalls crun true; }
@test "runc: chmod fails with ENOMEDIUM" { chmod_enomedium runc; }
@test "crun: chmod fails with ENOMEDIUM" { chmod_enomedium crun; }
@test "runc: runc's example config" { example_config runc; }
@test "crun: runc's example config" { example_config crun; }
@test "runc: the agent killed mid-run, the container sees ENOSYS" { agent_killed runc; }
@test "crun: the agent killed mid-run, the container sees ENOSYS" { agent_killed crun; }
