#!/usr/bin/env bash
# Type-checks hazptr and the suite (lib, tests, examples) for systems without Linux's
# `membarrier`, where hazptr must build its fallback barrier (`hazptr/src/barrier.rs`) and the
# retirement batches' stand-in clock (`hazptr/src/retire_batch.rs`). Nothing runs: `cargo check`
# with the nightly toolchain's `-Z build-std` (its `rust-src`, no other target installed; the
# crates the other targets need come from the registry, as the host's do). About a minute cold
# on two cores, a few seconds warm (target/xcheck). Any warning fails.
# Usage: scripts/other_systems.sh [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(x86_64-unknown-freebsd x86_64-apple-darwin x86_64-pc-windows-msvc)
for target in "${targets[@]}"; do
    echo "=== cargo check --target $target"
    output="$(CARGO_TARGET_DIR=target/xcheck cargo +nightly check -q \
        -p hazptr -p hazptr-suite --lib --tests --examples \
        -Z build-std=std,core,alloc,panic_abort,panic_unwind --target "$target" 2>&1)" || {
        echo "$output"
        exit 1
    }
    if grep -q '^warning' <<<"$output"; then
        echo "$output"
        exit 1
    fi
done
