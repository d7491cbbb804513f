// Accepted: `protected!` with one binding and no trailing `;`, let-else, several bindings of
// different pointee types, patterns and type annotations, places reached through `*`, indexes,
// parentheses and calls returning references, and the user's own names `hazards`/`hazard_0`.
use hazptr::{AtomicPtr, HazardProtected, protected};

#[derive(HazardProtected)]
struct List {
    #[hazard]
    head: AtomicPtr<(u32, &'static str)>,
    #[hazard]
    tail: AtomicPtr<String>,
}

fn first(list: &List) -> Option<u32> {
    protected! {
        let Some(&(head, _)) = list.head else { return None };
        let tail: Option<&String> = (*list).tail;
    }
    Some(head + u32::try_from(tail.map_or(0, String::len)).ok()?)
}

fn main() {
    let list = List {
        head: hazptr::atomic_ptr((1, "one")),
        tail: hazptr::atomic_ptr("ab".to_owned()),
    };
    assert_eq!(first(&list), Some(3));

    let hazards = 10;
    let hazard_0 = 20;
    let slots: [AtomicPtr<u8>; 2] = [hazptr::atomic_ptr(4), hazptr::null_ptr()];
    let get = || &list;
    protected! {
        let a = slots[0];
        let b = slots[1];
        let c = get().tail;
    }
    assert_eq!(
        (a.copied(), b, c.map(String::as_str)),
        (Some(4), None, Some("ab"))
    );
    assert_eq!(hazards + hazard_0, 30);
    protected!(let only = list.tail);
    assert!(only.is_some());
    // A standalone `AtomicPtr` is not retired when dropped: its value leaks (see its docs).
    drop(slots);
}
