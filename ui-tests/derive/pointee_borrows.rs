// Misuse: a pointee that borrows (`&'a str`) in the global domain: a retired value may be dropped
// long after `'a` ends.
// Write instead: owned data (`AtomicPtr<String>`); a per-instance domain does not help (see
// `instance_domain_pointee_borrows.rs`).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Names<'a> {
    #[hazard]
    first: AtomicPtr<&'a str>,
}

fn main() {}
