#!/usr/bin/env bats
# Emulation with the caller's credentials, in real runc and crun containers
# served by seccomp-agent (integration/fixtures/credentials.yaml):
# - uid 1000 without capabilities cannot mkdir through the agent where the
#   kernel says EACCES, can in /tmp (and owns the result); root can.
# - after an emulated proc mount, nothing the runtime's /proc protects is
#   readable or writable under the new mount.
# - symlinks, .., /proc/self/root, /proc/1/root: nothing is ever created
#   outside the container's rootfs; /proc/self/... is the caller's.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" \
    "$SA_ROOT/integration/fixtures/credentials.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# run_in RUNTIME SCRIPT [JQ_FILTER]: SCRIPT in a fresh container whose
# rootfs has a 1777 /tmp and a 0700 /root.
run_in() {
  local rt=$1 script=$2 extra=${3:-.}
  rm -rf "$SA_WORK/bundle"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    "$(jq -cn --arg s "$script" '["/bin/sh","-c",$s]')" "$extra"
  chmod 1777 "$SA_WORK/bundle/rootfs/tmp"
  chmod 0700 "$SA_WORK/bundle/rootfs/root"
  # The config's protected paths under /proc, for the script to check.
  jq -r '.linux.maskedPaths[] | select(startswith("/proc/")) | ltrimstr("/proc/")' \
    "$SA_WORK/bundle/config.json" > "$SA_WORK/bundle/rootfs/masked"
  jq -r '.linux.readonlyPaths[] | select(startswith("/proc/")) | ltrimstr("/proc/")' \
    "$SA_WORK/bundle/config.json" > "$SA_WORK/bundle/rootfs/readonly"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-cred-$rt-$$-$RANDOM"
  echo "$output"
}

as_uid_1000='.process.user = {"uid": 1000, "gid": 1000}'

unprivileged_mkdir() {
  run_in "$1" 'mkdir /root/x; mkdir /etc/y; mkdir /tmp/mine && echo made' "$as_uid_1000"
  [ "${lines[0]}" = "mkdir: can't create directory '/root/x': Permission denied" ]
  [ "${lines[1]}" = "mkdir: can't create directory '/etc/y': Permission denied" ]
  [ "${lines[2]}" = made ]
  [ ! -e "$SA_WORK/bundle/rootfs/root/x" ]
  [ ! -e "$SA_WORK/bundle/rootfs/etc/y" ]
  [ "$(stat -c %u:%g "$SA_WORK/bundle/rootfs/tmp/mine")" = 1000:1000 ]
  # Every one of them went through the agent.
  [ "$(grep -c '"rule":"credentials#2"' "$SA_TRACE")" -eq 3 ]
}

root_mkdir() {
  run_in "$1" 'mkdir /root/x && mkdir /etc/y && echo made'
  [ "$output" = made ]
  [ "$(stat -c %u "$SA_WORK/bundle/rootfs/etc/y")" = 0 ]
}

# For each masked and read-only path of the container's config: the new
# proc mount at /root shows no more than the runtime's /proc.
proc_protections() {
  local rt=$1
  run_in "$rt" '
    mount -t proc proc /root || exit 1
    (echo sa-test > /root/sys/kernel/hostname) 2>/dev/null && echo "hostname writable"
    for p in $(cat /masked); do
      a=$(cat /proc/$p 2>/dev/null | wc -c); b=$(cat /root/$p 2>/dev/null | wc -c)
      [ "$a" = "$b" ] || echo "masked $p: $a bytes in /proc, $b in the new mount"
      [ -d /root/$p ] && [ -n "$(ls -A /root/$p)" ] && echo "masked $p lists entries"
    done
    for p in $(cat /readonly); do
      grep -q " /root/$p .* ro[, ]" /proc/mounts || [ ! -e /root/$p ] || echo "read-only $p is writable"
    done
    echo checked'
  [ "$status" -eq 0 ]
  [ "$output" = checked ]
  grep -q '"rule":"credentials#1"' "$SA_TRACE"
}

escapes() {
  local rt=$1 n=sa-esc-$$
  run_in "$rt" "
    ln -s / /escape; cd /tmp
    mkdir /escape/tmp/$n-1; mkdir ../../../../$n-2; mkdir /proc/self/root/$n-3
    mkdir /proc/1/root/$n-4; mkdir /proc/self/cwd/$n-5; mkdir /proc/thread-self/root/$n-6
    ls -d /tmp/$n-1 /$n-2 /$n-3 /$n-4 /tmp/$n-5 /$n-6"
  [ "$status" -eq 0 ]
  local rootfs=$SA_WORK/bundle/rootfs
  for d in tmp/$n-1 $n-2 $n-3 $n-4 tmp/$n-5 $n-6; do
    [ -d "$rootfs/$d" ]
    [ ! -e "/$d" ]
    [ ! -e "$SA_WORK/$(basename "$d")" ]
  done
}

# Answers are the kernel's: the same busybox lines as without the agent.
kernel_answers() {
  local long
  long=$(printf 'n%.0s' $(seq 300))
  run_in "$1" "mkdir ''; mkdir /etc; mkdir /$long; mkdir /bin/sh/x; mkdir /missing/x; true"
  [ "${lines[0]}" = "mkdir: can't create directory '': No such file or directory" ]
  [ "${lines[1]}" = "mkdir: can't create directory '/etc': File exists" ]
  [ "${lines[2]}" = "mkdir: can't create directory '/$long': File name too long" ]
  [ "${lines[3]}" = "mkdir: can't create directory '/bin/sh/x': Not a directory" ]
  [ "${lines[4]}" = "mkdir: can't create directory '/missing/x': No such file or directory" ]
  [ "$(grep -c '"syscall":"mkdir"' "$SA_TRACE")" -ge 5 ]
}

@test "runc: emulated mkdir answers as the kernel does" { kernel_answers runc; }
@test "crun: emulated mkdir answers as the kernel does" { kernel_answers crun; }
@test "runc: uid 1000 cannot mkdir where the kernel refuses it, can in /tmp and owns the result" {
  unprivileged_mkdir runc
}
@test "crun: uid 1000 cannot mkdir where the kernel refuses it, can in /tmp and owns the result" {
  unprivileged_mkdir crun
}
@test "runc: root in the container can mkdir anywhere" { root_mkdir runc; }
@test "crun: root in the container can mkdir anywhere" { root_mkdir crun; }
@test "runc: an emulated proc mount keeps the runtime's masked and read-only paths" {
  proc_protections runc
}
@test "crun: an emulated proc mount keeps the runtime's masked and read-only paths" {
  proc_protections crun
}
@test "runc: no link, .. or /proc/PID/root leads out of the rootfs; /proc/self is the caller" {
  escapes runc
}
@test "crun: no link, .. or /proc/PID/root leads out of the rootfs; /proc/self is the caller" {
  escapes crun
}
