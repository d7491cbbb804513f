#!/usr/bin/env bash
# Runs the loom models (tests/loom*.rs): every interleaving, up to a preemption bound, of the
# runtime and the derive's generated code with haphazard's and hazptr's atomics, fences and
# thread-locals switched to loom's by `--cfg loom`.
#
# LOOM_MAX_PREEMPTIONS (default 3 here) bounds the search: with 3 the models take about 45 s on
# two cores (plus the build), with 2 about 5 s; the cost grows steeply with the bound. Loom
# builds go to target/loom so they never invalidate the normal build.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
export RUSTFLAGS="--cfg loom ${RUSTFLAGS:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"

tests=()
for file in tests/loom*.rs; do
    tests+=(--test "$(basename "$file" .rs)")
done

# Release: loom runs each model thousands of times; the models' own assertions stay on.
cargo test --release -p hazptr-suite "${tests[@]}" "$@"
