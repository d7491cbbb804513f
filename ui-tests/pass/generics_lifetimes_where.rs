// Accepted: generic pointees with their bounds in the parameter list or a `where` clause, a
// lifetime parameter used by a non-hazard field, a const generic, and a generic family.
use std::marker::PhantomData;

use hazptr::{AtomicPtr, HazardProtected, StaticDomain};

#[derive(HazardProtected)]
struct Slot<'a, T: Send + Sync + 'static, const N: usize>
where
    T: Clone,
{
    #[hazard(non_null)]
    value: AtomicPtr<[T; N]>,
    label: &'a str,
}

#[derive(HazardProtected)]
struct InFamily<T, F>
where
    T: Send + Sync + 'static,
    F: StaticDomain,
{
    #[hazard]
    value: AtomicPtr<T, F>,
    _family: PhantomData<F>,
}

#[derive(HazardProtected)]
struct Static<'a> {
    #[hazard]
    name: AtomicPtr<&'static str>,
    _borrow: PhantomData<&'a ()>,
}

fn main() {
    let slot = Slot {
        value: hazptr::atomic_ptr([1_u8, 2]),
        label: "pair",
    };
    slot.swap_and_retire_value([3, 4]);
    assert_eq!(*slot.load_protected_value(), [3, 4]);
    assert_eq!(slot.label, "pair");

    let in_family: InFamily<String, hazptr::Global> = InFamily {
        value: hazptr::null_ptr(),
        _family: PhantomData,
    };
    assert!(in_family.load_protected_value().is_none());

    let names = Static {
        name: hazptr::atomic_ptr("a"),
        _borrow: PhantomData,
    };
    assert_eq!(names.load_protected_name().as_deref().copied(), Some("a"));
}
