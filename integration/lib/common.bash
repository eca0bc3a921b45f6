# Shared set-up for the bats suites: a busybox-static root filesystem, OCI
# bundles whose seccomp section is a profile from rulec, the agent on a
# private socket, and the two runtimes (runc as is; crun in a private mount
# namespace with only cgroup2 on /sys/fs/cgroup, see crun_cmd).

SA_ROOT=${SA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SA_BUILD=${SA_BUILD:-$SA_ROOT/build}
SA_BIN=$SA_BUILD/bin

# One work directory per test file; removed at the end unless SA_KEEP=1.
sa_setup_workdir() {
  SA_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sa-it.XXXXXX")
  export SA_WORK
}

sa_teardown_workdir() {
  if [ "${SA_KEEP:-0}" != 1 ] && [ -n "${SA_WORK:-}" ]; then
    rm -rf "$SA_WORK"
  fi
}

# A minimal root filesystem: busybox-static and its applets.
sa_make_rootfs() {
  local rootfs=$1
  mkdir -p "$rootfs"/{bin,proc,dev,sys,tmp,etc,root,mnt}
  cp /bin/busybox "$rootfs/bin/busybox"
  "$rootfs/bin/busybox" --list | while read -r applet; do
    [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
}

# sa_make_bundle DIR PROFILE.json ARGS_JSON [JQ_FILTER]
# An OCI bundle from `runc spec`, non-interactive, running ARGS_JSON (a JSON
# array), with PROFILE.json as its linux.seccomp section; JQ_FILTER, when
# given, edits config.json further (annotations, user, namespaces...).
sa_make_bundle() {
  local dir=$1 profile=$2 args=$3 extra=${4:-.}
  mkdir -p "$dir"
  [ -d "$dir/rootfs" ] || sa_make_rootfs "$dir/rootfs"
  (cd "$dir" && rm -f config.json && runc spec)
  jq --slurpfile seccomp "$profile" --argjson args "$args" \
     '.process.terminal = false | .process.args = $args | .linux.seccomp = $seccomp[0] | .root.readonly = false' \
     "$dir/config.json" | jq "$extra" > "$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}

# Runs crun the way this machine allows: crun 1.8 refuses the hybrid cgroup
# layout, so it runs in a private mount namespace that sees only cgroup2.
crun_cmd() {
  unshare -m /bin/sh -c '
    mount --make-rprivate / &&
    umount -l /sys/fs/cgroup 2>/dev/null
    mount -t cgroup2 none /sys/fs/cgroup &&
    exec crun --cgroup-manager=disabled "$@"' crun "$@"
}

runc_cmd() {
  runc "$@"
}

# sa_runtime_cmd RUNTIME ARGS...: runc or crun.
sa_runtime_cmd() {
  local rt=$1
  shift
  case $rt in
    runc) runc_cmd "$@" ;;
    crun) crun_cmd "$@" ;;
    *) echo "unknown runtime $rt" >&2; return 2 ;;
  esac
}

# sa_compile OUTDIR [rulec args...]
sa_compile() {
  local out=$1
  shift
  "$SA_BIN/rulec" -o "$out" "$@"
}
