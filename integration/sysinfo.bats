#!/usr/bin/env bats
# sysinfo(2) in real runc and crun containers with a 64 MiB memory limit,
# served by seccomp-agent with rules/sysinfo.yaml (issue 15): totalram is the
# limit, freeram the limit less the usage; without the agent, the host's.
# (busybox's free is no judge: it takes buff/cache from /proc/meminfo, which
# stays the host's.)
#
# runc applies config.json's linux.resources.memory.limit itself (cgroup v1
# or v2). crun runs here with --cgroup-manager=disabled (crun_cmd) and
# applies no limit, so it is started inside a memory cgroup made for it with
# the same limit: the container's cgroup is wherever its processes are.

load lib/common

LIMIT=67108864
PROBE=$SA_BUILD/tests/sa-syscall-probe

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/sysinfo.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  SA_CGROUP=
}

teardown() {
  sa_stop_agent
  [ -z "$SA_CGROUP" ] || rmdir "$SA_CGROUP" 2>/dev/null || true
  sa_teardown_workdir
}

readonly SCRIPT='/bin/sa-syscall-probe sysinfo'

# A memory cgroup with LIMIT, on the hierarchy the memory controller is on.
make_memory_cgroup() {
  if [ -d /sys/fs/cgroup/memory ]; then
    SA_CGROUP=/sys/fs/cgroup/memory/sa-it-sysinfo-$$
    mkdir "$SA_CGROUP"
    echo "$LIMIT" > "$SA_CGROUP/memory.limit_in_bytes"
  else
    SA_CGROUP=/sys/fs/cgroup/sa-it-sysinfo-$$
    mkdir "$SA_CGROUP"
    echo "$LIMIT" > "$SA_CGROUP/memory.max"
  fi
}

# RUNTIME ARGS... inside SA_CGROUP.
in_cgroup() {
  echo "$BASHPID" > "$SA_CGROUP/cgroup.procs"
  sa_runtime_cmd "$@"
}

container() {
  local rt=$1 profile=$2
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SCRIPT" '["/bin/sh","-c",$s]')" \
    ".linux.resources.memory.limit = $LIMIT"
  cp "$PROBE" "$SA_WORK/bundle/rootfs/bin/sa-syscall-probe"
  cd "$SA_WORK/bundle"
  if [ "$rt" = crun ]; then
    make_memory_cgroup
    run in_cgroup crun run "sa-sysinfo-$rt-$$"
  else
    run sa_runtime_cmd "$rt" run "sa-sysinfo-$rt-$$"
  fi
  echo "$output"
}

field() {
  printf '%s\n' "${lines[@]}" | awk -v f="$1" '$1 == f { print $2 }'
}

served() {
  container "$1" "$SA_WORK/out/profile.json"
  [ "$status" -eq 0 ]
  [ "$(field totalram)" -eq "$LIMIT" ]
  [ "$(field freeram)" -lt "$LIMIT" ]
  [ "$(field freeram)" -gt 0 ]
  [ "$(field bufferram)" -eq 0 ]
  [ "$(field mem_unit)" -eq 1 ]
  grep -q '"rule":"sysinfo#1"' "$SA_TRACE"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The same container with a profile that does not notify sysinfo: the
# kernel answers the host's memory.
unserved() {
  jq '.syscalls |= map(select(.names | index("sysinfo") | not))' \
    "$SA_WORK/out/profile.json" > "$SA_WORK/plain.json"
  container "$1" "$SA_WORK/plain.json"
  [ "$status" -eq 0 ]
  [ "$(field totalram)" -gt "$LIMIT" ]
  [ "$(field totalram)" -eq "$("$PROBE" sysinfo | awk '$1 == "totalram" { print $2 }')" ]
}

@test "runc: sysinfo answers the container's memory limit" {
  served runc
}

@test "crun: sysinfo answers the container's memory limit" {
  served crun
}

@test "runc: without the agent, sysinfo answers the host's memory" {
  unserved runc
}

@test "crun: without the agent, sysinfo answers the host's memory" {
  unserved crun
}
