// Misuse: a field of an `InstanceFamily` (no program-wide domain) without `domain = …`.
// Write instead: `#[hazard(domain = dom)]` with a field `dom: Domain<QueueFamily>`, or a static
// family from `hazptr::static_unique_domain!`.
use hazptr::{AtomicPtr, HazardProtected, InstanceFamily};

struct QueueFamily;
impl InstanceFamily for QueueFamily {}

#[derive(HazardProtected)]
struct Queue {
    #[hazard]
    head: AtomicPtr<u32, QueueFamily>,
}

fn main() {
    // The calls compile: the one error is the family's, at the field type.
    let queue = Queue { head: hazptr::null_ptr() };
    let _ = queue.load_protected_head();
    queue.swap_and_retire_head(1);
}
