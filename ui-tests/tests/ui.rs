//! The compile-time misuse suite: every `.rs` under `derive/`, `protected/`, `linked/` (the
//! linked-structure toolkit: `Head`, `Owned`, `Cursor`, `Queue`), `soundness/` (attacks from safe
//! code that no longer compile) and `vector/` (the example lock-free vector of `hazptr-suite`) must
//! fail to compile with exactly the diagnostics in its `.stderr`; every `.rs` under `pass/` must
//! compile (and run: each asserts what it reads).
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p hazptr-ui-tests` on the pinned
//! toolchain (`rust-toolchain.toml`), then read every changed `.stderr` before committing.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("derive/*.rs");
    cases.compile_fail("protected/*.rs");
    cases.compile_fail("linked/*.rs");
    cases.compile_fail("vector/*.rs");
    cases.compile_fail("soundness/*.rs");
    cases.pass("pass/*.rs");
}
