#!/usr/bin/env bash
# Runs the runtime's unit tests and the integration tests (tests/*.rs of the root package) under
# Miri, which checks every memory access, every atomic and every retire/reclaim for undefined
# behaviour, and reports leaks. Tests cut their iteration counts under `cfg(miri)`.
#
# Not run here: the UI tests (compile-fail snapshots, nothing to execute), the examples and the
# bench crate (timings), the loom models (`--cfg loom` only) and the doctests (each is built and
# interpreted as a program of its own, which is slow; they are examples, and what they do is
# covered by the tests above; run them with `cargo +nightly miri test --doc -p hazptr`).
#
# Flags:
# - no `-Zmiri-ignore-leaks`: Miri's leak check stays on. haphazard's global domain is a static
#   (which it registers with `miri_static_root`), and so is every `static_unique_domain!`
#   domain, so values still retired there at exit, and the hazard records, are reachable from a
#   static and are not reported; anything else left allocated at exit is a real leak.
# - `-Zmiri-disable-isolation` is not needed: haphazard reads no wall clock under Miri (its
#   `now()` is 0 there, so reclamation is driven by counts, deterministically), and the tests'
#   timeouts use the monotonic clock, which Miri simulates under isolation.
# - `-Zmiri-many-seeds` is not used by default (it multiplies the run time); set
#   MIRIFLAGS="-Zmiri-many-seeds=0..4" to explore more thread schedules.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup component add --toolchain nightly miri rust-src
cargo +nightly miri setup

export MIRIFLAGS="${MIRIFLAGS:-}"

# The runtime's unit tests.
cargo +nightly miri test -p hazptr --lib "$@"
# The integration tests (tests/*.rs) and the root library's unit tests.
cargo +nightly miri test -p hazptr-suite --lib --tests "$@"
