#!/usr/bin/env bats
# overlayfs's trusted.overlay.* attributes in real runc and crun containers
# without CAP_SYS_ADMIN, served by seccomp-agent with rules/xattr.yaml
# (issue 15):
#   / # setxattr /tmp/d trusted.overlay.opaque y          -> set, as the container's root
#   / # setxattr /tmp/d trusted.overlay.opaque y create   -> File exists
#   / # setxattr /tmp/d trusted.overlay.redirect y replace -> No data available
#   / # setxattr /tmp/none trusted.overlay.opaque y       -> No such file or directory
#   / # setxattr /tmp/d trusted.evil y                    -> Operation not permitted (kernel)
#   / # setxattr /tmp/d user.note y                       -> set by the kernel
# lsetxattr marks a symlink itself, fsetxattr the caller's fd; without the
# agent, the container is refused trusted.overlay.opaque.

load lib/common

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/xattr.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

PROBE=$SA_BUILD/tests/sa-syscall-probe

readonly SCRIPT='
p=/bin/sa-syscall-probe
mkdir /tmp/d /tmp/f && ln -s d /tmp/link
echo "opaque $($p setxattr /tmp/d trusted.overlay.opaque y)"
echo "create $($p setxattr /tmp/d trusted.overlay.opaque y create)"
echo "replace $($p setxattr /tmp/d trusted.overlay.opaque z replace)"
echo "missing $($p setxattr /tmp/d trusted.overlay.redirect y replace)"
echo "none $($p setxattr /tmp/none trusted.overlay.opaque y)"
echo "link $($p lsetxattr /tmp/link trusted.overlay.redirect /d)"
echo "fd $($p fsetxattr /tmp/f trusted.overlay.opaque x)"
echo "evil $($p setxattr /tmp/d trusted.evil y)"
echo "user $($p setxattr /tmp/d user.note y)"'

containers() {
  local rt=$1 profile=$2
  sa_make_bundle "$SA_WORK/bundle" "$profile" "$(jq -cn --arg s "$SCRIPT" '["/bin/sh","-c",$s]')"
  cp "$PROBE" "$SA_WORK/bundle/rootfs/bin/sa-syscall-probe"
  rm -rf "$SA_WORK/bundle/rootfs/tmp" && mkdir -p "$SA_WORK/bundle/rootfs/tmp"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-xattr-$rt-$$"
  echo "$output"
}

# An attribute as the host sees it (lgetxattr: a link's own).
attribute() {
  "$PROBE" lgetxattr "$SA_WORK/bundle/rootfs$1" "$2"
}

served() {
  containers "$1" "$SA_WORK/out/profile.json"
  [ "$status" -eq 0 ]
  sa_has_lines "opaque ok" "create File exists" "replace ok" "missing No data available" \
    "none No such file or directory" "link ok" "fd ok" "evil Operation not permitted" "user ok"
  [ "$(attribute /tmp/d trusted.overlay.opaque)" = z ]
  [ "$(attribute /tmp/link trusted.overlay.redirect)" = /d ]
  [ "$(attribute /tmp/d trusted.overlay.redirect)" = "No data available" ]
  [ "$(attribute /tmp/f trusted.overlay.opaque)" = x ]
  [ "$(attribute /tmp/d trusted.evil)" = "No data available" ]
  # Set by the agent (rule xattr#1), the rest by the kernel (xattr#2).
  grep -q '"rule":"xattr#1"' "$SA_TRACE"
  grep -q '"rule":"xattr#2"' "$SA_TRACE"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

# The same container with a profile that does not notify setxattr: the
# kernel refuses trusted.* without CAP_SYS_ADMIN.
unserved() {
  jq '.syscalls |= map(select(.names | map(test("setxattr$")) | any | not))' \
    "$SA_WORK/out/profile.json" > "$SA_WORK/plain.json"
  containers "$1" "$SA_WORK/plain.json"
  sa_has_lines "opaque Operation not permitted" "user ok"
  [ "$(attribute /tmp/d trusted.overlay.opaque)" = "No data available" ]
}

@test "runc: overlayfs's trusted names are set for the container, others left to the kernel" {
  served runc
}

@test "crun: overlayfs's trusted names are set for the container, others left to the kernel" {
  served crun
}

@test "runc: without the agent, trusted.overlay.opaque is refused" {
  unserved runc
}

@test "crun: without the agent, trusted.overlay.opaque is refused" {
  unserved crun
}
