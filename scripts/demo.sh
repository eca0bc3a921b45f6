#!/bin/bash
# make demo: the Kinvolk Seccomp Agent's basic demo, in a real runc container
# served by seccomp-agent. Compiles rules/demo-basic.yaml, starts the agent
# (recording), runs the demo's commands in a busybox container whose seccomp
# profile is rulec's, prints the transcript and the agent's decisions, then
# cleans up: container deleted, agent stopped, socket and files removed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$build/bin
source integration/lib/common.bash

work=$(mktemp -d /tmp/seccomp-agent-demo.XXXXXX)
socket=$work/agent.sock
container=seccomp-agent-demo-$$
agent_pid=

cleanup() {
  runc delete -f "$container" >/dev/null 2>&1 || true
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid"
    wait "$agent_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Compiling rules/demo-basic.yaml"
"$bin/rulec" -o "$work/out" --listener-path "$socket" rules/demo-basic.yaml
"$bin/rulec" --explain rules/demo-basic.yaml | sed -n '/^policy/,$p'

say "Checking the policy's own tests without a kernel"
"$bin/seccomp-sim" test rules/demo-basic.yaml

say "Starting seccomp-agent on $socket"
"$bin/seccomp-agent" --socket "$socket" --table "$work/out/table.json" \
  --record "$work/trace.jsonl" > "$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done
[ -S "$socket" ] || { cat "$work/agent.log"; echo "demo: the agent did not start" >&2; exit 1; }

say "Running the demo in a runc container (busybox, no CAP_SYS_ADMIN)"
script='
for cmd in "mount -t proc proc root" "ls /root/self/cmdline" "mkdir /abc" "ls -1d /ab*" "chmod 777 /"; do
  echo "/ # $cmd"
  eval "$cmd" 2>&1
done
exit 0  # chmod is meant to fail; the transcript shows how
'
sa_make_bundle "$work/bundle" "$work/out/profile.json" "$(jq -cn --arg s "$script" '["/bin/sh","-c",$s]')"
(cd "$work/bundle" && runc run "$container")

say "What the agent decided (seccomp-sim replay of its recording)"
"$bin/seccomp-sim" replay "$work/trace.jsonl" --table "$work/out/table.json" --check

say "What the agent logged"
cat "$work/agent.log"
