#!/bin/bash
# The CRI end-to-end test (cri.bats): a private containerd driven through the
# CRI as the kubelet does, with the agent of this build. Exits 77 (CTest's
# "skipped") with the reason where it cannot run: not root, or containerd,
# ctr, runc, catatonit, bats, or Debian's python3-grpcio / python3-grpc-tools /
# python3-yaml missing (scripts/install-deps.sh installs them all).
#
#   integration/cri/run.sh [BUILD_DIR]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)

missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root (containerd and runc need it)")
for tool in containerd containerd-shim-runc-v2 ctr runc catatonit bats jq; do
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
  printf 'cri e2e: cannot run here: missing %s\n' "${missing[@]}" >&2
  exit 77
fi

echo "cri e2e: containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'), agent of $build"
SA_BUILD=$build exec bats --timing "$here/cri.bats"
