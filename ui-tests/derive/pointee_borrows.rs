// Misuse: a pointee that borrows (`&'a str`) in the global domain: a retired value may be dropped
// long after `'a` ends.
// Write instead: owned data (`AtomicPtr<String>`), or a per-instance domain
// (`#[hazard(domain = dom)]` with a field `dom: hazptr::Domain<Family>`).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Names<'a> {
    #[hazard]
    first: AtomicPtr<&'a str>,
}

fn main() {}
