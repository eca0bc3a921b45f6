#!/usr/bin/env bats
# Scenario 6: failure paths. No agent: the runtime refuses to start the
# container with a clear error. The agent killed under a running container:
# notified syscalls fail with ENOSYS and the container lives on. An exec into
# a running container brings a second notify fd, and both are served. A
# container that exits leaves no fd behind in the agent.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/demo-basic.yaml"
}

teardown() {
  runc_cmd delete -f "sa-fail-runc-$$" >/dev/null 2>&1 || true
  crun_cmd delete -f "sa-fail-crun-$$" >/dev/null 2>&1 || true
  sa_stop_agent
  sa_teardown_workdir
}

bundle() {
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" "$(jq -cn --arg s "$1" '["/bin/sh","-c",$s]')"
}

# Starts a container in the background, its output in $SA_WORK/out.txt.
detached() {
  local rt=$1
  (cd "$SA_WORK/bundle" && sa_runtime_cmd "$rt" run -d "sa-fail-$rt-$$" > "$SA_WORK/out.txt" 2>&1 < /dev/null)
}

state() {
  sa_runtime_cmd "$1" state "sa-fail-$1-$$" | jq -r .status
}

no_agent() {
  local rt=$1
  bundle 'echo started'
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-fail-$rt-$$"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" != *started* ]]
  [[ "$output" == *"$SA_WORK/agent.sock"* ]]
}

agent_killed() {
  local rt=$1
  sa_start_agent "$SA_WORK/out/table.json"
  bundle 'i=0; while [ $i -lt 100 ]; do
      if mkdir /d$i 2>/tmp/err; then echo "$i made"; else echo "$i $(cat /tmp/err)"; fi
      i=$((i + 1)); sleep 0.1
    done'
  detached "$rt"
  sa_wait_for "$SA_WORK/out.txt" "made"
  kill -KILL "$SA_AGENT_PID"
  wait "$SA_AGENT_PID" 2>/dev/null || true
  SA_AGENT_PID=
  sa_wait_for "$SA_WORK/out.txt" "Function not implemented"
  cat "$SA_WORK/out.txt"
  [ "$(state "$rt")" = running ]
  sa_runtime_cmd "$rt" kill "sa-fail-$rt-$$" KILL
}

second_fd() {
  local rt=$1
  sa_start_agent "$SA_WORK/out/table.json"
  bundle 'while [ ! -e /go ]; do sleep 0.1; done; mkdir /from-init; echo init-done; sleep 60'
  detached "$rt"
  for _ in $(seq 100); do [ "$(state "$rt")" = running ] && break; sleep 0.1; done
  # The exec'd process gets a filter of its own: a second fd for the agent.
  run sa_runtime_cmd "$rt" exec "sa-fail-$rt-$$" /bin/sh -c 'mkdir /from-exec; touch /go'
  echo "$output"
  [ "$status" -eq 0 ]
  sa_wait_for "$SA_WORK/out.txt" init-done
  ls -d "$SA_WORK"/bundle/rootfs/from-exec-pid-* "$SA_WORK"/bundle/rootfs/from-init-pid-*
  [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq 2 ]
  grep 'container registered' "$SA_AGENT_LOG" | grep -q status=running
  sa_runtime_cmd "$rt" kill "sa-fail-$rt-$$" KILL
  sa_stop_agent
  run sa_replay_check
  [ "$status" -eq 0 ]
}

no_fd_left() {
  local rt=$1
  sa_start_agent "$SA_WORK/out/table.json"
  local baseline i
  baseline=$(sa_agent_fds)
  bundle 'mkdir /abc'
  for i in 1 2 3; do
    (cd "$SA_WORK/bundle" && sa_runtime_cmd "$rt" run "sa-fail-$rt-$$")
  done
  for _ in $(seq 50); do [ "$(sa_agent_fds)" -eq "$baseline" ] && break; sleep 0.1; done
  [ "$(sa_agent_fds)" -eq "$baseline" ]
  [ "$(grep -c 'container gone' "$SA_AGENT_LOG")" -eq 3 ]
}

@test "runc: no agent listening, the container does not start" { no_agent runc; }
@test "crun: no agent listening, the container does not start" { no_agent crun; }
@test "runc: agent killed, notified syscalls fail with ENOSYS, the container survives" { agent_killed runc; }
@test "crun: agent killed, notified syscalls fail with ENOSYS, the container survives" { agent_killed crun; }
@test "runc: exec brings a second fd, both are served" { second_fd runc; }
@test "crun: exec brings a second fd, both are served" { second_fd crun; }
@test "runc: a container that exits leaves no fd behind" { no_fd_left runc; }
@test "crun: a container that exits leaves no fd behind" { no_fd_left crun; }
