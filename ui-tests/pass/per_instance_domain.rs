// Accepted: per-instance domains, field-level and struct-level, with `()` and an own family,
// guards of type `ProtectedIn`, and a tuple struct naming its domain by index.
use hazptr::{AtomicPtr, Domain, HazardProtected, InstanceFamily, ProtectedIn};

struct QueueFamily;
impl InstanceFamily for QueueFamily {}

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = dom)]
    head: AtomicPtr<u32, QueueFamily>,
    dom: Domain<QueueFamily>,
}

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Both {
    #[hazard]
    head: AtomicPtr<&'static str, ()>,
    #[hazard(non_null)]
    tail: AtomicPtr<String, ()>,
    dom: Domain<()>,
}

#[derive(HazardProtected)]
struct Indexed(
    #[hazard(domain = 1, rename = value)] AtomicPtr<u8, ()>,
    Domain<()>,
);

fn main() {
    let queue = Queue {
        head: hazptr::atomic_ptr(1),
        dom: Domain::new(&QueueFamily),
    };
    queue.swap_and_retire_head(2);
    let head: Option<ProtectedIn<'_, u32, QueueFamily>> = queue.load_protected_head();
    assert_eq!(head.as_deref().copied(), Some(2));

    let both = Both {
        head: hazptr::atomic_ptr("borrowed"),
        tail: hazptr::atomic_ptr(String::from("t")),
        dom: Domain::new(&()),
    };
    assert_eq!(
        both.load_protected_head().as_deref().copied(),
        Some("borrowed")
    );
    assert_eq!(*both.load_protected_tail(), "t");
    drop(both);

    let indexed = Indexed(hazptr::atomic_ptr(3), Domain::new(&()));
    assert_eq!(indexed.load_protected_value().as_deref().copied(), Some(3));
}
