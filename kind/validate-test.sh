#!/bin/bash
# kind/validate.py on the repository's manifests (every object passes) and on
# broken copies of them (each is rejected, and for its reason). Exits 77 where
# Debian's kubectl 1.20 is not found (validate.py says where it looked).
#
#   kind/validate-test.sh
set -uo pipefail
cd "$(dirname "$0")/.."
validate=kind/validate.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$validate" kind/cluster.yaml > "$work/out" 2>&1
rc=$?
[ "$rc" -ne 77 ] || { cat "$work/out" >&2; exit 77; }

failed=0
fail() { echo "FAIL: $*"; failed=1; }

# The manifests: one ok line per object, nothing else.
"$validate" kind/manifests/*.yaml kind/cluster.yaml > "$work/out" 2>&1
rc=$?
cat "$work/out"
objects=$(cat kind/manifests/*.yaml | grep -c '^kind: ')
[ "$rc" -eq 0 ] || fail "the manifests: exit $rc"
[ "$(grep -c '^ok ' "$work/out")" -eq $((objects + 1)) ] ||
  fail "the manifests: expected $((objects + 1)) ok lines"

# broken NAME FILE SED REASON: FILE edited by SED must fail with REASON.
broken() {
  local name=$1 file=$2 edit=$3 reason=$4 copy=$work/$1.yaml
  sed "$edit" "$file" > "$copy"
  if cmp -s "$file" "$copy"; then
    fail "$name: the edit changed nothing"
    return
  fi
  "$validate" "$copy" > "$work/out" 2>&1
  rc=$?
  if [ "$rc" -eq 1 ] && grep -q "^FAIL .*$reason" "$work/out"; then
    echo "rejected as it should be: $name: $(grep '^FAIL' "$work/out" | head -n 1)"
  else
    cat "$work/out"
    fail "$name: expected exit 1 and a FAIL line matching '$reason', got exit $rc"
  fi
}

broken misspelt-field kind/manifests/mynotifypod.yaml 's/seccompProfile:/seccompProfil:/' \
  "Pod/mynotifypod: fields kubectl's types do not have or changed: /spec/securityContext/seccompProfil"
broken wrong-type kind/manifests/agent.yaml 's/hostPID: true/hostPID: "yes"/' \
  'DaemonSet/seccomp-agent: .*HostPID: ReadBool'
broken unknown-kind kind/manifests/agent.yaml 's/^kind: DaemonSet/kind: DaemonSett/' \
  'DaemonSett/seccomp-agent: .*no kind "DaemonSett" is registered'
broken field-in-wrong-place kind/manifests/namespaces.yaml '0,/^spec:/s/^spec:/spec:\n  privileged: true/' \
  "Pod/nspod: fields kubectl's types do not have or changed: /spec/privileged"
broken no-name kind/manifests/tutorial.yaml '0,/  name: audit-pod/s/  name: audit-pod/  labels: {}/' \
  'no metadata.name'
broken not-yaml kind/manifests/mynotifypod.yaml 's/^  restartPolicy: Never/ restartPolicy: [Never/' \
  'not YAML'
broken kind-cluster-field kind/cluster.yaml 's/containerPath:/containerpath:/' \
  "/nodes/extraMounts/containerpath: not a field of kind's kind.x-k8s.io/v1alpha4"

[ "$failed" -eq 0 ] && echo "validate-test: passed" || exit 1
