# The kubelet's side of the CRI suites (cri.bats, podman.bats): a private
# containerd with the local images for the whole file, and pods of
# kind/manifests/ run, inspected and removed through the CRI (cri.py).
# Loaded after ../lib/common and containerd.

MANIFESTS=$SA_ROOT/kind/manifests

# cri_suite_start: the file's containerd, its images and cri.py's modules,
# all under CRI_WORK; pods on the node's network.
cri_suite_start() {
  CRI_WORK=$(mktemp -d "${TMPDIR:-/tmp}/sa-cri.XXXXXX")
  export CRI_WORK
  cri_generate "$CRI_WORK/gen"
  cri_containerd_start "$CRI_WORK/containerd"
  export CRI_SOCK CRI_CTR CRI_DIR CRI_CONTAINERD_PID
  cri_import_images "$CRI_WORK/containerd"
  export CRI_LOG_ROOT=$CRI_WORK/pods CRI_NETWORK=node
}

cri_suite_stop() {
  cri_containerd_stop
  if [ "${SA_KEEP:-0}" != 1 ] && [ -n "${CRI_WORK:-}" ]; then
    rm -rf "$CRI_WORK"
  fi
}

cri() {
  /usr/bin/python3 "$SA_ROOT/integration/cri/cri.py" "$@"
}

# pod MANIFEST NAME [NAMESPACE]: runs the pod through the CRI; sets SANDBOX
# and CONTAINER (the id of its first container) and adds the sandbox to PODS.
pod() {
  local manifest=$1 name=$2 ns=${3:-} ids
  ids=$(cri run "$manifest" --pod "$name" ${ns:+--namespace "$ns"})
  SANDBOX=$(jq -r .sandbox <<< "$ids")
  CONTAINER=$(jq -r '.containers | to_entries[0].value' <<< "$ids")
  PODS+=("$SANDBOX")
}

# rm_pods: every pod of PODS removed, the last first.
rm_pods() {
  local i
  for ((i = ${#PODS[@]} - 1; i >= 0; i--)); do
    cri rm "${PODS[$i]}" || true
  done
  PODS=()
}

# registered NAMESPACE/POD CONTAINER POLICY: the agent's line (text log
# format, SA_AGENT_LOG) for the container, with the identity containerd's
# annotations gave it.
registered() {
  grep "container registered container=$2 id=$CONTAINER .* pod=$1 policy=$3 " "$SA_AGENT_LOG"
}

# wait_exited CID [SECONDS]: until the container has exited.
wait_exited() {
  local i
  for i in $(seq $((${2:-20} * 10))); do
    [ "$(cri status "$1" | jq -r .state)" = CONTAINER_EXITED ] && return 0
    sleep 0.1
  done
  cri status "$1"
  return 1
}

# logs_hold CID TEXT: until the container's log has a line TEXT (10 s).
logs_hold() {
  local i
  for i in $(seq 100); do
    cri logs "$1" | grep -qx -- "$2" && return 0
    sleep 0.1
  done
  cri logs "$1"
  return 1
}

# exec_ms CID CMD...: how long CMD took in the container, in ms, timed by
# busybox's time from a shell there (see the README on an exec'd /bin/true).
exec_ms() {
  local cid=$1
  shift
  cri exec "$cid" -- sh -c 'time -f %e "$@" 2>&1 >/dev/null | awk "{ print int(\$1 * 1000) }"' sh "$@"
}

# mynotifypod_emulated: the Kinvolk demo's three effects in mynotifypod
# (CONTAINER), through kubectl exec's path (ExecSync, runc exec, the
# container's filter): mkdir renamed after the pod, proc mounted, /bin/true
# delayed 2 s while /bin/echo is not.
mynotifypod_emulated() {
  run cri exec "$CONTAINER" -- sh -c 'mkdir /abc; ls -1d /abc*'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = /abc-default-mynotifypod-container1 ]
  run cri exec "$CONTAINER" -- sh -c 'mount -t proc proc /root && mount | grep " /root "'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "proc on /root type proc "* ]]
  run exec_ms "$CONTAINER" /bin/echo -n ""
  echo "echo: $output ms"
  [ "$output" -lt 1500 ]
  run exec_ms "$CONTAINER" /bin/true
  echo "true: $output ms"
  [ "$output" -ge 1950 ]
  [ "$output" -lt 10000 ]
}

# nspod_by_namespace CHECK: namespaces.yaml's nspod in default and in team-b
# (a table of integration/fixtures/team-b.yaml then rules/kubernetes.yaml):
# each namespace's policy renames mkdir and answers chmod its own way, and
# `CHECK NAMESPACE/POD CONTAINER POLICY` finds the agent's line for each.
nspod_by_namespace() {
  local check=$1 default_ctr
  pod "$MANIFESTS/namespaces.yaml" nspod default
  default_ctr=$CONTAINER
  run cri exec "$CONTAINER" -- sh -c 'mkdir /abc; ls -1d /abc*; chmod 700 /tmp && echo chmod ok'
  echo "$output"
  [ "${lines[0]}" = /abc-default-nspod-shell ]
  [ "${lines[1]}" = "chmod ok" ]
  "$check" default/nspod shell kubernetes
  pod "$MANIFESTS/namespaces.yaml" nspod team-b
  run cri exec "$CONTAINER" -- sh -c 'mkdir /abc; ls -1d /abc*; chmod 700 /tmp && echo chmod ok'
  echo "$output"
  [ "${lines[0]}" = /abc-team-b ]
  [ "${lines[1]}" = "chmod: /tmp: Bad message" ]
  "$check" team-b/nspod shell team-b
  [ "$default_ctr" != "$CONTAINER" ]
}
