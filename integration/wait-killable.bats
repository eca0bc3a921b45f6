#!/usr/bin/env bats
# rulec --wait-killable-recv: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV in the
# profile's flags. crun 1.8 loads it and the agent serves the container as
# without it; runc 1.1.5 refuses every seccomp flag, which is why the flag is
# opt-in (docs/rules.md).

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" --wait-killable-recv \
    "$SA_ROOT/rules/demo-basic.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  jq -e '.flags == ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]' "$SA_WORK/out/profile.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    '["/bin/sh","-c","mkdir /abc; ls -1d /ab*; chmod 777 /"]'
  cd "$SA_WORK/bundle"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

@test "crun: the demo under a profile with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" {
  run sa_runtime_cmd crun run "sa-waitkill-crun-$$"
  echo "$output"
  [[ "${lines[0]}" == /abc-pid-* ]]
  [ "${lines[1]}" = "chmod: /: Bad message" ]
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "runc: 1.1 refuses the profile (it refuses every seccomp flag)" {
  run sa_runtime_cmd runc run "sa-waitkill-runc-$$"
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"seccomp flags are not yet supported by runc"* ]]
}
