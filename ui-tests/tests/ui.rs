//! The compile-time misuse suite: every `.rs` under `derive/` and `protected/` must fail to
//! compile with exactly the diagnostics in its `.stderr`; every `.rs` under `pass/` must compile.
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test -p hazptr-ui-tests` on the pinned
//! toolchain (`rust-toolchain.toml`), then read every changed `.stderr` before committing.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("derive/*.rs");
    cases.compile_fail("protected/*.rs");
    cases.pass("pass/*.rs");
}
