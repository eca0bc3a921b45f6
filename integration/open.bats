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
# runc opens its exec FIFO (/proc/self/fd/N) after the filter is in place:
# with the policy as shipped it cannot start the container; with that open
# let through (`continue unsafe`, acknowledged here) and its listing of
# /proc/self/fd emulated (a directory: the agent opens the caller's) it
# behaves as crun.

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

# opens RUNTIME PROFILE [fifo]: the script in a bundle with /data/null and,
# unless the third argument is "no", the FIFO /data/pipe.
opens() {
  local rt=$1 profile=$2 fifo=${3:-yes}
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SCRIPT" '["/bin/sh","-c",$s]')"
  mkdir -p "$SA_WORK/bundle/rootfs/data"
  rm -f "$SA_WORK/bundle/rootfs/data/"*
  [ "$fifo" = no ] || mkfifo "$SA_WORK/bundle/rootfs/data/pipe"
  mknod "$SA_WORK/bundle/rootfs/data/null" c 1 3
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-open-$rt-$$"
  echo "$output"
}

has_line() {
  printf '%s\n' "${lines[@]}" | grep -qx -- "$1"
}

# served RUNTIME [RULE]: RULE is the emulating rule's id in the trace.
served() {
  local rule=${2:-data-only#2}
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
  grep -q "\"rule\":\"$rule\"" "$SA_TRACE"
  [ "$(stat -c '%a %u' "$SA_WORK/bundle/rootfs/data/note")" = "640 0" ]
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The same container with a profile that does not notify opens: the kernel
# opens what it likes (no FIFO here: the kernel's open of it would wait).
unserved() {
  jq '.syscalls |= map(select(([.names[] | select(. == "open" or . == "openat" or . == "openat2" or . == "creat")] | length) == 0))' \
    "$SA_WORK/out/profile.json" > "$SA_WORK/plain.json"
  opens "$1" "$SA_WORK/plain.json" no
  [ "$status" -eq 0 ]
  has_line "root:x:0:0:root:/root:/bin/sh"
}

# runc with the policy as shipped: its own open of the exec FIFO is refused.
runc_refused() {
  opens runc "$SA_WORK/out/profile.json"
  [ "$status" -ne 0 ]
  printf '%s\n' "${lines[@]}" | grep -q "open exec fifo /proc/self/fd/[0-9]*: permission denied"
}

# runc with its exec FIFO let through, acknowledged: served as crun is.
runc_with_fifo_exception() {
  sa_stop_agent
  { echo 'policy: data-only-runc'
    echo 'rules:'
    echo '  - openat path glob "/proc/self/fd/[0-9]*" -> continue unsafe'
    echo '  - openat path = "/proc/self/fd" -> emulate'
    sed -n '/^rules:/,/^tests:/p' "$SA_ROOT/rules/data-only.yaml" | sed '1d;$d'
  } > "$SA_WORK/runc.yaml"
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_WORK/runc.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  served runc data-only-runc#4
}

@test "runc: the policy as shipped refuses runc's own open of its exec FIFO" {
  runc_refused
}

@test "runc, its exec FIFO let through: files under /data are opened by the agent, nothing else; no FIFO or device" {
  runc_with_fifo_exception
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
