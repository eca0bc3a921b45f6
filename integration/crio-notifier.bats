#!/usr/bin/env bats
# CRI-O's seccomp notifier, automatic (rules/crio-notifier.yaml): compiled over
# a base profile that denies chroot and swapoff, the policy - which names
# neither - sees both, per pod, by the annotation
# io.kubernetes.cri-o.seccompNotifierAction: `stop` stops the container five
# seconds after the last forbidden call, any other value only logs and
# counts, no annotation leaves the base's own answer (EPERM).

load lib/common

BASE=$BATS_TEST_DIRNAME/fixtures/base-denies-chroot-swapoff.json
SCRIPT='chroot /tmp; chroot /tmp; swapoff /dev/null; swapoff /dev/null; echo survived'

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" --base "$BASE" \
    "$SA_ROOT/rules/crio-notifier.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# run_with RUNTIME ANNOTATIONS_JSON [SLEEP]
run_with() {
  local rt=$1 annotations=$2 id="sa-crio-$1-$$-$BATS_TEST_NUMBER"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    "$(jq -cn --arg s "$SCRIPT${3:+; sleep $3; echo slept}" '["/bin/sh","-c",$s]')" \
    ".annotations = $annotations"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "$id"
  echo "$output"
}

# The policy's own text names neither syscall; the compiled table holds both.
names_neither() {
  ! grep -v '^ *#' "$SA_ROOT/rules/crio-notifier.yaml" | grep -q 'chroot\|swapoff'
  jq -e '.policies[0].syscalls | has("chroot") and has("swapoff")' "$SA_WORK/out/table.json"
}

stop() {
  local rt=$1
  names_neither
  run_with "$rt" '{"io.kubernetes.cri-o.seccompNotifierAction": "stop"}' 60
  [ "$status" -eq 137 ]
  [ "${lines[0]}" = "chroot: can't change root directory to '/tmp': Function not implemented" ]
  [[ "$output" == *survived* ]]
  [[ "$output" != *slept* ]]
  grep -q "Used forbidden syscalls: chroot (2x), swapoff (2x)" "$SA_AGENT_LOG"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

log_only() {
  local rt=$1
  run_with "$rt" '{"io.kubernetes.cri-o.seccompNotifierAction": "log"}'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "chroot: can't change root directory to '/tmp': Function not implemented" ]
  [[ "$output" == *survived* ]]
  [ "$(grep -c 'action="log, errno ENOSYS".*syscall=chroot' "$SA_AGENT_LOG")" -eq 2 ]
  ! grep -q "Used forbidden syscalls" "$SA_AGENT_LOG"
}

unannotated() {
  local rt=$1
  run_with "$rt" '{}'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "chroot: can't change root directory to '/tmp': Operation not permitted" ]
  [[ "$output" == *survived* ]]
  grep -q "no policy selects container" "$SA_AGENT_LOG"
}

@test "runc: seccompNotifierAction=stop stops the container after chroot and swapoff, which the policy does not name" {
  stop runc
}

@test "crun: seccompNotifierAction=stop stops the container after chroot and swapoff, which the policy does not name" {
  stop crun
}

@test "runc: any other seccompNotifierAction only logs and counts" {
  log_only runc
}

@test "crun: any other seccompNotifierAction only logs and counts" {
  log_only crun
}

@test "runc: without the annotation the base's own answer" {
  unannotated runc
}

@test "crun: without the annotation the base's own answer" {
  unannotated crun
}
