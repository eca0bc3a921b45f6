#!/usr/bin/env bats
# Scenario 3: user namespaces (seed 000, "Combining with user namespaces").
# In a container with its own user namespace and CAP_SYS_ADMIN there, root
# mounts an allowed filesystem type through the agent; an unprivileged user
# in the same container is refused; a type not on the list is refused; and
# CAP_SYS_ADMIN without a user namespace of the container's own does not
# count. tmpfs stands in for cifs, which needs a server this machine lacks.

load lib/common

USERNS='.linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
SYS_ADMIN='.process.capabilities.bounding += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.effective += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]
  | .process.capabilities.permitted += ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID"]'

setup() {
  sa_setup_workdir
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_ROOT/rules/userns-mount.yaml"
  sa_start_agent "$SA_WORK/out/table.json"
}

teardown() {
  sa_stop_agent
  sa_teardown_workdir
}

# in_container RUNTIME JQ_FILTER SCRIPT
in_container() {
  local rt=$1 filter=$2 script=$3
  sa_make_bundle "$SA_WORK/bundle" "$SA_WORK/out/profile.json" \
    "$(jq -cn --arg s "$script" '["/bin/sh","-c",$s]')" "$filter"
  cd "$SA_WORK/bundle"
  run sa_runtime_cmd "$rt" run "sa-userns-$rt-$$-$BATS_TEST_NUMBER"
  echo "$output"
}

mounts() {
  local rt=$1
  in_container "$rt" "$USERNS | $SYS_ADMIN" '
    mount -t tmpfs none /mnt && grep " /mnt tmpfs" /proc/mounts | cut -d" " -f1-3
    su -s /bin/sh nobody -c "mount -t tmpfs none /tmp"
    mount -t ramfs none /tmp
    true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "none /mnt tmpfs" ]
  [ "${lines[1]}" = "mount: permission denied (are you root?)" ]
  [ "${lines[2]}" = "mount: permission denied (are you root?)" ]
  # The trace says why: a requirement, then the catch-all rule.
  grep -q '"origin":"requirement"' "$SA_TRACE"
  sa_stop_agent
  run sa_replay_check
  echo "$output"
  [ "$status" -eq 0 ]
}

host_userns() {
  local rt=$1
  in_container "$rt" "$SYS_ADMIN" 'mount -t tmpfs none /mnt; true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "mount: permission denied (are you root?)" ]
}

@test "runc: root with CAP_SYS_ADMIN in its user namespace mounts; nobody and other types are refused" {
  mounts runc
}

@test "crun: root with CAP_SYS_ADMIN in its user namespace mounts; nobody and other types are refused" {
  mounts crun
}

@test "runc: CAP_SYS_ADMIN without a user namespace of the container's own does not count" {
  host_userns runc
}

@test "crun: CAP_SYS_ADMIN without a user namespace of the container's own does not count" {
  host_userns crun
}
