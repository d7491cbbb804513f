// Misuse: `domain = …` naming a `#[hazard]` field (itself, or another), not the domain field.
// Write instead: `domain = dom`, naming the field that holds the `hazptr::Domain<Family>`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = head)]
    head: AtomicPtr<u32, ()>,
    #[hazard(domain = head)]
    tail: AtomicPtr<u32, ()>,
    dom: Domain<()>,
}

fn main() {}
