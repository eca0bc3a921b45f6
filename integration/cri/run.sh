#!/bin/bash
# The CRI end-to-end tests, with the agent of this build:
#   cri     cri.bats: a private containerd driven through the CRI as the
#           kubelet does, the agent on the host (and once in a CRI pod)
#   podman  podman.bats: the same containerd's pods served by the agent in
#           agent.yaml's pod, run by `podman kube play`, its image built by
#           `podman build` from kind/Dockerfile
# Exits 77 (CTest's "skipped") with the reason where it cannot run: not
# root, or containerd, ctr, runc, catatonit, bats, Debian's python3-grpcio /
# python3-grpc-tools / python3-yaml, or (podman) podman missing
# (scripts/install-deps.sh installs them all).
#
#   integration/cri/run.sh [BUILD_DIR] [cri|podman]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
suite=${2:-cri}

tools=(containerd containerd-shim-runc-v2 ctr runc catatonit bats jq)
case $suite in
  cri) ;;
  podman) tools+=(podman conmon) ;;
  *) echo "run.sh: unknown suite '$suite' (cri or podman)" >&2; exit 2 ;;
esac

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root (containerd and runc need it)")
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# Debian's Python, not whatever python3 comes first in PATH: the modules are
# Debian's packages.
/usr/bin/python3 -c 'import grpc, grpc_tools.protoc, yaml' 2>/dev/null ||
  missing+=("/usr/bin/python3 with grpc, grpc_tools and yaml (python3-grpcio, python3-grpc-tools, python3-yaml)")
for bin in rulec seccomp-agent seccomp-sim; do
  [ -x "$build/bin/$bin" ] || missing+=("$build/bin/$bin (build first)")
done
if [ ${#missing[@]} -gt 0 ]; then
  printf '%s e2e: cannot run here: missing %s\n' "$suite" "${missing[@]}" >&2
  exit 77
fi

versions="containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}')"
[ "$suite" = podman ] && versions+=", podman $(podman --version | awk '{print $3}')"
echo "$suite e2e: $versions, agent of $build"
SA_BUILD=$build exec bats --timing "$here/$suite.bats"
