// Misuse: a generic pointee `T` without the bounds the runtime needs.
// Write instead: `struct Slot<T: Send + Sync + 'static>` (or a `where` clause saying the same).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Slot<T> {
    #[hazard]
    value: AtomicPtr<T>,
}

fn main() {}
