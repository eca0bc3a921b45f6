#!/bin/sh
# seccomp-sim's command line: exit statuses and the messages users see.
# Usage: cli.sh RULEC SECCOMP_SIM (run from the repository root).
set -u
RULEC=$1
SIM=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0

# expect_rc WANT DESCRIPTION -- COMMAND...: runs COMMAND, keeps its output in
# $WORK/out, and checks its exit status.
expect_rc() {
  want=$1
  what=$2
  shift 3
  "$@" >"$WORK/out" 2>&1
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: $what: exit $rc, wanted $want"
    sed 's/^/    /' "$WORK/out"
    failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}

# expect_output TEXT: the last command's output holds TEXT.
expect_output() {
  if ! grep -qF -- "$1" "$WORK/out"; then
    echo "FAIL: output lacks: $1"
    sed 's/^/    /' "$WORK/out"
    failures=$((failures + 1))
  fi
}

"$RULEC" -o "$WORK/demo" rules/demo-basic.yaml || exit 1
"$RULEC" -o "$WORK/kinvolk" rules/kinvolk-compat.yaml || exit 1

expect_rc 0 "replay --check of the Kinvolk demo" -- "$SIM" replay sim/tests/data/demo-basic.jsonl --table "$WORK/demo/table.json" --check
expect_output "4 notifications, 0 errors, 4 checks, 0 mismatches"

sed 's/errno EBADMSG/errno EPERM/' sim/tests/data/demo-basic.jsonl >"$WORK/wrong.jsonl"
expect_rc 1 "replay --check with a wrong expectation" -- "$SIM" replay "$WORK/wrong.jsonl" --table "$WORK/demo" --check
expect_output "response: expected errno EPERM, got errno EBADMSG"

expect_rc 0 "replay --format json" -- "$SIM" replay sim/tests/data/demo-basic.jsonl --table "$WORK/demo" --format json
expect_output '"summary":{"notifications":4'

head -c 300 sim/tests/data/demo-basic.jsonl >"$WORK/truncated.jsonl"
expect_rc 2 "a truncated trace" -- "$SIM" replay "$WORK/truncated.jsonl" --table "$WORK/demo"
expect_output "truncated.jsonl:3: not valid JSON"

expect_rc 2 "a missing trace" -- "$SIM" replay "$WORK/nope.jsonl" --table "$WORK/demo"
expect_output "nope.jsonl: cannot open"

echo '{"version":1}' >"$WORK/bad-table.json"
expect_rc 2 "a bad table" -- "$SIM" replay sim/tests/data/demo-basic.jsonl --table "$WORK/bad-table.json"
expect_output "bad-table.json"

expect_rc 2 "bad usage" -- "$SIM" replay
expect_rc 2 "no subcommand" -- "$SIM"
expect_rc 2 "diff with one table" -- "$SIM" diff sim/tests/data/demo-basic.jsonl --table "$WORK/demo"
expect_output "exactly two --table"

expect_rc 1 "diff of two tables" -- "$SIM" diff sim/tests/data/demo-basic.jsonl --table "$WORK/demo" --table "$WORK/kinvolk"
expect_output "3 of 4 notifications decided differently"
expect_rc 0 "diff of a table with itself" -- "$SIM" diff sim/tests/data/demo-basic.jsonl --table "$WORK/demo" --table "$WORK/demo"

expect_rc 0 "import-audit" -- "$SIM" import-audit sim/tests/data/audit.log -o "$WORK/audit.jsonl"
expect_output "8 seccomp records, 0 filtered out"
expect_rc 0 "import-audit filtered by comm" -- "$SIM" import-audit sim/tests/data/audit.log --comm nope -o "$WORK/none.jsonl"
expect_output "0 seccomp records, 8 filtered out"
printf 'type=1326 audit(1.0:1): pid=1 arch=c000003e syscall=4000\ntype=1326 audit(1.0:2): pid=1 arch=c000003e syscall=0\n' >"$WORK/new-kernel.log"
expect_rc 0 "import-audit keeps a syscall number libseccomp does not know" -- "$SIM" import-audit "$WORK/new-kernel.log" -o "$WORK/new-kernel.jsonl"
expect_output "new-kernel.log:1: no syscall has number 4000 on x86_64 (libseccomp does not know it); kept by number"
expect_output "2 seccomp records"
expect_rc 0 "profile of a trace with an unnamed syscall" -- "$SIM" profile "$WORK/new-kernel.jsonl" -o "$WORK/new-kernel.json"
expect_output "warning: syscall number x86_64 4000 has no name in libseccomp"
expect_rc 0 "profile from the imported trace" -- "$SIM" profile "$WORK/audit.jsonl" -o "$WORK/profile.json"
expect_rc 0 "the profile is what the tutorial's fine-grained.json looks like" -- grep -q '"defaultAction": "SCMP_ACT_ERRNO"' "$WORK/profile.json"
printf 'type=1326 audit(1.0:1): pid=1 arch=c000003e\n' >"$WORK/bad.log"
expect_rc 2 "import-audit of a malformed record" -- "$SIM" import-audit "$WORK/bad.log"
expect_output "bad.log:1: a seccomp record without \"syscall=\""

expect_rc 0 "inline tests of the example policies" -- "$SIM" test rules/demo-basic.yaml rules/kubernetes.yaml rules/notifier.yaml rules/userns-mount.yaml rules/kinvolk-compat.yaml rules/runc-reference.yaml rules/devices.yaml rules/xattr.yaml rules/sysinfo.yaml rules/data-only.yaml
expect_output "76 passed, 0 failed"
expect_rc 0 "inline tests of the CRI-O notifier, over the runtime's default profile" -- "$SIM" test --base rules/base/containers-default.json rules/crio-notifier.yaml
expect_output "2 passed, 0 failed"
expect_rc 2 "the CRI-O notifier needs its base profile" -- "$SIM" test rules/crio-notifier.yaml
expect_output "error[E0400]: \`intercept_base_denials\` intercepts what the base profile denies, and there is no base profile"

# `as agent` is part of what an inline test expects: either way round, a
# difference is a failure.
AS_AGENT=compiler/tests/fixtures/as-agent.yaml
expect_rc 0 "rulec accepts emulate ... as agent, with a warning" -- "$RULEC" --check "$AS_AGENT"
expect_output "warning[W0304]: emulated with the agent's full privileges"
expect_rc 0 "inline tests expecting as agent" -- "$SIM" test "$AS_AGENT"
expect_output "2 passed, 0 failed"
sed 's/path="\/abc-pid-42" as agent/path="\/abc-pid-42"/' "$AS_AGENT" >"$WORK/expects-caller.yaml"
expect_rc 1 "an as-agent decision against an expect without it" -- "$SIM" test "$WORK/expects-caller.yaml"
expect_output "emulate as: expected caller, got agent"
sed 's/-pid-{pid}" as agent/-pid-{pid}"/' "$AS_AGENT" >"$WORK/rule-as-caller.yaml"
expect_rc 1 "an expect as agent against a decision without it" -- "$SIM" test "$WORK/rule-as-caller.yaml"
expect_output "emulate as: expected agent, got caller"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
