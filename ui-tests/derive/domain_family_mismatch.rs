// Misuse: a field whose family differs from its domain's (`AtomicPtr<u32, ()>` protected through a
// `Domain<QueueFamily>`; a field without a family is of the `Global` family).
// Write instead: the domain's family in the field type: `AtomicPtr<u32, QueueFamily>`.
use hazptr::{AtomicPtr, Domain, HazardProtected, InstanceFamily};

struct QueueFamily;
impl InstanceFamily for QueueFamily {}

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Queue {
    #[hazard]
    head: AtomicPtr<u32, ()>,
    #[hazard]
    tail: AtomicPtr<u32>,
    dom: Domain<QueueFamily>,
}

fn main() {
    let queue = Queue {
        head: hazptr::null_ptr(),
        tail: hazptr::null_ptr(),
        dom: Domain::new(&QueueFamily),
    };
    let _ = queue.load_protected_head();
    queue.swap_and_retire_tail(1);
}
