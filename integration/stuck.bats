#!/usr/bin/env bats
# An emulation that never ends (issue 13, item 1), in real runc and crun
# containers served by one notification loop (--threads 1): a FUSE mount in
# a container's rootfs whose daemon never answers (the test holds /dev/fuse
# open and never reads it, so every request waits for INIT).
# - an emulated mkdir into it is answered ETIMEDOUT after
#   --emulation-timeout, while another container is served meanwhile;
# - SIGTERM ends the agent at once while a call is stuck, long before the
#   limit.
# Before, the other container waited for good, and so did SIGTERM.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" \
    "$SA_ROOT/integration/fixtures/credentials.yaml"
  FUSE_FD=
  FUSE_DIR=
  IDS=()
}

teardown() {
  abort_fuse
  local id
  for id in "${IDS[@]}"; do
    sa_runtime_cmd "$RT" delete -f "$id" > /dev/null 2>&1 || true
  done
  sa_stop_agent
  wait || true
  sa_teardown_workdir
}

# dead_fuse DIR: a FUSE mount at DIR that nobody serves.
dead_fuse() {
  exec {FUSE_FD}<> /dev/fuse
  mount -i -t fuse -o "fd=$FUSE_FD,rootmode=40000,user_id=0,group_id=0" dead "$1"
  FUSE_DIR=$1
}

# Closing the device aborts the connection: whatever waits gets ENOTCONN.
abort_fuse() {
  if [ -n "${FUSE_FD:-}" ]; then
    exec {FUSE_FD}>&-
    FUSE_FD=
  fi
  if [ -n "${FUSE_DIR:-}" ]; then
    umount -l "$FUSE_DIR" 2> /dev/null || true
    FUSE_DIR=
  fi
}

# bundle NAME SCRIPT: a bundle in $SA_WORK/NAME running SCRIPT.
bundle() {
  sa_make_bundle "$SA_WORK/$1" "$SA_WORK/out/profile.json" \
    "$(jq -cn --arg s "$2" '["/bin/sh","-c",$s]')"
}

# start_stuck: a container whose mkdir into the dead FUSE mount waits, in
# the background (output in $SA_WORK/stuck.out); returns once the agent
# has a thread waiting in the kernel.
start_stuck() {
  bundle stuck 'mkdir /fuse/x; echo "mkdir done"'
  mkdir "$SA_WORK/stuck/rootfs/fuse"
  dead_fuse "$SA_WORK/stuck/rootfs/fuse"
  IDS+=("sa-stuck-$RT-$$")
  # The runtime must not keep a copy of /dev/fuse: closing ours aborts.
  (
    exec {FUSE_FD}>&-
    cd "$SA_WORK/stuck" && sa_runtime_cmd "$RT" run "sa-stuck-$RT-$$"
  ) > "$SA_WORK/stuck.out" 2>&1 &
  local i
  for i in $(seq 300); do
    grep -qs '^State:.*D' /proc/"$SA_AGENT_PID"/task/*/status && return 0
    sleep 0.1
  done
  echo "no agent thread waits in FUSE" >&2
  cat "$SA_AGENT_LOG" >&2
  return 1
}

# run_within SECONDS NAME: runs bundle NAME to its end (sets status and
# output), or fails after SECONDS. In the background, so that a container
# nobody answers cannot hang the suite: teardown deletes it.
run_within() {
  local seconds=$1 name=$2 pid i
  IDS+=("sa-$name-$RT-$$")
  (
    exec {FUSE_FD}>&-
    cd "$SA_WORK/$name" && sa_runtime_cmd "$RT" run "sa-$name-$RT-$$"
  ) > "$SA_WORK/$name.out" 2>&1 &
  pid=$!
  for i in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "container $name did not end within $seconds s" >&2
    return 1
  fi
  status=0
  wait "$pid" || status=$?
  output=$(cat "$SA_WORK/$name.out")
  echo "$output"
}

others_are_served() {
  RT=$1
  sa_start_agent "$SA_WORK/out/table.json" --threads 1 --emulation-timeout 1000
  local threads
  threads=$(ls /proc/"$SA_AGENT_PID"/task | wc -l)
  start_stuck
  bundle other 'mkdir /tmp/made && echo made'
  run_within 60 other
  [ "$status" -eq 0 ]
  [ "$output" = made ]
  # The stuck call ends with the documented errno.
  local i
  for i in $(seq 600); do
    grep -q "mkdir done" "$SA_WORK/stuck.out" && break
    sleep 0.1
  done
  cat "$SA_WORK/stuck.out"
  grep -q "mkdir: can't create directory '/fuse/x': Connection timed out" "$SA_WORK/stuck.out"
  grep -q "emulation timed out" "$SA_AGENT_LOG"
  # Once the connection is aborted, the abandoned thread ends.
  abort_fuse
  for i in $(seq 100); do
    [ "$(ls /proc/"$SA_AGENT_PID"/task | wc -l)" -eq "$threads" ] && break
    sleep 0.1
  done
  [ "$(ls /proc/"$SA_AGENT_PID"/task | wc -l)" -eq "$threads" ]
}

sigterm_is_prompt() {
  RT=$1
  sa_start_agent "$SA_WORK/out/table.json" --threads 1 --emulation-timeout 600000
  start_stuck
  kill -TERM "$SA_AGENT_PID"
  local i
  for i in $(seq 100); do
    kill -0 "$SA_AGENT_PID" 2> /dev/null || break
    sleep 0.1
  done
  # Within 10 s, far under the limit; generous for a loaded machine.
  ! kill -0 "$SA_AGENT_PID" 2> /dev/null
  grep -q "agent stopped" "$SA_AGENT_LOG"
}

@test "runc: a stuck emulation holds up no other container, and ends with ETIMEDOUT" {
  others_are_served runc
}
@test "crun: a stuck emulation holds up no other container, and ends with ETIMEDOUT" {
  others_are_served crun
}
@test "runc: SIGTERM does not wait for a stuck emulation" { sigterm_is_prompt runc; }
@test "crun: SIGTERM does not wait for a stuck emulation" { sigterm_is_prompt crun; }
