// Misuse: a `hazptr::AtomicPtr` field without its pointee type, and one with a third type
// parameter (it owns its pointee as a `Box<T>`, which it does not take as a parameter): rustc's
// E0107 reports both, with the fix, and the derive adds nothing.
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
