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
  # Three lines, in any order: chmod's message (stderr) has been seen ahead
  # of ls's output (stdout) about once in 25 runs.
  [ "${#lines[@]}" -eq 3 ]
  printf '%s\n' "${lines[@]}" | grep -qx /root/self/cmdline
  printf '%s\n' "${lines[@]}" | grep -qxE '/abc-pid-[0-9]+'
  printf '%s\n' "${lines[@]}" | grep -qx "chmod: /: Bad message"
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

# A path is bytes: a name that is not UTF-8 is emulated like any other, the
# agent keeps running (recording such a record used to throw and take it
# down), and the trace carries the bytes and replays.
not_utf8() {
  local rt=$1
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" '["/bin/sh","/not-utf8.sh"]'
  printf '%s\n' 'mkdir "$(printf "/tmp/\377\376")" && for f in /tmp/*; do printf %s "$f" | od -An -tx1; done | tr -d " \n"' \
    > "$SA_WORK/bundle/rootfs/not-utf8.sh"
  mkdir -p "$SA_WORK/bundle/rootfs/tmp"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-bytes-$rt-$$"
  echo "$output"
  [ "$status" -eq 0 ]
  # "/tmp/", ff fe, "-pid-", digits (busybox ls shows such bytes as '?')
  [[ "$output" =~ ^2f746d702ffffe2d7069642d(3[0-9])+$ ]]
  kill -0 "$SA_AGENT_PID"
  grep -q '"bytes":"2f746d702ffffe"' "$SA_TRACE"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "runc: a path that is not UTF-8 is emulated, recorded as bytes, and replays" {
  not_utf8 runc
}

@test "crun: a path that is not UTF-8 is emulated, recorded as bytes, and replays" {
  not_utf8 crun
}
