#!/bin/sh
# Golden test: `rulec --explain FILE [RULEC ARGS...]` must print exactly the
# golden text. UPDATE_GOLDEN=1 rewrites the golden file instead (review the diff!).
set -eu
rulec=$1 file=$2 golden=$3
shift 3
actual=$("$rulec" --explain --arch x86_64 --arch x86 --arch x32 "$@" "$file")
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  printf '%s\n' "$actual" > "$golden"
  exit 0
fi
printf '%s\n' "$actual" | diff -u "$golden" - || {
  echo "golden mismatch for $file (UPDATE_GOLDEN=1 regenerates $golden)" >&2
  exit 1
}
