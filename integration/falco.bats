#!/usr/bin/env bats
# Kinvolk's MIDDLEWARE=falco: every notification of a container whose
# listenerMetadata says MIDDLEWARE=falco is published to Kinvolk's Falco
# plugin, a gRPC PublishEvent on a unix socket (rules/kinvolk-compat.yaml's
# `publish`, the agent's --falco-socket). The plugin here is
# integration/falco/plugin.py (python3-grpcio), which writes each event it
# receives as a JSON line. Each event is checked against the agent's own
# trace: the same notification id (the kernel's cookie), caller pid and
# syscall; the container's identity from its containerd annotations; its
# init's pid. With no plugin listening the container is served all the
# same, and each failed call is counted and logged (rate-limited).

load lib/common

setup_file() {
  export FALCO_GEN=$BATS_FILE_TMPDIR/gen
  mkdir -p "$FALCO_GEN"
  /usr/bin/python3 -m grpc_tools.protoc -I "$SA_ROOT/runtime/falco" --python_out="$FALCO_GEN" \
    --grpc_python_out="$FALCO_GEN" "$SA_ROOT/runtime/falco/seccomp_agent_falco.proto"
}

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/kinvolk-compat.yaml"
  EVENTS=$SA_WORK/events.jsonl
  : > "$EVENTS"
}

teardown() {
  sa_stop_agent
  if [ -n "${PLUGIN_PID:-}" ]; then
    kill -TERM "$PLUGIN_PID" 2>/dev/null || true
    wait "$PLUGIN_PID" 2>/dev/null || true
  fi
  sa_teardown_workdir
}

start_plugin() {
  /usr/bin/python3 "$BATS_TEST_DIRNAME/falco/plugin.py" "$FALCO_GEN" "$SA_WORK/falco.sock" \
    "$EVENTS" 2> "$SA_WORK/plugin.log" &
  PLUGIN_PID=$!
  sa_wait_for_socket "$SA_WORK/falco.sock" "$SA_WORK/plugin.log"
}

# metric NAME_AND_LABELS: its value, 0 when absent.
metric() {
  sa_metrics | awk -v s="$1" 'index($0, s " ") == 1 { v = $2 } END { print v + 0 }'
}

# run_container RUNTIME METADATA NAME: three mkdirs under Kinvolk's
# notify-dangerous profile (mkdir notified too), with containerd's
# annotations naming the pod and the container NAME. Sets CID.
run_container() {
  local rt=$1 metadata=$2 name=$3
  CID=sa-falco-$rt-$$-$BATS_TEST_NUMBER-$name
  sa_profile_with "$SA_WORK/kinvolk.json" "$BATS_TEST_DIRNAME/fixtures/kinvolk-notify-dangerous.json" \
    '.listenerPath = $socket | .listenerMetadata = $metadata | .syscalls[0].names += ["mkdir"]' \
    --arg socket "$SA_WORK/agent.sock" --arg metadata "$metadata"
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/kinvolk.json" \
    '["/bin/sh","-c","mkdir /one /two /three && ls -1d /one* /two* /three* && rmdir /*-falco"]' \
    ".annotations = {\"io.kubernetes.cri.sandbox-namespace\": \"falco-ns\",
                     \"io.kubernetes.cri.sandbox-name\": \"falco-pod\",
                     \"io.kubernetes.cri.container-name\": \"$name\"}"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  # Served: each mkdir emulated with Kinvolk's suffix.
  [ "${lines[0]}" = /one-falco ]
  [ "${lines[1]}" = /three-falco ]
  [ "${lines[2]}" = /two-falco ]
}

# The trace's notifications of container $CID as the plugin has them.
traced_calls() {
  jq -c --arg cid "$CID" 'select(.type == "notification" and .container == $cid)
                          | {id, pid, syscall}' "$SA_TRACE" | sort
}

# until_counted RESULT N: until the agent has counted N events with RESULT.
until_counted() {
  local result=$1 n=$2 i
  for i in $(seq 100); do
    [ "$(metric "seccomp_agent_falco_events_total{result=\"$result\"}")" -ge "$n" ] && return 0
    sleep 0.1
  done
  sa_metrics | grep falco >&2
  return 1
}

# Every event of container NAME is one of its notifications in the trace,
# and every notification has one; each names the pod, the container and
# its init (the trace's container pid, which is also the process runc and
# crun installed the filter in).
published_as_traced() {
  local name=$1 init
  diff <(traced_calls) <(jq -c --arg name "$name" 'select(.k8s.container == $name)
                                                    | {id, pid, syscall}' "$EVENTS" | sort)
  [ "$(jq -s --arg name "$name" 'map(select(.k8s.container == $name and .syscall == "mkdir"))
                                  | length' "$EVENTS")" -eq 3 ]
  init=$(jq -r --arg cid "$CID" 'select(.type == "container" and .id == $cid) | .pid' "$SA_TRACE")
  [ "$init" -gt 0 ]
  jq -e -s --arg name "$name" --argjson init "$init" \
    'map(select(.k8s.container == $name)) | length > 0 and all(.k8s == {namespace: "falco-ns",
      pod: "falco-pod", container: $name, pid: $init, pid_filter: $init})' "$EVENTS"
}

published() {
  local rt=$1 calls
  start_plugin
  sa_start_agent "$SA_WORK/out/table.json" --metrics 127.0.0.1:0 --falco-socket "$SA_WORK/falco.sock"
  run_container "$rt" $'MIDDLEWARE=prometheus,falco\nMKDIR_TMPL=-falco' app
  calls=$(traced_calls | wc -l)
  [ "$calls" -ge 3 ]
  until_counted published "$calls"
  published_as_traced app
  [ "$(wc -l < "$EVENTS")" -eq "$calls" ]
  [ "$(metric 'seccomp_agent_falco_events_total{result="failed"}')" -eq 0 ]
  [ "$(metric 'seccomp_agent_falco_events_total{result="dropped"}')" -eq 0 ]
}

@test "runc: MIDDLEWARE=falco publishes every notification to the plugin" {
  published runc
}

@test "crun: MIDDLEWARE=falco publishes every notification to the plugin" {
  published crun
}

# A container of the same policy without `falco` in MIDDLEWARE publishes
# nothing (`publish` has a selector of its own): a container with it, run
# after, has its events published, and they are all the plugin received
# (the publisher sends in order).
not_published() {
  local rt=$1 calls
  start_plugin
  sa_start_agent "$SA_WORK/out/table.json" --metrics 127.0.0.1:0 --falco-socket "$SA_WORK/falco.sock"
  run_container "$rt" $'MIDDLEWARE=prometheus\nMKDIR_TMPL=-falco' quiet
  [ "$(traced_calls | wc -l)" -ge 3 ]
  run_container "$rt" $'MIDDLEWARE=falco\nMKDIR_TMPL=-falco' loud
  calls=$(traced_calls | wc -l)
  until_counted published "$calls"
  published_as_traced loud
  [ "$(wc -l < "$EVENTS")" -eq "$calls" ]
}

@test "runc: without falco in MIDDLEWARE nothing is published" {
  not_published runc
}

@test "crun: without falco in MIDDLEWARE nothing is published" {
  not_published crun
}

# No plugin on the socket: the container is served as before; every event
# fails, is counted, and is logged or counted as a line left out by the
# rate limit (10 a second).
plugin_absent() {
  local rt=$1 calls logged suppressed
  sa_start_agent "$SA_WORK/out/table.json" --metrics 127.0.0.1:0 --falco-socket "$SA_WORK/falco.sock"
  run_container "$rt" $'MIDDLEWARE=falco\nMKDIR_TMPL=-falco' app
  calls=$(traced_calls | wc -l)
  until_counted failed "$calls"
  [ "$(metric 'seccomp_agent_falco_events_total{result="failed"}')" -eq "$calls" ]
  [ "$(metric 'seccomp_agent_falco_events_total{result="published"}')" -eq 0 ]
  logged=$(grep -c 'falco publish failed' "$SA_AGENT_LOG")
  suppressed=$(metric 'seccomp_agent_log_lines_suppressed_total{event="falco publish failed"}')
  [ "$logged" -ge 1 ]
  [ $((logged + suppressed)) -eq "$calls" ]
  grep 'falco publish failed' "$SA_AGENT_LOG" | head -1 | grep -q "$SA_WORK/falco.sock"
}

@test "runc: with no plugin listening the container is served, the failures logged and counted" {
  plugin_absent runc
}

@test "crun: with no plugin listening the container is served, the failures logged and counted" {
  plugin_absent crun
}
