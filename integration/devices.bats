#!/usr/bin/env bats
# Device nodes in real runc and crun containers without CAP_MKNOD, served by
# seccomp-agent with rules/devices.yaml (issue 15):
#   / # mknod /tmp/null c 1 3     -> made, and usable
#   / # mknod /tmp/sda b 8 0      -> Operation not permitted (not on the list)
#   / # mknod /tmp/mem c 1 1      -> Operation not permitted (not on the list)
#   / # mknod /tmp/fifo p         -> made by the kernel (no privilege needed)
# and without the agent, the container is refused /dev/null's device.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/devices.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

readonly SCRIPT='
mknod /tmp/null c 1 3 && stat -c "%F %t:%T %a" /tmp/null && echo hello > /tmp/null && echo wrote
mknod /tmp/sda b 8 0 || echo sda refused
mknod /tmp/mem c 1 1 || echo mem refused
mknod /tmp/fifo p && stat -c "%F" /tmp/fifo'

devices() {
  local rt=$1 profile=$2
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SCRIPT" '["/bin/sh","-c",$s]')"
  mkdir -p "$SA_WORK/bundle/rootfs/tmp"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-devices-$rt-$$"
  echo "$output"
}

served() {
  devices "$1" "$SA_WORK/out/profile.json"
  [ "$status" -eq 0 ]
  printf '%s\n' "${lines[@]}" | grep -qx "character special file 1:3 644"
  printf '%s\n' "${lines[@]}" | grep -qx "wrote"
  printf '%s\n' "${lines[@]}" | grep -qx "mknod: /tmp/sda: Operation not permitted"
  printf '%s\n' "${lines[@]}" | grep -qx "sda refused"
  printf '%s\n' "${lines[@]}" | grep -qx "mem refused"
  printf '%s\n' "${lines[@]}" | grep -qx "fifo"
  # The node is the agent's doing, made as the container's root.
  grep -q '"rule":"devices#1"' "$SA_TRACE"
  [ "$(stat -c '%F %t:%T %u' "$SA_WORK/bundle/rootfs/tmp/null")" = "character special file 1:3 0" ]
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The same container with a profile that does not notify mknod: the kernel
# refuses the device, as it does without CAP_MKNOD.
unserved() {
  jq '.syscalls |= map(select((.names | index("mknod") | not) and (.names | index("mknodat") | not)))' \
    "$SA_WORK/out/profile.json" > "$SA_WORK/plain.json"
  devices "$1" "$SA_WORK/plain.json"
  printf '%s\n' "${lines[@]}" | grep -qx "mknod: /tmp/null: Operation not permitted"
}

@test "runc: an allowed device is made for the container, others refused, a FIFO left to the kernel" {
  served runc
}

@test "crun: an allowed device is made for the container, others refused, a FIFO left to the kernel" {
  served crun
}

@test "runc: without the agent, the same mknod is refused" {
  unserved runc
}

@test "crun: without the agent, the same mknod is refused" {
  unserved crun
}
