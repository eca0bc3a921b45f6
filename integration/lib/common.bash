# Shared set-up for the bats suites: a busybox-static root filesystem, OCI
# bundles whose seccomp section is a profile from rulec, the agent on a
# private socket, and the two runtimes (runc as is; crun in a private mount
# namespace with only cgroup2 on /sys/fs/cgroup, see crun_cmd).

SA_ROOT=${SA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SA_BUILD=${SA_BUILD:-$SA_ROOT/build}
SA_BIN=$SA_BUILD/bin

# One work directory per test file; removed at the end unless SA_KEEP=1.
sa_setup_workdir() {
  SA_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sa-it.XXXXXX")
  # Containers with a user namespace of their own reach the rootfs as an
  # unprivileged host uid.
  chmod 0755 "$SA_WORK"
  export SA_WORK
}

sa_teardown_workdir() {
  if [ "${SA_KEEP:-0}" != 1 ] && [ -n "${SA_WORK:-}" ]; then
    rm -rf "$SA_WORK"
  fi
}

# A minimal root filesystem: busybox-static and its applets.
sa_make_rootfs() {
  local rootfs=$1
  mkdir -p "$rootfs"/{bin,proc,dev,sys,tmp,etc,root,mnt}
  cp /bin/busybox "$rootfs/bin/busybox"
  "$rootfs/bin/busybox" --list | while read -r applet; do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
}

# sa_make_bundle DIR PROFILE.json ARGS_JSON [JQ_FILTER]
# An OCI bundle from `runc spec`, non-interactive, running ARGS_JSON (a JSON
# array), with PROFILE.json as its linux.seccomp section; JQ_FILTER, when
# given, edits config.json further (annotations, user, namespaces...).
sa_make_bundle() {
  local dir=$1 profile=$2 args=$3 extra=${4:-.}
  mkdir -p "$dir"
  [ -d "$dir/rootfs" ] || sa_make_rootfs "$dir/rootfs"
  (cd "$dir" && rm -f config.json && runc spec)
  jq --slurpfile seccomp "$profile" --argjson args "$args" \
     '.process.terminal = false | .process.args = $args | .linux.seccomp = $seccomp[0] | .root.readonly = false' \
     "$dir/config.json" | jq "$extra" > "$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

# Runs crun the way this machine allows: crun 1.8 refuses the hybrid cgroup
# layout, so it runs in a private mount namespace that sees only cgroup2.
crun_cmd() {
  unshare -m /bin/sh -c '
    mount --make-rprivate / &&
    umount -l /sys/fs/cgroup 2>/dev/null
    mount -t cgroup2 none /sys/fs/cgroup &&
    exec crun --cgroup-manager=disabled "$@"' crun "$@"
}

runc_cmd() {
  runc "$@"
}

# sa_runtime_cmd RUNTIME ARGS...: runc or crun.
sa_runtime_cmd() {
  local rt=$1
  shift
  case $rt in
    runc) runc_cmd "$@" ;;
    crun) crun_cmd "$@" ;;
    *) echo "unknown runtime $rt" >&2; return 2 ;;
  esac
}

# sa_compile OUTDIR [rulec args...]
sa_compile() {
  local out=$1
  shift
  "$SA_BIN/rulec" -o "$out" "$@"
}

# sa_start_agent TABLE [agent args...]: the agent on a socket in $SA_WORK,
# recording to $SA_WORK/trace.jsonl (unless SA_AGENT_RECORD=0), logging at
# SA_AGENT_LOG_LEVEL (debug). Sets SA_SOCKET, SA_AGENT_PID, SA_AGENT_LOG and
# SA_AGENT_ARGS (for sa_takeover_agent).
sa_start_agent() {
  local table=$1
  shift
  SA_SOCKET=$SA_WORK/agent.sock
  SA_AGENT_LOG=$SA_WORK/agent.log
  SA_TRACE=$SA_WORK/trace.jsonl
  SA_TABLE=$table
  SA_AGENT_ARGS=(--socket "$SA_SOCKET" --table "$table" --log-level "${SA_AGENT_LOG_LEVEL:-debug}")
  [ "${SA_AGENT_RECORD:-1}" = 0 ] || SA_AGENT_ARGS+=(--record "$SA_TRACE")
  SA_AGENT_ARGS+=("$@")
  "$SA_BIN/seccomp-agent" "${SA_AGENT_ARGS[@]}" >> "$SA_AGENT_LOG" 2>&1 &
  SA_AGENT_PID=$!
  local i
  for i in $(seq 200); do
    [ -S "$SA_SOCKET" ] && return 0
    kill -0 "$SA_AGENT_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "the agent did not start:" >&2
  cat "$SA_AGENT_LOG" >&2
  return 1
}

# The agent replaced: the same arguments plus --takeover, logging to a file
# of its own. Returns once the agent before has exited with status 0 and the
# successor serves; fails (the agent before still serving) when the
# successor exits instead. Sets SA_AGENT_PID, SA_AGENT_LOG, SA_PREVIOUS_LOG.
sa_takeover_agent() {
  local previous=$SA_AGENT_PID status=0
  SA_SUCCESSORS=$((${SA_SUCCESSORS:-0} + 1))
  SA_PREVIOUS_LOG=$SA_AGENT_LOG
  SA_AGENT_LOG=$SA_WORK/agent.$SA_SUCCESSORS.log
  "$SA_BIN/seccomp-agent" "${SA_AGENT_ARGS[@]}" --takeover >> "$SA_AGENT_LOG" 2>&1 &
  SA_AGENT_PID=$!
  while kill -0 "$previous" 2>/dev/null; do
    if ! kill -0 "$SA_AGENT_PID" 2>/dev/null; then
      echo "the successor exited:" >&2
      cat "$SA_AGENT_LOG" >&2
      SA_AGENT_PID=$previous
      SA_AGENT_LOG=$SA_PREVIOUS_LOG
      return 1
    fi
    sleep 0.02
  done
  wait "$previous" 2>/dev/null || status=$?
  if [ "$status" -ne 0 ]; then
    echo "the agent taken over from exited with status $status:" >&2
    cat "$SA_PREVIOUS_LOG" >&2
    return 1
  fi
  sa_wait_for "$SA_AGENT_LOG" "took over"
}

# Stops the agent and checks that replaying its recording through the
# simulator reproduces every decision it took.
sa_stop_agent() {
  if [ -n "${SA_AGENT_PID:-}" ] && kill -0 "$SA_AGENT_PID" 2>/dev/null; then
    kill -TERM "$SA_AGENT_PID"
    wait "$SA_AGENT_PID" 2>/dev/null || true
  fi
  SA_AGENT_PID=
}

# sa_has_lines LINE...: each LINE is a whole line of the last `run`'s output.
sa_has_lines() {
  local want
  for want in "$@"; do
    printf '%s\n' "${lines[@]}" | grep -qxF -- "$want" || { echo "missing line: $want" >&2; return 1; }
  done
}

sa_replay_check() {
  "$SA_BIN/seccomp-sim" replay "$SA_TRACE" --table "$SA_TABLE" --check
}

sa_agent_fds() {
  ls "/proc/$SA_AGENT_PID/fd" | wc -l
}

# sa_profile_with OUT PROFILE JQ_FILTER [jq args...]: a copy of a profile, edited.
sa_profile_with() {
  local out=$1 profile=$2 filter=$3
  shift 3
  jq "$@" "$filter" "$profile" > "$out"
}

# sa_metrics: GET /metrics from the port the agent logged (it was started
# with --metrics 127.0.0.1:0), with bash's /dev/tcp.
sa_metrics() {
  local port
  port=$(grep -o 'metrics=127.0.0.1:[0-9]*' "$SA_AGENT_LOG" | head -1 | cut -d: -f2)
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  cat <&3
  exec 3<&-
}

# sa_wait_for_socket SOCKET LOG: until SOCKET is a socket (10 s); else
# prints LOG, the log of whoever was to make it.
sa_wait_for_socket() {
  local socket=$1 log=$2 i
  for i in $(seq 100); do
    [ -S "$socket" ] && return 0
    sleep 0.1
  done
  echo "no socket $socket:" >&2
  cat "$log" >&2
  return 1
}

# sa_wait_for FILE PATTERN [TRIES]: until FILE holds PATTERN (0.1 s steps).
sa_wait_for() {
  local file=$1 pattern=$2 tries=${3:-100} i
  for i in $(seq "$tries"); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$pattern' in $file:" >&2
  cat "$file" >&2 || true
  return 1
}
