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
    // Known limitation: these calls still report E0599 (and the clause a note about trivial
    // bounds), because the methods' `Protected<'_, u32, QueueFamily>` needs `StaticDomain` on the
    // impl (see `expand.rs`). Pinned here so that a fix shows up in this snapshot.
    let queue = Queue { head: hazptr::null_ptr() };
    let _ = queue.load_protected_head();
    queue.swap_and_retire_head(1);
}
