# Shared by the load suites (churn.bats, held.bats): one root filesystem and
# one bundle for every container (root.path absolute, /dev/shm private to
# each container, so their emulated mkdirs never meet), caller.c built
# static as the containers' process, load.yaml compiled, and the agent's
# resources read from /proc.

load ../lib/common

LOAD_DIR=$SA_ROOT/integration/load

# load_prepare ARGS_JSON: $SA_WORK/out (rules), $SA_WORK/rootfs, $SA_WORK/bundle.
load_prepare() {
  local args=$1
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$LOAD_DIR/load.yaml"
  mkdir -p "$SA_WORK/rootfs"/{bin,proc,dev,sys}
  gcc -O2 -Wall -static -o "$SA_WORK/rootfs/caller" "$LOAD_DIR/caller.c"
  cp /bin/busybox "$SA_WORK/rootfs/bin/busybox"
  ln -s busybox "$SA_WORK/rootfs/bin/true"
  mkdir -p "$SA_WORK/bundle"
  (cd "$SA_WORK/bundle" && runc spec)
  jq --slurpfile seccomp "$SA_WORK/out/profile.json" --argjson args "$args" --arg root "$SA_WORK/rootfs" \
    '.process.terminal = false | .process.args = $args | .linux.seccomp = $seccomp[0]
     | .root.path = $root | .root.readonly = true' \
    "$SA_WORK/bundle/config.json" > "$SA_WORK/bundle/config.json.new"
  mv "$SA_WORK/bundle/config.json.new" "$SA_WORK/bundle/config.json"
}

# load_start_agent [--no-record]: the agent at info level (debug would log
# every notification), recording unless told not to; $SA_AGENT_PREFIX, when
# set, is a command the agent is started under (one that execs it).
load_start_agent() {
  SA_SOCKET=$SA_WORK/agent.sock
  SA_AGENT_LOG=$SA_WORK/agent.log
  SA_TRACE=$SA_WORK/trace.jsonl
  SA_TABLE=$SA_WORK/out/table.json
  local record=(--record "$SA_TRACE")
  [ "${1:-}" = --no-record ] && record=()
  # shellcheck disable=SC2086
  ${SA_AGENT_PREFIX:-} "$SA_BIN/seccomp-agent" --socket "$SA_SOCKET" --table "$SA_TABLE" "${record[@]}" \
    --log-level info >> "$SA_AGENT_LOG" 2>&1 &
  SA_AGENT_PID=$!
  local i
  for i in $(seq 200); do
    [ -S "$SA_SOCKET" ] && return 0
    sleep 0.05
  done
  cat "$SA_AGENT_LOG" >&2
  return 1
}

# The agent's resources: fds, threads, RSS in KiB.
load_fds() { ls "/proc/$SA_AGENT_PID/fd" | wc -l; }
load_threads() { awk '/^Threads:/ {print $2}' "/proc/$SA_AGENT_PID/status"; }
load_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SA_AGENT_PID/status"; }
load_resources() { echo "fds=$(load_fds) threads=$(load_threads) rss_kib=$(load_rss_kib)"; }
# load_field "fds=3 threads=4 rss_kib=5" threads -> 4
load_field() {
  local s=" $1 "
  s=${s#* $2=}
  echo "${s%% *}"
}

# load_wait_fds N [TRIES]: until the agent holds N fds (0.1 s steps): a
# container's fd goes when the kernel reports its filter gone, a moment
# after its last process exits.
load_wait_fds() {
  local want=$1 tries=${2:-300} i
  for i in $(seq "$tries"); do
    [ "$(load_fds)" -eq "$want" ] && return 0
    sleep 0.1
  done
  return 1
}

# load_report LINE...: to the terminal even when the test passes (bats
# shows fd 3), and to $SA_LOAD_REPORT when set.
load_report() {
  printf '%s\n' "$@" | sed 's/^/# /' >&3
  [ -z "${SA_LOAD_REPORT:-}" ] || printf '%s\n' "$@" >> "$SA_LOAD_REPORT"
}

# load_merge FILES...: sums the containers' count and hist lines; prints per
# kind "KIND ok=N failed=M p50=... p90=... p99=... p99.9=... max=..." (us,
# each the lower bound of its ~1.5 % bucket).
load_merge() {
  cat "$@" | awk '
    $1 == "count" { ok[$2] += $3; bad[$2] += $4 }
    $1 == "hist"  { h[$2 " " $3] += $4; n[$2] += $4 }
    END {
      for (k in ok) {
        m = 0
        for (key in h) { split(key, a, " "); if (a[1] == k) { v[++m] = a[2] + 0; c[a[2] + 0] = h[key] } }
        # sort the bucket bounds (insertion sort: a few hundred at most)
        for (i = 2; i <= m; i++) { x = v[i]; j = i - 1; while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
        split("50 90 99 99.9", q, " ")
        line = sprintf("%s ok=%d failed=%d", k, ok[k], bad[k])
        for (qi = 1; qi <= 4; qi++) {
          want = n[k] * q[qi] / 100; acc = 0
          for (i = 1; i <= m; i++) { acc += c[v[i]]; if (acc >= want) break }
          line = line sprintf(" p%s=%.1fus", q[qi], v[i] / 1000)
        }
        line = line sprintf(" max=%.1fus", v[m] / 1000)
        print line
        delete v; delete c
      }
    }' | sort
}
