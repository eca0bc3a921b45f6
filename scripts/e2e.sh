#!/bin/bash
# `make e2e`: Kubernetes end to end, by every path this machine allows.
#  - CRI: a private containerd 1.6 driven through the CRI gRPC API as the
#    kubelet does (integration/cri/run.sh); needs root and Debian's containerd.
#  - kind: a one-node cluster (kind/e2e.sh); needs Docker, kind and kubectl.
# Each exits 77 with its reason where it cannot run. This script says which
# ran, fails if one failed, and exits 77 if neither could run.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

ran=() skipped=() failed=()
run_path() {
  local name=$1 rc
  shift
  echo "e2e: running the $name path: $*"
  "$@"
  rc=$?
  case $rc in
    0) ran+=("$name") ;;
    77) skipped+=("$name") ;;
    *) failed+=("$name") ;;
  esac
}
run_path CRI integration/cri/run.sh "$build"
run_path kind kind/e2e.sh "$build"

echo "e2e: passed: ${ran[*]:-none}; skipped (cannot run here): ${skipped[*]:-none}; failed: ${failed[*]:-none}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#ran[@]} -gt 0 ] || exit 77
