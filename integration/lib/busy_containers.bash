# N containers (runc or crun) that make notified syscalls in a tight loop,
# each counting its rounds in /w/I/count of one shared rootfs: the load under
# which takeover.bats replaces the agent and crash.bats kills it. The caller
# sets N and LOOP (a shell loop run as `sh -c "$LOOP" I`).

# busy_rules POLICY: an emulated mkdir (DIR/e made as DIR/e-emulated) and a
# continued one (DIR/c), compiled into $SA_WORK/out.
busy_rules() {
  cat > "$SA_WORK/rules.yaml" <<RULES
policy: $1
description: a loop of notified mkdirs, one emulated and one continued
rules:
  - mkdir path glob "/w/*/e" -> emulate path="{path}-emulated"
  - mkdir path glob "/w/*/c" -> continue
RULES
  sa_compile "$SA_WORK/out" --listener-path "$SA_WORK/agent.sock" "$SA_WORK/rules.yaml"
}

# busy_start RUNTIME ID_PREFIX: the N containers, ID_PREFIX-I, detached.
busy_start() {
  local rt=$1 prefix=$2 i
  sa_make_bundle "$SA_WORK/b" "$SA_WORK/out/profile.json" '["/bin/true"]'
  mv "$SA_WORK/b/rootfs" "$SA_WORK/rootfs"
  for i in $(seq 0 $((N - 1))); do
    mkdir -p "$SA_WORK/rootfs/w/$i" "$SA_WORK/b$i"
    jq --arg root "$SA_WORK/rootfs" --arg loop "$LOOP" --arg i "$i" \
      '.root.path = $root | .process.args = ["/bin/sh", "-c", $loop, $i]' \
      "$SA_WORK/b/config.json" > "$SA_WORK/b$i/config.json"
    (cd "$SA_WORK/b$i" && sa_runtime_cmd "$rt" run -d "$prefix-$i" \
      > "$SA_WORK/run$i.txt" 2>&1 < /dev/null)
  done
}

# busy_count_of I: container I's rounds so far.
busy_count_of() {
  local n
  n=$(cat "$SA_WORK/rootfs/w/$1/count" 2>/dev/null) || n=0
  echo "${n:-0}"
}

# busy_all_rising ARRAY: until every container's count exceeds what ARRAY
# (an array name) holds; fails naming the first that stopped.
busy_all_rising() {
  local -n before_=$1
  local i tries now
  for i in $(seq 0 $((N - 1))); do
    for tries in $(seq 600); do
      now=$(busy_count_of "$i")
      [ "$now" -gt "${before_[$i]}" ] && break
      sleep 0.1
    done
    if [ "$now" -le "${before_[$i]}" ]; then
      echo "container $i stopped counting at ${before_[$i]}" >&2
      return 1
    fi
  done
}

# busy_fds_become WANT PID: until process PID holds WANT fds.
busy_fds_become() {
  local want=$1 pid=$2 i
  for i in $(seq 100); do
    [ "$(ls "/proc/$pid/fd" | wc -l)" -eq "$want" ] && return 0
    sleep 0.1
  done
  echo "the agent holds $(ls "/proc/$pid/fd" | wc -l) fds, not $want" >&2
  return 1
}
