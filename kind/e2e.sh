#!/bin/bash
# End-to-end on Kubernetes (kind): compile the example rules, build the agent
# image, create a one-node cluster whose kubelet sees the profiles, deploy the
# agent as a DaemonSet, and run the Kinvolk Kubernetes demo in a pod.
#
# Needs a Docker engine, kind and kubectl, and the images kindest/node and
# busybox (pulled, or already loaded). Where one of them is missing the
# script says which and exits 77 (CTest's "skipped"), never pretending to pass.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cluster=seccomp-agent-e2e

missing=()
docker info >/dev/null 2>&1 || missing+=("a Docker engine (docker info fails)")
command -v kind >/dev/null 2>&1 || missing+=("kind")
command -v kubectl >/dev/null 2>&1 || missing+=("kubectl")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'e2e: cannot run here: missing %s\n' "${missing[@]}" >&2
  exit 77
fi

out=kind/out
rm -rf "$out" && mkdir -p "$out"
"$build/bin/rulec" -o "$out" --listener-path /run/seccomp-agent/seccomp-agent.socket \
  rules/kubernetes.yaml rules/demo-basic.yaml

sed "s|@PROFILES@|$PWD/$out/profiles|" kind/cluster.yaml > "$out/cluster.yaml"

cleanup() { kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; }
trap cleanup EXIT
kind create cluster --name "$cluster" --config "$out/cluster.yaml" --wait 120s
docker build -t seccomp-agent:e2e -f kind/Dockerfile .
kind load docker-image seccomp-agent:e2e --name "$cluster"
kubectl apply -f kind/manifests/agent.yaml
kubectl -n seccomp-agent rollout status daemonset/seccomp-agent --timeout=120s
kubectl apply -f kind/manifests/mynotifypod.yaml
kubectl wait --for=condition=Ready pod/mynotifypod --timeout=180s

fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
kubectl exec mynotifypod -- mkdir /abc
dirs=$(kubectl exec mynotifypod -- sh -c 'ls -1d /abc*')
[ "$dirs" = /abc-default-mynotifypod-container1 ] || fail "mkdir gave '$dirs'"
kubectl exec mynotifypod -- mount -t proc proc /root
kubectl exec mynotifypod -- sh -c 'mount | grep -q "proc on /root type proc"' || fail "proc not mounted"
# runc's Go init makes this execve itself, restarted by the Go runtime's
# signals every 10 ms: each restart keeps the first delay (README, "Kubernetes").
start=$(date +%s%N); kubectl exec mynotifypod -- /bin/true; slow=$(( ($(date +%s%N) - start) / 1000000 ))
start=$(date +%s%N); kubectl exec mynotifypod -- /bin/echo -n; fast=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$slow" -ge 1900 ] || fail "/bin/true took ${slow} ms, expected about 2 s"
[ $((slow - fast)) -ge 1500 ] || fail "/bin/true (${slow} ms) not slower than /bin/echo (${fast} ms)"
echo "e2e: ok: mkdir renamed, proc mounted, /bin/true ${slow} ms vs /bin/echo ${fast} ms"
