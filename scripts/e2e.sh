#!/bin/bash
# `make e2e`: Kubernetes end to end, by one of two paths, and says which.
#  - kind, where a Docker engine and kind are present: a one-node cluster
#    (kind/e2e.sh; kubectl too).
#  - otherwise the CRI path: a private containerd 1.6 driven through the CRI
#    gRPC API as the kubelet does, the agent on the host and as its
#    DaemonSet's pod (integration/cri/run.sh cri), then the same pods served
#    by the agent in agent.yaml's pod run by `podman kube play`, its image
#    built by `podman build` from kind/Dockerfile (integration/cri/run.sh
#    podman).
# Each exits 77 with its reason where it cannot run. This script fails if one
# failed, and exits 77 if none ran.
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

if docker info >/dev/null 2>&1 && command -v kind >/dev/null 2>&1; then
  echo "e2e: a Docker engine and kind are present: the kind path"
  run_path kind kind/e2e.sh "$build"
else
  why=""
  docker info >/dev/null 2>&1 || why+="no Docker engine (docker info fails); "
  command -v kind >/dev/null 2>&1 || why+="no kind; "
  echo "e2e: ${why}the CRI path (containerd, runc, podman), not kind"
  run_path CRI integration/cri/run.sh "$build" cri
  run_path podman integration/cri/run.sh "$build" podman
fi

echo "e2e: passed: ${ran[*]:-none}; skipped (cannot run here): ${skipped[*]:-none}; failed: ${failed[*]:-none}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#ran[@]} -gt 0 ] || exit 77
