// Accepted: a pointee naming `Self` (a list node whose field points at the next node), in a
// generic and in a plain struct, next to a concrete pointee in a generic struct.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Node<T: Send + Sync + 'static> {
    value: T,
    #[hazard]
    next: AtomicPtr<Self>,
    #[hazard(non_null)]
    label: AtomicPtr<String>,
}

#[derive(HazardProtected)]
struct Plain {
    depth: u32,
    #[hazard]
    next: AtomicPtr<Self>,
}

fn main() {
    let tail = Node {
        value: 2_u8,
        next: hazptr::null_ptr(),
        label: hazptr::atomic_ptr("tail".to_owned()),
    };
    let head = Node {
        value: 1_u8,
        next: hazptr::null_ptr(),
        label: hazptr::atomic_ptr("head".to_owned()),
    };
    head.swap_and_retire_next(tail);
    let next = head.load_protected_next().expect("linked");
    assert_eq!((head.value, next.value), (1, 2));
    assert_eq!(*next.load_protected_label(), "tail");
    head.update_label(|old| format!("{old}!"));
    assert_eq!(*head.load_protected_label(), "head!");
    drop(next);

    let plain = Plain {
        depth: 0,
        next: hazptr::atomic_ptr(Plain {
            depth: 1,
            next: hazptr::null_ptr(),
        }),
    };
    let next = plain.load_protected_next().expect("linked");
    assert_eq!((plain.depth, next.depth), (0, 1));
}
