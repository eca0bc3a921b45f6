#!/usr/bin/env bats
# Scenario 4: CRI-O's seccomp notifier (seed 003). Forbidden syscalls fail
# with ENOSYS, are logged and counted, and the container is stopped five
# seconds after the last one, with the report
#   Used forbidden syscalls: chroot (2x), swapoff (2x)
# which the metrics endpoint also carries, as CRI-O's does.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/notifier.yaml"
  sa_start_agent "$SA_WORK/out/table.json" --metrics 127.0.0.1:0
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

stopped() {
  local rt=$1 id="sa-notifier-$1-$$"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    '["/bin/sh","-c","chroot /tmp; chroot /tmp; swapoff /dev/null; swapoff /dev/null; sleep 60; echo survived"]'
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "$id"
  echo "$output"
  # SIGKILL from the agent, five seconds after the last forbidden call.
  [ "$status" -eq 137 ]
  [ "${lines[0]}" = "chroot: can't change root directory to '/tmp': Function not implemented" ]
  [ "${lines[1]}" = "chroot: can't change root directory to '/tmp': Function not implemented" ]
  [[ "${lines[2]}" == *"Function not implemented" ]]
  [[ "$output" != *survived* ]]
  grep -q "Used forbidden syscalls: chroot (2x), swapoff (2x)" "$SA_AGENT_LOG"
  run sa_metrics
  echo "$output"
  [[ "$output" == *"seccomp_agent_containers_stopped_total{name=\"$id\",syscalls=\"chroot (2x), swapoff (2x)\"} 1"* ]]
  [[ "$output" == *'seccomp_agent_notifications_total{policy="notifier",syscall="chroot",action="errno",origin="rule"} 2'* ]]
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "runc: chroot twice, swapoff twice, then the container is stopped" {
  stopped runc
}

@test "crun: chroot twice, swapoff twice, then the container is stopped" {
  stopped crun
}
