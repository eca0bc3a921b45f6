#!/usr/bin/env bash
# fuzz/seeds.sh BUILD_DIR: makes every harness's seeds from the repository
# in BUILD_DIR/fuzz/seeds/HARNESS (one file per input, named after its
# source), with BUILD_DIR's rulec (or $RULEC) compiling fuzz_table's
# tables. Used by fuzz/run.sh before fuzzing and by fuzz/coverage.sh
# before measuring.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: fuzz/seeds.sh BUILD_DIR}
rulec=${RULEC:-$build/bin/rulec}

work=$build/fuzz
rm -rf "$work/seeds"
mkdir -p "$work/seeds"

rule_files=("$repo"/rules/*.yaml "$repo"/compiler/tests/fixtures/*.yaml "$repo"/integration/fixtures/*.yaml)

# One seed file per input, named after its source.
seed() {  # HARNESS NAME < content
  mkdir -p "$work/seeds/$1"
  cat > "$work/seeds/$1/$2"
}

for f in "${rule_files[@]}"; do
  seed fuzz_rules "$(basename "$f")" < "$f"
  # fuzz_dsl: the rule lines of the file's `rules:` list, one seed for all
  # of them and one per rule.
  awk '/^rules:/ {on=1; next} /^[^ #]/ {on=0} on && /^  - / {sub(/^  - /, ""); print}' "$f" \
    > "$work/rules.txt"
  seed fuzz_dsl "$(basename "$f" .yaml)" < "$work/rules.txt"
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s\n' "$line" | seed fuzz_dsl "$(basename "$f" .yaml)-$n"
  done < "$work/rules.txt"
done

for f in "$repo"/rules/*.yaml; do
  out=$work/tables/$(basename "$f" .yaml)
  mkdir -p "$out"
  base=()  # a policy that intercepts what its base denies needs the base
  ! grep -q '^intercept_base_denials: *true' "$f" ||
    base=(--base "$repo/rules/base/containers-default.json")
  "$rulec" -o "$out" "${base[@]}" "$f" > /dev/null
  seed fuzz_table "$(basename "$f" .yaml).json" < "$out/table.json"
done

for f in "$repo"/sim/traces/*.jsonl "$repo"/sim/tests/data/*.jsonl; do
  seed fuzz_trace "$(basename "$f")" < "$f"
done

# The document form, as docs/trace-format.md shows it: no trace file of the
# repository has that form, and without it fuzz_trace never reached the
# document reader (fuzz/coverage.sh showed it).
awk '/^## One document/ {doc=1} doc && /^```json/ {on=1; next} on && /^```/ {exit} on' \
  "$repo/docs/trace-format.md" | seed fuzz_trace document-form.json

n=0
while IFS= read -r line && [ $n -lt 40 ]; do
  n=$((n + 1))
  printf '%s\n' "$line" | seed fuzz_audit "audit-$n"
done < "$repo/sim/tests/data/audit.log"

for f in "$repo"/runtime/kernel/tests/fixtures/*.json; do
  { printf '\001'; cat "$f"; } | seed fuzz_container_message "$(basename "$f")"
done

