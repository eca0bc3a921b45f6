#!/usr/bin/env bats
# Scenario 1: the Kinvolk Seccomp Agent's basic demo (seed 000), in real runc
# and crun containers without CAP_SYS_ADMIN, served by seccomp-agent with
# rules/demo-basic.yaml:
#   / # mount -t proc proc root; ls /root/self/cmdline   -> /root/self/cmdline
#   / # mkdir /abc; ls -1d /ab*                           -> /abc-pid-<pid>
#   / # chmod 777 /                                       -> chmod: /: Bad message

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/demo-basic.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

demo() {
  local rt=$1
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    '["/bin/sh","-c","mount -t proc proc root && ls /root/self/cmdline; mkdir /abc; ls -1d /ab*; chmod 777 /"]'
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-demo-$rt-$$"
  echo "$output"
  [ "${lines[0]}" = /root/self/cmdline ]
  [[ "${lines[1]}" =~ ^/abc-pid-[0-9]+$ ]]
  [ "${lines[2]}" = "chmod: /: Bad message" ]
  # No CAP_SYS_ADMIN in the container: the mount was the agent's doing.
  grep -q '"rule":"demo-basic#1"' "$SA_TRACE"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "runc: mount proc, renamed mkdir, chmod fails with EBADMSG" {
  demo runc
}

@test "crun: mount proc, renamed mkdir, chmod fails with EBADMSG" {
  demo crun
}
