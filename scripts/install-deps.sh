#!/bin/sh
# Installs every Debian package the build, the tests, the demo, the
# benchmarks and the fuzzers (clang 14 with libFuzzer; llvm-cov for their
# coverage) need; the CRI end-to-end test's containerd, its pause process
# (catatonit) and its gRPC client's Python modules included, and the
# agent's own gRPC client for Kinvolk's Falco plugin (libgrpc++-dev,
# protoc and grpc_cpp_plugin, runtime/falco). Idempotent:
# packages already present are not touched, and
# apt is not called at all when nothing is missing.
set -eu

PACKAGES="
  build-essential cmake ninja-build pkg-config
  libseccomp-dev tao-pegtl-dev libyaml-cpp-dev libboost-dev libboost-test-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libssl-dev
  bats jq runc crun busybox-static util-linux procps
  clang-14 libclang-rt-14-dev llvm-14
  containerd catatonit python3-grpcio python3-grpc-tools python3-yaml
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
