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
load lib/busy_containers

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

replaced_under_load() {
  local rt=$1 i round
  busy_rules takeover
  SA_AGENT_RECORD=0 SA_AGENT_LOG_LEVEL=info sa_start_agent "$SA_WORK/out/table.json"
  local baseline
  baseline=$(sa_agent_fds)
  busy_start "$rt" "sa-to-$rt-$$"
  local -a counts
  for i in $(seq 0 $((N - 1))); do counts[i]=0; done
  busy_all_rising counts
  [ "$(grep -c 'container registered' "$SA_AGENT_LOG")" -eq "$N" ]
  # Each container: its notify fd, the duplicate the loop's reactor
  # watches, its init's pidfd.
  busy_fds_become $((baseline + 3 * N)) "$SA_AGENT_PID"
  for round in $(seq "$ROUNDS"); do
    for i in $(seq 0 $((N - 1))); do counts[i]=$(busy_count_of "$i"); done
    sa_takeover_agent
    grep -q "handed over containers=$N" "$SA_PREVIOUS_LOG"
    busy_all_rising counts
  done
  grep -q "took over containers=$N policy_changed=0" "$SA_AGENT_LOG"
  busy_fds_become $((baseline + 3 * N)) "$SA_AGENT_PID"
  touch "$SA_WORK/rootfs/w/stop"
  busy_fds_become "$baseline" "$SA_AGENT_PID"
  [ "$(grep -c 'container gone' "$SA_AGENT_LOG")" -eq "$N" ]
  local failed=0
  for i in $(seq 0 $((N - 1))); do
    if [ -s "$SA_WORK/rootfs/w/$i/fail" ]; then
      echo "container $i:" && cat "$SA_WORK/rootfs/w/$i/fail"
      failed=1
    fi
    echo "container $i: $(busy_count_of "$i") rounds"
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
