#!/bin/bash
# make bench: every benchmark, one after the other, each printing its figures
# next to a baseline it measures in the same run (see bench/README.md for the
# methods). Run it on an otherwise idle machine: the ratios hold up under
# noise better than absolute numbers, but not under a parallel build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bin

section() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

section "Rule compiler (bench_compiler)"
"$bin/bench_compiler"

section "Decision engine and seccomp-sim replay (bench_engine)"
"$bin/bench_engine"

section "Kernel layer against bare supervisors (bench_kernel)"
"$bin/bench_kernel"

section "seccomp-agent round trip against the floor (bench_agent)"
"$bin/bench_agent"

section "seccomp-agent against the C reference agent, real runc containers (container_loop.sh)"
bench/container_loop.sh "$bin"
