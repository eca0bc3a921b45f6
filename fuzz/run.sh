#!/usr/bin/env bash
# fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]: runs each libFuzzer harness
# (default: all of fuzz/CMakeLists.txt's) for SECONDS, seeded from the
# repository, and prints each one's final stats. Exits non-zero when a
# harness finds a crash or a broken property; the input is kept in
# BUILD_DIR/fuzz/artifacts/.
#
# Corpora: the seeds are rebuilt from the repository at every run
# (BUILD_DIR/fuzz/seeds/HARNESS); what a run adds goes to
# BUILD_DIR/fuzz/corpus/HARNESS, outside the repository, and is used again
# by the next run there. fuzz/regressions/HARNESS holds inputs that once
# failed: every run replays them first. FUZZ_KEEP=1 merges what a run
# found into fuzz/corpus-kept/HARNESS in the repository (minimised).
# FUZZ_RUNS=N stops each harness after N inputs instead of SECONDS, and
# with FUZZ_SEED=N (libFuzzer's random seed) and FUZZ_FRESH=1 (a corpus of
# the seeds alone, not what earlier runs here found) the run is the same on
# every machine: `make fuzz-smoke` runs so, so that CI's verdict can be
# reproduced, and a fuzzer cannot turn it red by luck.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]}
shift 2
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] ||
  harnesses=(fuzz_rules fuzz_dsl fuzz_table fuzz_trace fuzz_audit fuzz_container_message)
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz/run.sh: SECONDS must be a positive integer" >&2; exit 2; }

work=$build/fuzz
mkdir -p "$work/artifacts"
"$repo/fuzz/seeds.sh" "$build"

failed=()
for h in "${harnesses[@]}"; do
  bin=$build/bin/$h
  [ -x "$bin" ] || { echo "fuzz/run.sh: $bin not built (make fuzz builds it)" >&2; exit 2; }
  corpus=$work/corpus/$h
  [ "${FUZZ_FRESH:-0}" != 1 ] || { corpus=$work/fresh/$h; rm -rf "$corpus"; }
  mkdir -p "$corpus" "$repo/fuzz/regressions/$h"
  args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$work/artifacts/$h-")
  [ -z "${FUZZ_SEED:-}" ] || args+=(-seed="$FUZZ_SEED")
  [ -z "${FUZZ_RUNS:-}" ] || args+=(-runs="$FUZZ_RUNS")
  case $h in
    fuzz_rules | fuzz_dsl) args+=(-dict="$repo/fuzz/dsl.dict") ;;
  esac
  echo "== $h: ${seconds}s"
  if ! "$bin" "${args[@]}" "$corpus" "$work/seeds/$h" "$repo/fuzz/regressions/$h" \
      > "$work/$h.log" 2>&1; then
    failed+=("$h")
    tail -40 "$work/$h.log"
  fi
  grep -E '^(stat::|#[0-9]+ +DONE)' "$work/$h.log" || true
  if [ "${FUZZ_KEEP:-0}" = 1 ]; then
    mkdir -p "$repo/fuzz/corpus-kept/$h"
    "$bin" -merge=1 "$repo/fuzz/corpus-kept/$h" "$corpus" > /dev/null 2>&1
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: failed: ${failed[*]} (inputs in $work/artifacts/)" >&2
  exit 1
fi
echo "fuzz/run.sh: ${#harnesses[@]} harnesses, ${seconds}s each, nothing found"
