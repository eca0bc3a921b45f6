#!/usr/bin/env bash
# fuzz/coverage.sh COV_BUILD [CORPUS_ROOT]: source coverage (llvm-cov) of the
# parsers each harness targets, reached by the corpus it has kept.
#
# COV_BUILD is configured with -DSA_FUZZ_COVERAGE=ON (clang 14, profile
# instrumentation, no sanitizers; `make fuzz-coverage` does it). Each
# harness replays, once each (-runs=0), the inputs of CORPUS_ROOT/HARNESS
# (default build-fuzz/fuzz/corpus: what fuzz/run.sh found there),
# fuzz/corpus-kept/HARNESS when there is one, its seeds (fuzz/seeds.sh) and
# fuzz/regressions/HARNESS. The profiles are merged per harness and
# reported over the harness's own target files only: the parser and what it
# exists to check, not the libraries around it. Prints a Markdown table
# (totals per harness over its targets) and leaves per-file figures in
# COV_BUILD/fuzz/coverage/HARNESS.txt (llvm-cov's full export beside them).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: fuzz/coverage.sh COV_BUILD [CORPUS_ROOT]}" && pwd)
corpus_root=${2:-$repo/build-fuzz/fuzz/corpus}
profdata=${LLVM_PROFDATA:-llvm-profdata-14}
cov=${LLVM_COV:-llvm-cov-14}

# The files each harness is there to exercise.
targets() {
  local compiler=(compiler/dsl/parser.cpp compiler/passes/load.cpp compiler/passes/source.cpp
                  compiler/passes/resolve.cpp compiler/passes/resolve_action.cpp
                  compiler/passes/resolve_common.cpp compiler/passes/resolve_condition.cpp
                  compiler/passes/resolve_tests.cpp compiler/passes/lower.cpp
                  compiler/passes/link.cpp compiler/passes/pipeline.cpp
                  model/table/template.cpp model/codec/table_json.cpp)
  case $1 in
    fuzz_rules | fuzz_dsl) printf '%s\n' "${compiler[@]}" ;;
    fuzz_table) printf '%s\n' model/codec/table_json.cpp ;;
    fuzz_trace) printf '%s\n' model/codec/trace_reader.cpp model/codec/trace_json.cpp \
                  model/codec/line_reader.cpp model/codec/json_fields.cpp model/codec/utf8.cpp \
                  model/codec/trace_writer.cpp ;;
    fuzz_audit) printf '%s\n' sim/audit_import.cpp ;;
    fuzz_container_message) printf '%s\n' runtime/kernel/container_message.cpp ;;
    *) echo "fuzz/coverage.sh: no targets for $1" >&2; return 2 ;;
  esac
}

harnesses=(fuzz_rules fuzz_dsl fuzz_table fuzz_trace fuzz_audit fuzz_container_message)
work=$build/fuzz
out=$work/coverage
rm -rf "$out"
mkdir -p "$out"
"$repo/fuzz/seeds.sh" "$build"

echo "| harness | inputs | lines | functions | regions | branches |"
echo "|---|---|---|---|---|---|"
for h in "${harnesses[@]}"; do
  bin=$build/bin/$h
  [ -x "$bin" ] || { echo "fuzz/coverage.sh: $bin not built" >&2; exit 2; }
  dirs=()
  for d in "$corpus_root/$h" "$repo/fuzz/corpus-kept/$h" "$work/seeds/$h" "$repo/fuzz/regressions/$h"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  inputs=$(find "${dirs[@]}" -type f | wc -l)
  # -runs=0: every input once, then exit. The raw profiles go one per
  # process (%p): libFuzzer may fork nothing, but a harness may.
  if ! LLVM_PROFILE_FILE="$out/$h.%p.profraw" "$bin" -runs=0 -timeout=30 "${dirs[@]}" \
      > "$out/$h.log" 2>&1; then
    echo "fuzz/coverage.sh: $h failed on its corpus (see $out/$h.log)" >&2
    tail -20 "$out/$h.log" >&2
    exit 1
  fi
  "$profdata" merge -sparse "$out/$h".*.profraw -o "$out/$h.profdata"
  # The coverage mapping names files as the compiler saw them (relative to
  # the build directory under ccache's CCACHE_BASEDIR, absolute otherwise):
  # the targets are matched by their path's end, and summed here.
  targets "$h" | jq -R . | jq -s . > "$out/$h.targets.json"
  "$cov" export -summary-only "$bin" -instr-profile="$out/$h.profdata" > "$out/$h.json"
  jq -r --slurpfile t "$out/$h.targets.json" '
      .data[0].files[] | select(.filename as $f | $t[0] | any(. as $x | $f | endswith("/" + $x)))
      | "\(.filename | sub("^.*?/(?=(compiler|model|runtime|sim)/)"; ""))  lines \(.summary.lines.covered)/\(.summary.lines.count)  functions \(.summary.functions.covered)/\(.summary.functions.count)  regions \(.summary.regions.covered)/\(.summary.regions.count)  branches \(.summary.branches.covered)/\(.summary.branches.count)"' \
    "$out/$h.json" > "$out/$h.txt"
  jq -r --slurpfile t "$out/$h.targets.json" --arg h "$h" --arg n "$inputs" '
      [.data[0].files[] | select(.filename as $f | $t[0] | any(. as $x | $f | endswith("/" + $x)))
       | .summary] as $s
      | def pc(k): ([$s[][k].covered] | add) as $c | ([$s[][k].count] | add) as $n
          | "\(if $n > 0 then ($c * 1000 / $n | round / 10) else 0 end) % (\($c)/\($n))";
      "| `\($h)` | \($n) | \(pc("lines")) | \(pc("functions")) | \(pc("regions")) | \(pc("branches")) |"' \
    "$out/$h.json"
  # Every target must be in the binary: a file renamed or moved would
  # otherwise drop out of the sum silently.
  [ "$(wc -l < "$out/$h.txt")" -eq "$(targets "$h" | wc -l)" ] || {
    echo "fuzz/coverage.sh: $h: not every target file is in its coverage map" >&2; exit 1; }
done
echo
echo "fuzz/coverage.sh: per-file figures in $out/HARNESS.txt"
