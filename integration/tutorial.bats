#!/usr/bin/env bats
# Scenario 5: the Kubernetes tutorial's profiles (seed 004) as the base the
# intercepts are layered over (rulec --base). violation.json denies every
# syscall: the container cannot even start. fine-grained.json allows what
# the tutorial's http-echo needs: the container runs, and the intercepted
# mkdir is still the agent's. audit.json allows and logs everything.
#
# Found here: with a notify action in the profile, runc 1.1.5 and crun 1.8.1
# load the filter before their last init steps (they must hand the notify fd
# over first), so those steps run under it: runc needs fstatfs and getdents64
# (its /proc/self/fd checks), crun wait4 (its listener helper). The tutorial's
# profile, written for a filter loaded just before execve, lacks them; the
# test adds exactly these three to it.

load lib/common

FIXTURES=$SA_ROOT/compiler/profile/tests/fixtures

setup() {
  sa_setup_workdir
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# layered RUNTIME BASE SCRIPT
layered() {
  local rt=$1 base=$2 script=$3
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" --base "$base" \
    "$SA_ROOT/rules/demo-basic.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" "$(jq -cn --arg s "$script" '["/bin/sh","-c",$s]')"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-tutorial-$rt-$$-$BATS_TEST_NUMBER"
  echo "$output"
}

violation() {
  layered "$1" "$FIXTURES/violation.json" 'echo started'
  [ "$status" -ne 0 ]
  [[ "$output" != *started* ]]
}

fine_grained() {
  # busybox's sh, echo and mkdir get by with http-echo's syscalls.
  sa_profile_with "$SA_WORK/fine-grained.json" "$FIXTURES/fine-grained.json" \
    '.syscalls += [{"names": ["fstatfs", "getdents64", "wait4"], "action": "SCMP_ACT_ALLOW"}]'
  layered "$1" "$SA_WORK/fine-grained.json" 'echo started; mkdir /abc; echo made'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = started ]
  [ "${lines[1]}" = made ]
  ls -d "$SA_WORK"/bundle/rootfs/abc-pid-* >/dev/null
  sa_stop_agent
  run sa_replay_check
  [ "$status" -eq 0 ]
}

audit() {
  layered "$1" "$FIXTURES/audit.json" 'mkdir /abc; ls -1d /ab*; chmod 777 /'
  [ "$status" -ne 0 ]  # chmod fails, as the policy says
  [[ "${lines[0]}" =~ ^/abc-pid-[0-9]+$ ]]
  [ "${lines[1]}" = "chmod: /: Bad message" ]
}

@test "runc: violation.json as base, the container fails to start" { violation runc; }
@test "crun: violation.json as base, the container fails to start" { violation crun; }
@test "runc: fine-grained.json plus the intercepts, the container runs" { fine_grained runc; }
@test "crun: fine-grained.json plus the intercepts, the container runs" { fine_grained crun; }
@test "runc: audit.json as base, the container runs" { audit runc; }
@test "crun: audit.json as base, the container runs" { audit crun; }
