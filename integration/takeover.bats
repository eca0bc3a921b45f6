#!/usr/bin/env bats
# Issue 12, part 1: upgrade without ENOSYS. The agent is replaced by a new
# one started with the same arguments plus --takeover, under running
# containers that make notified syscalls in a tight loop: no call fails,
# every container is served on, and the last agent holds exactly the fds of
# the containers still alive. A notifier stop timer armed before a hand-over
# stops its container after it, with the whole report.
#
# SA_TAKEOVER_CONTAINERS (20) containers per runtime, SA_TAKEOVER_ROUNDS (10)
# agents in a row.

load lib/common

N=${SA_TAKEOVER_CONTAINERS:-20}
ROUNDS=${SA_TAKEOVER_ROUNDS:-10}

setup() {
  sa_setup_workdir
}

teardown() {
  local i
  for i in $(seq 0 $((N - 1))); do
    runc_cmd delete -f "sa-to-runc-$$-$i" >/dev/null 2>&1 || true
    crun_cmd delete -f "sa-to-crun-$$-$i" >/dev/null 2>&1 || true
  done
  runc_cmd delete -f "sa-to-notifier-runc-$$" >/dev/null 2>&1 || true
  crun_cmd delete -f "sa-to-notifier-crun-$$" >/dev/null 2>&1 || true
  sa_stop_agent
  sa_teardown_workdir
}

# Each container's loop: an emulated mkdir (the agent makes DIR/e as
# DIR/e-emulated) and a continued one (the kernel makes DIR/c), each checked,
# a failure written to DIR/fail, the round count to DIR/count (renamed into
# place: never read half written).
LOOP='d=/w/$0; i=0
while [ ! -e /w/stop ]; do
  mkdir $d/e 2>>$d/fail || echo "emulated mkdir failed in round $i" >> $d/fail
  rmdir $d/e-emulated 2>>$d/fail || echo "no emulated directory in round $i" >> $d/fail
  mkdir $d/c 2>>$d/fail || echo "continued mkdir failed in round $i" >> $d/fail
  rmdir $d/c 2>>$d/fail || echo "no continued directory in round $i" >> $d/fail
  i=$((i + 1)); echo $i > $d/count.new; mv $d/count.new $d/count
done'

rules() {
  cat > "$SA_WORK/rules.yaml" <<'RULES'
policy: takeover
description: a loop of notified mkdirs, one emulated and one continued
rules:
  - mkdir path glob "/w/*/e" -> emulate path="{path}-emulated"
  - mkdir path glob "/w/*/c" -> continue
RULES
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_WORK/rules.yaml"
}

count_of() {
  local n
  n=$(cat "$SA_WORK/rootfs/w/$1/count" 2>/dev/null) || n=0
  echo "${n:-0}"
}

# Until every container's count exceeds what `before` (an array name) holds.
all_rising() {
  local -n before_=$1
  local i tries now
  for i in $(seq 0 $((N - 1))); do
    for tries in $(seq 600); do
      now=$(count_of "$i")
      [ "$now" -gt "${before_[$i]}" ] && break
      sleep 0.1
    done
    if [ "$now" -le "${before_[$i]}" ]; then
      echo "container $i stopped counting at ${before_[$i]}" >&2
      return 1
    fi
  done
}

fds_become() {
  local want=$1 i
  for i in $(seq 100); do
    [ "$(sa_agent_fds)" -eq "$want" ] && return 0
    sleep 0.1
  done
  echo "the agent holds $(sa_agent_fds) fds, not $want" >&2
  return 1
}

replaced_under_load() {
  local rt=$1 i round
  rules
  SA_AGENT_RECORD=0 SA_AGENT_LOG_LEVEL=info sa_start_agent "$SA_WORK/out/table.json"
  local baseline
  baseline=$(sa_agent_fds)
  sa_make_bundle "$SA_WORK/b" "$SA_WORK/out/profile.json" '["/bin/true"]'
  mv "$SA_WORK/b/rootfs" "$SA_WORK/rootfs"
  for i in $(seq 0 $((N - 1))); do
    mkdir -p "$SA_WORK/rootfs/w/$i" "$SA_WORK/b$i"
    jq --arg root "$SA_WORK/rootfs" --arg loop "$LOOP" --arg i "$i" \
      '.root.path = $root | .process.args = ["/bin/sh", "-c", $loop, $i]' \
      "$SA_WORK/b/config.json" > "$SA_WORK/b$i/config.json"
    (cd "$SA_WORK/b$i" && sa_runtime_cmd "$rt" run -d "sa-to-$rt-$$-$i" \
      > "$SA_WORK/run$i.txt" 2>&1 < /dev/null)
  done
  local -a counts
  for i in $(seq 0 $((N - 1))); do counts[i]=0; done
  all_rising counts
  [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq "$N" ]
  # Each container: its notify fd, the duplicate the loop's reactor
  # watches, its init's pidfd.
  fds_become $((baseline + 3 * N))
  for round in $(seq "$ROUNDS"); do
    for i in $(seq 0 $((N - 1))); do counts[i]=$(count_of "$i"); done
    sa_takeover_agent
    grep -q "handed over containers=$N" "$SA_PREVIOUS_LOG"
    all_rising counts
  done
  grep -q "took over containers=$N policy_changed=0" "$SA_AGENT_LOG"
  fds_become $((baseline + 3 * N))
  touch "$SA_WORK/rootfs/w/stop"
  fds_become "$baseline"
  [ "$(grep -c 'container gone' "$SA_AGENT_LOG")" -eq "$N" ]
  local failed=0
  for i in $(seq 0 $((N - 1))); do
    if [ -s "$SA_WORK/rootfs/w/$i/fail" ]; then
      echo "container $i:" && cat "$SA_WORK/rootfs/w/$i/fail"
      failed=1
    fi
    echo "container $i: $(count_of "$i") rounds"
  done
  [ "$failed" -eq 0 ]
  ! grep -h 'hand-over failed' "$SA_WORK"/agent*.log
}

stop_timer_survives() {
  local rt=$1 id="sa-to-notifier-$1-$$" i
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/notifier.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    '["/bin/sh","-c","chroot /tmp; chroot /tmp; swapoff /dev/null; swapoff /dev/null; sleep 60; echo survived"]'
  (
    rc=0
    cd "$SA_WORK/bundle" && sa_runtime_cmd "$rt" run "$id" > "$SA_WORK/out.txt" 2>&1 < /dev/null || rc=$?
    echo "$rc" > "$SA_WORK/status"
  ) &
  # The four forbidden calls made (and the 5 s grace time running): the
  # agent is replaced.
  for i in $(seq 200); do
    [ "$(grep -c 'decision.*syscall=swapoff' "$SA_AGENT_LOG")" -ge 2 ] && break
    sleep 0.05
  done
  [ "$(grep -c 'decision.*syscall=swapoff' "$SA_AGENT_LOG")" -eq 2 ]
  sa_takeover_agent
  sa_wait_for "$SA_WORK/status" . 200
  cat "$SA_WORK/out.txt"
  [ "$(cat "$SA_WORK/status")" -eq 137 ]
  ! grep -q survived "$SA_WORK/out.txt"
  grep -q "Used forbidden syscalls: chroot (2x), swapoff (2x)" "$SA_AGENT_LOG"
  ! grep -q "Used forbidden syscalls" "$SA_PREVIOUS_LOG"
  sa_stop_agent
  # One trace for both agents: the successor went on with it.
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "runc: containers in a tight loop, the agent replaced again and again, no call fails" {
  replaced_under_load runc
}
@test "crun: containers in a tight loop, the agent replaced again and again, no call fails" {
  replaced_under_load crun
}
@test "runc: a stop timer armed before a hand-over stops the container after it" {
  stop_timer_survives runc
}
@test "crun: a stop timer armed before a hand-over stops the container after it" {
  stop_timer_survives crun
}
