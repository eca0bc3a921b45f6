#!/usr/bin/env bats
# Opens in real runc and crun containers served by seccomp-agent with
# rules/data-only.yaml (issue 15): the agent opens files under /data inside
# the container as the caller and installs them with
# SECCOMP_IOCTL_NOTIF_ADDFD; everything else is refused.
#   / # echo hello > /data/note      -> made by the agent (umask 027: 0640)
#   / # cat /data/note               -> hello
#   / # ls /data                     -> a directory, opened by the agent
#   / # cat /etc/passwd              -> Permission denied (not under /data)
#   / # cat /data/../etc/passwd      -> Permission denied (a ".." out of /data)
#   / # cat /data/pipe               -> Operation not permitted (a FIFO; the agent never blocks)
#   / # cat /data/null               -> Operation not permitted (a device node)
# and without the agent, /etc/passwd opens.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/data-only.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

readonly SCRIPT='
umask 027
echo hello > /data/note && echo wrote
cat /data/note
stat -c "note %a %u" /data/note
ls /data | tr "\n" " " && echo
echo again >> /data/note && cat /data/note | tr "\n" " " && echo
cat /etc/passwd || echo passwd refused
cat /data/../etc/passwd || echo dotdot refused
cat /data/pipe || echo fifo refused
cat /data/null || echo device refused
cat /data/missing || echo missing refused
echo done'

opens() {
  local rt=$1 profile=$2
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SCRIPT" '["/bin/sh","-c",$s]')"
  mkdir -p "$SA_WORK/bundle/rootfs/data"
  rm -f "$SA_WORK/bundle/rootfs/data/"*
  mkfifo "$SA_WORK/bundle/rootfs/data/pipe"
  mknod "$SA_WORK/bundle/rootfs/data/null" c 1 3
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-open-$rt-$$"
  echo "$output"
}

has_line() {
  printf '%s\n' "${lines[@]}" | grep -qx -- "$1"
}

served() {
  opens "$1" "$SA_WORK/out/profile.json"
  [ "$status" -eq 0 ]
  has_line "wrote"
  has_line "hello"
  has_line "note 640 0"
  has_line "note null pipe "
  has_line "hello again "
  has_line "cat: can't open '/etc/passwd': Permission denied"
  has_line "passwd refused"
  has_line "dotdot refused"
  has_line "cat: can't open '/data/pipe': Operation not permitted"
  has_line "fifo refused"
  has_line "cat: can't open '/data/null': Operation not permitted"
  has_line "device refused"
  has_line "cat: can't open '/data/missing': No such file or directory"
  has_line "done"
  # The file is the agent's doing, made as the container's root.
  grep -q '"rule":"data-only#2"' "$SA_TRACE"
  [ "$(stat -c '%a %u' "$SA_WORK/bundle/rootfs/data/note")" = "640 0" ]
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The same container with a profile that does not notify opens: the kernel
# opens what it likes.
unserved() {
  jq '.syscalls |= map(select(([.names[] | select(. == "open" or . == "openat" or . == "openat2" or . == "creat")] | length) == 0))' \
    "$SA_WORK/out/profile.json" > "$SA_WORK/plain.json"
  opens "$1" "$SA_WORK/plain.json"
  has_line "root:x:0:0:root:/root:/bin/sh"
}

@test "runc: files under /data are opened by the agent, nothing else; no FIFO or device" {
  served runc
}

@test "crun: files under /data are opened by the agent, nothing else; no FIFO or device" {
  served crun
}

@test "runc: without the agent, /etc/passwd opens" {
  unserved runc
}

@test "crun: without the agent, /etc/passwd opens" {
  unserved crun
}
