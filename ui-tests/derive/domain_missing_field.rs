// Misuse: `domain = …` naming a field the struct does not have.
// Write instead: the name of the field holding the `hazptr::Domain<Family>`: `domain = dom`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = domian)]
    head: AtomicPtr<u32, ()>,
    dom: Domain<()>,
}

fn main() {}
