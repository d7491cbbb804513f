// Misuse: `protected!` on a field of a per-instance domain (`#[hazard(domain = dom)]`): its hazard
// pointers must come from the struct's own domain, which `protected!` cannot know.
// Write instead: `let head = queue.load_protected_head();`, which protects through `queue.dom`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = dom)]
    head: AtomicPtr<u32, ()>,
    dom: Domain<()>,
}

fn main() {
    let queue = Queue {
        head: hazptr::atomic_ptr(1),
        dom: Domain::new(&()),
    };
    hazptr::protected!(let head = queue.head);
    let _ = head;
}
