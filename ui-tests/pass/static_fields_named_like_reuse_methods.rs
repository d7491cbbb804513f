// Accepted: fields of a static domain named like the reuse methods of per-instance fields
// (`head` and `head_with`): static fields get no `load_protected_…_with`, so nothing meets.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct List {
    #[hazard]
    head: AtomicPtr<u64>,
    #[hazard]
    head_with: AtomicPtr<u64>,
}

fn main() {
    let list = List {
        head: hazptr::atomic_ptr(1),
        head_with: hazptr::atomic_ptr(2),
    };
    assert_eq!(list.load_protected_head().as_deref(), Some(&1));
    assert_eq!(list.load_protected_head_with().as_deref(), Some(&2));
}
