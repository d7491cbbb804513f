#!/usr/bin/env bash
# Runs the concurrent tests (the runtime's unit tests and the root package's integration tests:
# stress, faults, vector, long_stress in its short mode, …) under AddressSanitizer and
# ThreadSanitizer, with the nightly toolchain.
#
# - `--target` is explicit so that RUSTFLAGS reach only the target code, not the proc-macro and
#   build scripts (which run in the compiler, uninstrumented).
# - ThreadSanitizer needs every access instrumented, std included, or it reports races inside
#   std's own synchronisation: `-Zbuild-std` rebuilds std with it (needs `rust-src`).
#   AddressSanitizer needs no rebuilt std; it is used anyway so both runs test the same code.
# - Each sanitizer builds into its own target dir (target/asan, target/tsan), so neither
#   invalidates the normal build.
# - Doctests are not run (rustdoc would need the same flags; the integration tests cover more).
#
# Usage: scripts/sanitizers.sh [address|thread] [cargo test arguments]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

target="$(rustc +nightly -vV | sed -n 's/^host: //p')"
rustup component add --toolchain nightly rust-src

run() {
    local sanitizer="$1" dir suppressions=""
    shift
    case "$sanitizer" in
        address) dir=target/asan ;;
        thread)
            dir=target/tsan
            suppressions="$PWD/scripts/tsan-suppressions.txt"
            ;;
        *) echo "unknown sanitizer: $sanitizer (address or thread)" >&2; exit 2 ;;
    esac
    echo "=== ${sanitizer} sanitizer ==="
    # halt_on_error / exitcode: any report fails the run.
    ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1" \
    TSAN_OPTIONS="halt_on_error=1:exitcode=66${suppressions:+:suppressions=$suppressions}" \
    RUSTFLAGS="-Zsanitizer=${sanitizer} ${RUSTFLAGS:-}" \
    RUSTDOCFLAGS="-Zsanitizer=${sanitizer}" \
    CARGO_TARGET_DIR="$dir" \
        cargo +nightly test -Zbuild-std --target "$target" -p hazptr -p hazptr-suite --tests "$@"
}

case "${1:-}" in
    address | thread) sanitizers=("$1"); shift ;;
    *) sanitizers=(address thread) ;;
esac
for sanitizer in "${sanitizers[@]}"; do
    run "$sanitizer" "$@"
done
