#!/bin/sh
# The seed traces: recordings of the seed documents' demos, made by
# seccomp-agent --record while the integration suite ran them in real runc
# and crun containers, with an `expect` added by hand to each notification
# the seed document describes. Each replays, with --check, through the table
# compiled from the rule file the agent ran: the recorded decision and the
# expectation must both still hold.
# Usage: check.sh RULEC SECCOMP_SIM (from the repository root).
set -u
RULEC=$1
SIM=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0

# trace            rule file (rules/NAME.yaml)
while read -r trace rules; do
  "$RULEC" -o "$WORK/$rules" "rules/$rules.yaml" || exit 2
  if "$SIM" replay "sim/traces/$trace.jsonl" --table "$WORK/$rules" --check >"$WORK/out" 2>&1; then
    echo "ok: $trace: $(grep 'notifications,' "$WORK/out")"
  else
    echo "FAIL: $trace replayed with rules/$rules.yaml"
    sed 's/^/    /' "$WORK/out"
    failures=$((failures + 1))
  fi
done <<'TRACES'
kinvolk-basic-demo      demo-basic
kinvolk-kubernetes-demo kubernetes
userns-mount            userns-mount
crio-notifier           notifier
runc-important-syscalls runc-reference
TRACES

exit $((failures > 0))
