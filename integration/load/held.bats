#!/usr/bin/env bats
# Issue 14, held load: SA_LOAD_HELD runc containers alive at once (default
# 20; `make load`: 100), each issuing mkdir (emulated), chmod (errno) and
# getppid (continue) back to back for SA_LOAD_SECONDS (default 10; `make
# load`: 60) once all are up, and checking every answer. The test reports
# the latency percentiles the containers measured and the agent's fds,
# threads and RSS; it asserts that every call was answered correctly and
# that RSS grew by at most SA_LOAD_RSS_MARGIN_KIB (default 4096) between a
# sample taken a quarter into the run and the end of it.
#
# The agent does not record here: a minute of this is millions of
# notifications, and the recording path is the churn test's to check.

load lib

setup() {
  sa_setup_workdir
  load_prepare '["/caller","held","10"]'
}

teardown() {
  local id
  for id in $(runc list -q 2>/dev/null | grep "^sa-held-$$-" || true); do
    runc delete -f "$id" >/dev/null 2>&1 || true
  done
  sa_stop_agent
  sa_teardown_workdir
}

# held TOTAL SECONDS: the test, TOTAL containers loading for SECONDS each.
held() {
  local total=$1 seconds=$2
  local margin=${SA_LOAD_RSS_MARGIN_KIB:-4096} i
  mkdir -p "$SA_WORK/c"
  jq --arg s "$seconds" '.process.args = ["/caller", "held", $s]' "$SA_WORK/bundle/config.json" \
    > "$SA_WORK/config.json" && mv "$SA_WORK/config.json" "$SA_WORK/bundle/config.json"
  local start=$(load_resources)
  # Started detached (their stdout stays on the file), SA_LOAD_WAVE at once.
  local wave=${SA_LOAD_WAVE:-8} j pids
  for ((i = 0; i < total;)); do
    pids=()
    for ((j = 0; j < wave && i < total; j++, i++)); do
      runc run -d --bundle "$SA_WORK/bundle" "sa-held-$$-$i" \
        > "$SA_WORK/c/$i.out" 2>&1 < /dev/null &
      pids+=($!)
    done
    wait "${pids[@]}"  # not a bare wait: the agent is a child too
  done
  for _ in $(seq 300); do
    [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq "$total" ] && break
    sleep 0.1
  done
  [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq "$total" ]
  local registered=$(load_resources)

  # Go: every container waits for /go in the shared root filesystem.
  touch "$SA_WORK/rootfs/go"
  sleep $((seconds / 4))
  local early=$(load_resources) early_rss=$(load_rss_kib)
  local done_count=0
  for _ in $(seq $((seconds * 10 + 600))); do
    done_count=$(cat "$SA_WORK"/c/*.out | grep -cx done || true)
    [ "$done_count" -eq "$total" ] && break
    sleep 0.1
  done
  local late=$(load_resources) late_rss=$(load_rss_kib)

  local summary bad
  summary=$(load_merge "$SA_WORK"/c/*.out)
  bad=$(grep -l '^fail' "$SA_WORK"/c/*.out | wc -l)
  load_report "held: $total containers at once, ${seconds}s of mkdir/chmod/getppid each" \
    "agent at start:                 $start" \
    "all registered, before load:    $registered" \
    "a quarter into the load:        $early" \
    "at the end of the load:         $late (RSS margin ${margin} KiB)" \
    "latency seen in the containers (bucket lower bounds):" \
    "$summary"
  grep -h '^fail' "$SA_WORK"/c/*.out | head -20 || true
  [ "$done_count" -eq "$total" ]
  [ "$bad" -eq 0 ]
  # Every kind answered, none wrongly.
  echo "$summary" | grep -q '^mkdir ok=[1-9]'
  echo "$summary" | grep -q '^chmod ok=[1-9]'
  echo "$summary" | grep -q '^getppid ok=[1-9]'
  ! echo "$summary" | grep -v 'failed=0 '
  [ "$late_rss" -le $((early_rss + margin)) ]

  # Gone with their containers: the fds back to the start.
  load_wait_fds "$(load_field "$start" fds)" || { load_resources; false; }
  load_report "all gone:                       $(load_resources)"
}

@test "runc: containers held under continuous load are all answered correctly" {
  load_start_agent --no-record
  held "${SA_LOAD_HELD:-20}" "${SA_LOAD_SECONDS:-10}"
}

# Each container costs the agent 3 fds (its notify fd, a dup the reactor
# watches, a pidfd of its init); under a service manager's usual soft limit
# of 1024 that is about 330 containers. The agent raises its soft limit to
# the hard one at start: here a soft limit of 64, which 30 containers would
# overrun, under a higher hard one. Before, the agent ran out of fds opening
# a container's /proc entry and exited, every container losing its agent.
@test "runc: the agent's soft fd limit does not cap the containers it serves" {
  SA_AGENT_PREFIX="prlimit --nofile=64: --" load_start_agent --no-record
  held 30 2
}
