// Misuse: `domain = …` naming a field that does not hold a `hazptr::Domain` by value (a number,
// a `&'static Domain`).
// Write instead: a field `dom: hazptr::Domain<Family>`, created with `Domain::new(&Family)`; for a
// domain shared by many structs, `hazptr::static_unique_domain!` and no `domain = …`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = id)]
    head: AtomicPtr<u32, ()>,
    id: u32,
}

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Shared {
    #[hazard]
    head: AtomicPtr<u32, ()>,
    dom: &'static Domain<()>,
}

fn main() {}
