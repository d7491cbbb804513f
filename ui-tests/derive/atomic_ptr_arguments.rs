// Misuse: a `hazptr::AtomicPtr` field without its pointee type, and one with a third type
// parameter (the pointer that owns the pointee, which `#[hazard]` fields fix to `Box<T>`).
// Write instead: `AtomicPtr<T>` or `AtomicPtr<T, Family>`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr,
    #[hazard]
    routes: AtomicPtr<String, hazptr::Global, Box<String>>,
}

fn main() {}
