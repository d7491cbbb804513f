// Misuse: a per-instance domain of the global family (`Domain<Global>`, or a field with no family,
// which means `Global`): the global family has exactly one domain.
// Write instead: `struct QueueFamily; impl hazptr::InstanceFamily for QueueFamily {}`, the field
// `AtomicPtr<u32, QueueFamily>` and `dom: Domain<QueueFamily>`, or no `domain = …` at all.
use hazptr::{AtomicPtr, Domain, Global, HazardProtected};

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Queue {
    #[hazard]
    head: AtomicPtr<u32>,
    dom: Domain<Global>,
}

fn main() {}
