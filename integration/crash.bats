#!/usr/bin/env bats
# Issue 12, part 2: crash survival. seccomp-agent-holder keeps a duplicate
# of every notify fd; the agent is killed with SIGKILL under running
# containers that make notified syscalls in a tight loop and started again
# with the same arguments by a supervisor loop (what systemd's Restart= or a
# pod's restartPolicy do). Every container is served on; the only calls that
# fail are those in flight at a kill, which the next agent answers EINTR
# ("orphan answered"): the test counts them and checks the two counts agree.
# The last agent holds exactly the fds of the containers still alive.
#
# SA_CRASH_CONTAINERS (20) containers per runtime, SA_CRASH_ROUNDS (10) kills.

load lib/common
load lib/busy_containers

N=${SA_CRASH_CONTAINERS:-20}
ROUNDS=${SA_CRASH_ROUNDS:-10}

setup() {
  sa_setup_workdir
}

teardown() {
  local i
  touch "$SA_WORK/supervisor.stop"
  [ -z "${SUPERVISOR_PID:-}" ] || kill "$SUPERVISOR_PID" 2>/dev/null || true
  [ ! -s "$SA_WORK/agent.pid" ] || kill -TERM "$(cat "$SA_WORK/agent.pid")" 2>/dev/null || true
  [ -z "${SUPERVISOR_PID:-}" ] || wait "$SUPERVISOR_PID" 2>/dev/null || true
  for i in $(seq 0 $((N - 1))); do
    runc_cmd delete -f "sa-cr-runc-$$-$i" >/dev/null 2>&1 || true
    crun_cmd delete -f "sa-cr-crun-$$-$i" >/dev/null 2>&1 || true
  done
  if [ -n "${HOLDER_PID:-}" ]; then
    kill -TERM "$HOLDER_PID" 2>/dev/null || true
    wait "$HOLDER_PID" 2>/dev/null || true
  fi
  sa_teardown_workdir
}

# Each container's loop: an emulated mkdir (the agent makes DIR/e as
# DIR/e-emulated) and a continued one (the kernel makes DIR/c). A failed
# mkdir is one line in DIR/fail (a call in flight at a kill, or a bug); an
# mkdir that succeeded without its directory is a line in DIR/bad (a bug,
# always). The round count goes to DIR/count (renamed into place).
LOOP='d=/w/$0; i=0
while [ ! -e /w/stop ]; do
  if mkdir $d/e 2>>$d/err; then
    rmdir $d/e-emulated || echo "round $i: emulated mkdir made nothing" >> $d/bad
  else
    echo "round $i: emulated mkdir failed" >> $d/fail; rm -rf $d/e-emulated
  fi
  if mkdir $d/c 2>>$d/err; then
    rmdir $d/c || echo "round $i: continued mkdir made nothing" >> $d/bad
  else
    echo "round $i: continued mkdir failed" >> $d/fail; rm -rf $d/c
  fi
  i=$((i + 1)); echo $i > $d/count.new; mv $d/count.new $d/count
done'

agent_pid() {
  cat "$SA_WORK/agent.pid" 2>/dev/null
}

# The supervisor: starts the agent with the same arguments whenever it ends,
# each run logging to agent.K.log, its pid in agent.pid.
supervise() {
  local k=0
  while [ ! -e "$SA_WORK/supervisor.stop" ]; do
    k=$((k + 1))
    "$SA_BIN/seccomp-agent" "${AGENT_ARGS[@]}" >> "$SA_WORK/agent.$k.log" 2>&1 &
    echo $! > "$SA_WORK/agent.pid.new"
    mv "$SA_WORK/agent.pid.new" "$SA_WORK/agent.pid"
    wait $! || true
  done
}

# Until agent.K.log says it took its containers back.
agent_back() {
  local k=$1 i
  for i in $(seq 200); do
    grep -q "took back" "$SA_WORK/agent.$k.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "agent $k did not take the containers back:" >&2
  cat "$SA_WORK/agent.$k.log" >&2 || true
  return 1
}

crashed_under_load() {
  local rt=$1 i round
  busy_rules crash
  "$SA_BIN/seccomp-agent-holder" --socket "$SA_WORK/holder.sock" > "$SA_WORK/holder.log" 2>&1 &
  HOLDER_PID=$!
  sa_wait_for "$SA_WORK/holder.log" "listening on"
  AGENT_ARGS=(--socket "$SA_WORK/agent.sock" --table "$SA_WORK/out/table.json"
              --log-level info --holder "$SA_WORK/holder.sock")
  supervise &
  SUPERVISOR_PID=$!
  agent_back 1
  local baseline
  baseline=$(ls "/proc/$(agent_pid)/fd" | wc -l)
  busy_start "$rt" "sa-cr-$rt-$$"
  local -a counts
  for i in $(seq 0 $((N - 1))); do counts[i]=0; done
  busy_all_rising counts
  [ "$(grep -c 'container registered' "$SA_WORK/agent.1.log")" -eq "$N" ]
  # Each container: its notify fd, the loop's duplicate, its init's pidfd.
  busy_fds_become $((baseline + 3 * N)) "$(agent_pid)"
  local orphans=0 pid
  for round in $(seq "$ROUNDS"); do
    for i in $(seq 0 $((N - 1))); do counts[i]=$(busy_count_of "$i"); done
    pid=$(agent_pid)
    kill -9 "$pid"
    while [ "$(agent_pid)" = "$pid" ]; do sleep 0.01; done
    agent_back $((round + 1))
    grep -q "took back containers=$N " "$SA_WORK/agent.$((round + 1)).log"
    [ "$(grep -c 'container taken back' "$SA_WORK/agent.$((round + 1)).log")" -eq "$N" ]
    orphans=$((orphans + $(sed -n 's/.*took back .*orphans_answered=\([0-9]*\).*/\1/p' \
      "$SA_WORK/agent.$((round + 1)).log")))
    busy_all_rising counts
  done
  local last=$((ROUNDS + 1))
  busy_fds_become $((baseline + 3 * N)) "$(agent_pid)"
  touch "$SA_WORK/rootfs/w/stop"
  busy_fds_become "$baseline" "$(agent_pid)"
  [ "$(grep -c 'container gone' "$SA_WORK/agent.$last.log")" -eq "$N" ]
  local failed=0 bad=0
  for i in $(seq 0 $((N - 1))); do
    failed=$((failed + $(cat "$SA_WORK/rootfs/w/$i/fail" 2>/dev/null | wc -l)))
    if [ -s "$SA_WORK/rootfs/w/$i/bad" ]; then
      echo "container $i:" && cat "$SA_WORK/rootfs/w/$i/bad"
      bad=1
    fi
    echo "container $i: $(busy_count_of "$i") rounds, $(cat "$SA_WORK/rootfs/w/$i/fail" 2>/dev/null | wc -l) failed calls"
  done
  # On fd 3: bats shows it for a test that passed too.
  echo "# $rt: $N containers, $ROUNDS kills, $failed calls failed (in flight at a kill)," \
    "$orphans orphans answered EINTR" >&3
  [ "$bad" -eq 0 ]
  [ "$failed" -eq "$orphans" ]
  # Each failed call saw EINTR and nothing else.
  ! cat "$SA_WORK"/rootfs/w/*/err 2>/dev/null | grep -v 'Interrupted system call'
  ! grep -h 'holder lost\|not deposited' "$SA_WORK"/agent.*.log
}

@test "runc: containers in a tight loop, the agent killed and restarted again and again, each served on" {
  crashed_under_load runc
}
@test "crun: containers in a tight loop, the agent killed and restarted again and again, each served on" {
  crashed_under_load crun
}
