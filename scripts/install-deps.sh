#!/bin/sh
# Installs every Debian package the build, the tests, the demo, the
# benchmarks and the fuzzers (clang 14 with libFuzzer; llvm-cov for their
# coverage) need; the CRI end-to-end test's containerd, its pause process
# (catatonit) and its gRPC client's Python modules included, podman and
# debootstrap for the agent's container (integration/cri/podman.bats),
# Debian's kubectl (kubernetes-client 1.20) for kind/validate.py, and the
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
  podman conmon debootstrap
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
"

# kubernetes-client installs /usr/bin/kubectl, which some machine images
# already have from another package (the Google Cloud SDK's `kubectl`); dpkg
# would refuse to overwrite it. There, the Debian package's files are unpacked
# into KUBE_DIR instead, where kind/validate.py looks first.
KUBE_DIR=/var/cache/seccomp-agent/kubernetes-client
other_kubectl=""
owner=$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
if [ -n "$owner" ] && [ "$owner" != kubernetes-client ]; then
  other_kubectl=$owner
else
  PACKAGES="$PACKAGES kubernetes-client"
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done

kube_unpack=""
if [ -n "$other_kubectl" ] && [ ! -x "$KUBE_DIR/usr/bin/kubectl" ]; then
  kube_unpack=1
fi

if [ -z "$missing" ] && [ -z "$kube_unpack" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ -n "$missing" ]; then
  echo "install-deps: installing:$missing" >&2
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ -n "$kube_unpack" ]; then
  echo "install-deps: /usr/bin/kubectl is $other_kubectl's: unpacking kubernetes-client into $KUBE_DIR" >&2
  tmp=$(mktemp -d)
  chmod 0777 "$tmp"  # apt's download runs as _apt
  (cd "$tmp" && $SUDO apt-get download -qq kubernetes-client)
  $SUDO mkdir -p "$KUBE_DIR.new"
  $SUDO dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$KUBE_DIR.new"
  $SUDO rm -rf "$KUBE_DIR" "$tmp"
  $SUDO mv "$KUBE_DIR.new" "$KUBE_DIR"
fi
