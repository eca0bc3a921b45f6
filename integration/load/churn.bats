#!/usr/bin/env bats
# Issue 14, churn: SA_LOAD_CHURN short-lived runc containers (default 60;
# `make load`: 1000) through one agent, SA_LOAD_WAVE at a time (default 8,
# what this 2-core VM keeps busy without runc timing out). Each container
# makes SA_LOAD_ROUNDS rounds (default 3) of every kind load.yaml answers
# (emulated mkdir and proc mount, continue with and without reading memory,
# errno, a delay, log) and checks each answer; every 10th ends with acct(),
# which the agent answers ENOSYS and then stops the container.
#
# Afterwards the agent must be back where it was after the first wave (the
# baseline, once its allocator and threads have warmed up): the same fds,
# the same threads, RSS within SA_LOAD_RSS_MARGIN_KIB (default 4096) of it;
# and its recording must replay with every decision re-decided the same.
# Nothing here is timed: the figures are printed, not asserted.

load lib

setup() {
  sa_setup_workdir
  load_prepare '["/caller","churn","3"]'
}

teardown() {
  local id
  for id in $(runc list -q 2>/dev/null | grep "^sa-churn-$$-" || true); do
    runc delete -f "$id" >/dev/null 2>&1 || true
  done
  sa_stop_agent
  sa_teardown_workdir
}

# run_one I: container I, in the foreground of its subshell; its output in
# $SA_WORK/c/I.out and runc's exit status appended as "exit N".
run_one() {
  local i=$1 mode=churn
  [ $((i % 10)) -eq 9 ] && mode=churn-stop
  local rc=0
  runc run --bundle "$SA_WORK/bundle-$mode" "sa-churn-$$-$i" \
    > "$SA_WORK/c/$i.out" 2>&1 < /dev/null || rc=$?
  echo "exit $rc" >> "$SA_WORK/c/$i.out"
}

@test "runc: containers come and go through one agent, which returns to its baseline" {
  local total=${SA_LOAD_CHURN:-60} wave=${SA_LOAD_WAVE:-8} rounds=${SA_LOAD_ROUNDS:-3}
  local margin=${SA_LOAD_RSS_MARGIN_KIB:-4096}
  # Two bundles over the one root filesystem: plain churn, and churn-stop.
  local mode
  for mode in churn churn-stop; do
    mkdir -p "$SA_WORK/bundle-$mode"
    jq --arg m "$mode" --arg r "$rounds" '.process.args = ["/caller", $m, $r]' \
      "$SA_WORK/bundle/config.json" > "$SA_WORK/bundle-$mode/config.json"
  done
  mkdir -p "$SA_WORK/c"
  load_start_agent
  local start=$(load_resources) baseline= i=0 j t0=$SECONDS
  while [ "$i" -lt "$total" ]; do
    local pids=()
    for ((j = 0; j < wave && i < total; j++, i++)); do
      run_one "$i" &
      pids+=($!)
    done
    wait "${pids[@]}"  # not a bare wait: the agent is a child too
    if [ -z "$baseline" ]; then
      # After the first wave: warmed up, and every container gone.
      load_wait_fds "$(load_field "$start" fds)"
      baseline=$(load_resources)
    fi
  done
  local elapsed=$((SECONDS - t0))

  # Every container ran to its end: exit 0 with "done", or (churn-stop)
  # killed by the agent (runc reports 137) after its acct() failed as told.
  local bad=0 stopped=0
  for ((i = 0; i < total; i++)); do
    local out=$SA_WORK/c/$i.out
    if [ $((i % 10)) -eq 9 ]; then
      if grep -qx 'exit 137' "$out" && grep -qx 'count acct 1 0' "$out" && ! grep -q '^fail' "$out"; then
        stopped=$((stopped + 1))
      else
        bad=$((bad + 1)); echo "container $i:"; cat "$out"
      fi
    elif ! grep -qx 'exit 0' "$out" || ! grep -qx done "$out" || grep -q '^fail' "$out"; then
      bad=$((bad + 1)); echo "container $i:"; cat "$out"
    fi
  done
  [ "$bad" -eq 0 ]

  # Back to the baseline: the fds at once (when the kernel has let the last
  # filters go), the threads exactly, RSS within the margin.
  load_wait_fds "$(load_field "$baseline" fds)" || { load_resources; false; }
  local after=$(load_resources)
  local base_threads base_rss rss
  base_threads=$(load_field "$baseline" threads)
  base_rss=$(load_field "$baseline" rss_kib)
  rss=$(load_rss_kib)
  local summary
  summary=$(load_merge "$SA_WORK"/c/*.out)
  load_report "churn: $total containers, $wave at a time, $rounds rounds each, ${elapsed}s" \
    "agent at start:        $start" \
    "after the first wave:  $baseline (baseline)" \
    "after the last:        $after (RSS margin ${margin} KiB)" \
    "stopped by the agent:  $stopped" \
    "latency seen in the containers (bucket lower bounds):" \
    "$summary"
  [ "$(load_threads)" -eq "$base_threads" ]
  [ "$rss" -le $((base_rss + margin)) ]
  [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq "$total" ]
  [ "$(grep -c 'container gone' "$SA_AGENT_LOG")" -eq "$total" ]

  # Every notification recorded re-decides the same.
  sa_stop_agent
  run sa_replay_check
  local verdict
  verdict=$(printf '%s\n' "${lines[@]}" | grep -E '^[0-9]+ notifications, ' | tail -1)
  echo "$verdict"
  [ "$status" -eq 0 ]
  [[ "$verdict" =~ ^([0-9]+)\ notifications,\ 0\ errors,\ ([0-9]+)\ checks,\ 0\ mismatches$ ]]
  [ "${BASH_REMATCH[1]}" -eq "${BASH_REMATCH[2]}" ]
  # Each container made at least its rounds' calls (and its init's execve).
  [ "${BASH_REMATCH[1]}" -ge $((total * (rounds * 8 + 1))) ]
  load_report "replay: $verdict"
}
