# A private containerd for the CRI end-to-end test: its own root, state,
# socket and CNI directories under one temporary directory, the CRI plugin on,
# runc as the only runtime, the native snapshotter (plain copies: works on any
# filesystem, overlay on overlay included), and locally made images, since
# there is no registry. Nothing of it is shared with a containerd the machine
# may run; cri_containerd_stop kills it and every shim it started.
#
# The runc runtime passes the pod annotation
# io.kubernetes.cri-o.seccompNotifierAction into the OCI spec
# (`pod_annotations`): containerd 1.6 puts only its own io.kubernetes.cri.*
# annotations there otherwise, and the CRI-O notifier policy is selected by
# that pod annotation.

CRI_PAUSE_IMAGE=seccomp-agent.local/pause:e2e
# The manifests say `image: busybox`, which the CRI resolves to this name.
CRI_POD_IMAGE=docker.io/library/busybox:latest

# cri_containerd_start DIR: starts containerd with everything under DIR and
# waits for its CRI socket; sets CRI_SOCK and CRI_CTR (a ctr command line).
cri_containerd_start() {
  local dir=$1
  mkdir -p "$dir"/{root,state,cni,opt}
  cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = "$dir/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$CRI_PAUSE_IMAGE"
  disable_apparmor = true
  # The pause container asks for oom_score_adj -998, which a process that may
  # not lower its own (this machine's sessions, an unprivileged CI runner)
  # cannot set: containerd then keeps it at no lower than its own.
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["io.kubernetes.cri-o.seccompNotifierAction"]
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "${CRI_RUNC:-$(command -v runc)}"
        Root = "$dir/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni"
TOML
  CRI_SOCK=$dir/containerd.sock
  CRI_CTR="ctr --address $CRI_SOCK --namespace k8s.io"
  CRI_DIR=$dir
  containerd --config "$dir/config.toml" --log-level info > "$dir/containerd.log" 2>&1 &
  CRI_CONTAINERD_PID=$!
  echo "$CRI_CONTAINERD_PID" > "$dir/containerd.pid"
  local i
  for i in $(seq 1 100); do
    if [ -S "$CRI_SOCK" ] && $CRI_CTR version >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$CRI_CONTAINERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "containerd did not start; its log:" >&2
  cat "$dir/containerd.log" >&2
  cri_containerd_stop
  return 1
}

# cri_import_images DIR: the pause image (catatonit -P, what the kubelet's
# sandbox image runs) and the pods' busybox image, imported into k8s.io.
cri_import_images() {
  local dir=$1 py=/usr/bin/python3 here
  here=$(dirname "${BASH_SOURCE[0]}")
  "$py" "$here/mkimage.py" "$dir/pause.tar" "$CRI_PAUSE_IMAGE" \
    --entrypoint '["/catatonit","-P"]' "$(command -v catatonit)=/catatonit"
  "$py" "$here/mkimage.py" "$dir/busybox.tar" "$CRI_POD_IMAGE" \
    --entrypoint '["/bin/sh"]' --busybox
  $CRI_CTR images import --snapshotter native "$dir/pause.tar" >/dev/null
  $CRI_CTR images import --snapshotter native "$dir/busybox.tar" >/dev/null
}

# cri_agent_tar DIR AGENT TABLE: DIR/agent.tar, the image kind/manifests/agent.yaml
# names (seccomp-agent:e2e), made like kind/Dockerfile's but without a base
# image: this build's agent, the shared libraries it links (as ldd finds them
# here), and the table at /etc/seccomp-agent/table.json.
cri_agent_tar() {
  local dir=$1 agent=$2 table=$3 here files=() lib
  here=$(dirname "${BASH_SOURCE[0]}")
  files+=("$agent=/usr/local/bin/seccomp-agent" "$table=/etc/seccomp-agent/table.json")
  for lib in $(ldd "$agent" | grep -o '/[^ ]*'); do
    files+=("$(readlink -f "$lib")=$lib")
  done
  /usr/bin/python3 "$here/mkimage.py" "$dir/agent.tar" docker.io/library/seccomp-agent:e2e \
    --entrypoint '["/usr/local/bin/seccomp-agent"]' "${files[@]}"
}

# cri_agent_image DIR AGENT TABLE: cri_agent_tar's image imported into k8s.io.
cri_agent_image() {
  cri_agent_tar "$@"
  $CRI_CTR images import --snapshotter native "$1/agent.tar" >/dev/null
}

# cri_containerd_stop: every task of every container killed (the shims with
# them), then containerd; its directory's mounts, if any, undone.
cri_containerd_stop() {
  [ -n "${CRI_CONTAINERD_PID:-}" ] || return 0
  local c
  for c in $($CRI_CTR containers list -q 2>/dev/null); do
    $CRI_CTR tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
  done
  sleep 0.5
  for c in $($CRI_CTR containers list -q 2>/dev/null); do
    $CRI_CTR tasks delete -f "$c" >/dev/null 2>&1 || true
  done
  kill "$CRI_CONTAINERD_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$CRI_CONTAINERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$CRI_CONTAINERD_PID" 2>/dev/null || true
  # Shims outlive containerd by design; any left belong to this root.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CRI_SOCK" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  grep -o " $CRI_DIR/[^ ]*" /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  # containerd 1.6 puts its shims' sockets in /run/containerd/s whatever its
  # state directory; left empty, the directories go too.
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  CRI_CONTAINERD_PID=
}

# cri_generate DIR: the Python modules of api.proto, into DIR (CRI_GEN).
cri_generate() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  mkdir -p "$1"
  /usr/bin/python3 -m grpc_tools.protoc -I "$here" --python_out="$1" --grpc_python_out="$1" \
    "$here/api.proto"
  export CRI_GEN=$1
}
