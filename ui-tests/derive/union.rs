// Misuse: deriving `HazardProtected` on a union.
// Write instead: a struct whose `#[hazard]` fields are `hazptr::AtomicPtr<T>`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
union Either {
    a: std::mem::ManuallyDrop<AtomicPtr<u32>>,
    b: u64,
}

fn main() {}
