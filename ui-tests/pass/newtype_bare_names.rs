// Accepted: a newtype's only field gets the bare method names, with or without `non_null`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Cell(#[hazard] AtomicPtr<u32>);

#[derive(HazardProtected)]
struct Always(#[hazard(non_null)] AtomicPtr<u32>);

fn main() {
    let cell = Cell(hazptr::null_ptr());
    assert!(cell.load_protected().is_none());
    cell.swap_and_retire(1);
    assert!(cell.compare_exchange_and_retire(None, 5).is_err());
    cell.update(|old| old.map_or(0, |v| v + 1));
    assert_eq!(cell.load_protected().as_deref().copied(), Some(2));
    assert!(cell.clear_and_retire());

    let always = Always(hazptr::atomic_ptr(7));
    always.update(|v| v * 2);
    assert_eq!(*always.load_protected(), 14);
}
