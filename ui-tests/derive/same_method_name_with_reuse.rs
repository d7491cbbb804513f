// Misuse: two fields of a per-instance domain whose generated methods meet: `head` generates
// `load_protected_head_with` (the load that reuses a hazard pointer), and so does `head_with`
// (`load_protected_` + its name).
// Write instead: a `rename` that keeps the names apart: `#[hazard(rename = head_reused)]`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
#[hazard(domain = domain)]
struct List {
    #[hazard]
    head: AtomicPtr<u64, ()>,
    #[hazard]
    head_with: AtomicPtr<u64, ()>,
    domain: Domain<()>,
}

fn main() {}
