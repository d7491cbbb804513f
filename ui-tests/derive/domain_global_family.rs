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

fn main() {
    let _ = push;
}

// The generated methods are declared all the same: calling them adds no error.
fn push(queue: &Queue) {
    let _ = queue.load_protected_head();
    queue.swap_and_retire_head(1);
}
