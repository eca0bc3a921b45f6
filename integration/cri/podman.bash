# A private podman for podman.bats: Debian's podman 4.3 with its own storage
# (--root, --runroot, --tmpdir under one directory, the vfs driver: plain
# copies, which work on any filesystem) and its own containers.conf
# (CONTAINERS_CONF) for this machine: no default ulimits (rootful podman
# raises a container's nofile limit to 1048576, and root here may not raise
# its hard limit of 20000: prlimit says EPERM), cgroupfs (no systemd), events
# to a file (no journald), runc. Nothing of it is shared with
# a podman the machine may use; podman_stop removes it all.
#
# The agent's image is built from kind/Dockerfile with `podman build`, on a
# Debian bookworm base bootstrapped locally with debootstrap from Debian's
# archive (no image registry is reachable here) and kept as a tar in
# SA_IMAGE_CACHE (/var/cache/seccomp-agent) for the next run.

SA_IMAGE_CACHE=${SA_IMAGE_CACHE:-/var/cache/seccomp-agent}
PODMAN_BASE_IMAGE=localhost/seccomp-agent-base:bookworm

# podman_start DIR: the configuration under DIR; sets PODMAN_DIR.
podman_start() {
  PODMAN_DIR=$1
  mkdir -p "$PODMAN_DIR"
  # pidns = "host": podman 4.3's kube play ignores a pod's hostPID (it came
  # with podman 4.5), so the pod's PID namespace is the host's by default
  # instead; podman.bats checks the agent's is the host's.
  cat > "$PODMAN_DIR/containers.conf" <<CONF
[containers]
default_ulimits = []
pidns = "host"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
runtime = "runc"
[engine.runtimes]
runc = ["${CRI_RUNC:-$(command -v runc)}"]
CONF
}

# pm ARGS...: the private podman.
pm() {
  CONTAINERS_CONF=$PODMAN_DIR/containers.conf podman --root "$PODMAN_DIR/root" \
    --runroot "$PODMAN_DIR/runroot" --tmpdir "$PODMAN_DIR/tmp" --storage-driver vfs "$@"
}

# podman_base_image: the bootstrapped base (SA_IMAGE_CACHE/bookworm-minbase.tar,
# made when absent) imported as PODMAN_BASE_IMAGE. Says on stderr why not.
podman_base_image() {
  local tar=$SA_IMAGE_CACHE/bookworm-minbase.tar root
  if [ ! -s "$tar" ]; then
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; return 1; }
    mkdir -p "$SA_IMAGE_CACHE" || return 1
    root=$(mktemp -d "$SA_IMAGE_CACHE/bootstrap.XXXXXX") || return 1
    if ! debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian \
        > "$root.log" 2>&1; then
      echo "debootstrap --variant=minbase bookworm failed; its log's end:" >&2
      tail -n 5 "$root.log" >&2
      rm -rf "$root" "$root.log"
      return 1
    fi
    tar -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$root" "$root.log" "$tar.tmp"
  fi
  pm import -q "$tar" "$PODMAN_BASE_IMAGE" >/dev/null
}

# podman_build_agent TABLE: seccomp-agent:e2e built from kind/Dockerfile with
# PODMAN_BASE_IMAGE as its base, from a context laid out as the Dockerfile
# expects (build/bin/, kind/out/table.json) with this build's binaries and
# TABLE. The build's RUN steps share the host's network (apt reaches
# Debian's archive; no bridge is made).
podman_build_agent() {
  local table=$1 ctx=$PODMAN_DIR/context bin
  mkdir -p "$ctx/build/bin" "$ctx/kind/out"
  for bin in seccomp-agent rulec seccomp-sim; do
    cp "$SA_BIN/$bin" "$ctx/build/bin/"
  done
  cp "$table" "$ctx/kind/out/table.json"
  pm build --network host --build-arg "BASE=$PODMAN_BASE_IMAGE" -t seccomp-agent:e2e \
    -f "$SA_ROOT/kind/Dockerfile" "$ctx" > "$PODMAN_DIR/build.log" 2>&1 || {
    echo "podman build failed; its log's end:" >&2
    tail -n 5 "$PODMAN_DIR/build.log" >&2
    return 1
  }
}

# podman_stop: every pod and container gone, the storage unmounted and
# removed.
podman_stop() {
  [ -n "${PODMAN_DIR:-}" ] && [ -d "$PODMAN_DIR" ] || return 0
  pm pod rm -af -t 0 >/dev/null 2>&1 || true
  pm rm -af -t 0 >/dev/null 2>&1 || true
  grep -o " $PODMAN_DIR/[^ ]*" /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$PODMAN_DIR"
  PODMAN_DIR=
}
