// Misuse: a value given to a flag key, and a bare `#[hazard]` on the struct, which does nothing.
// Write instead: `#[hazard(non_null)]`; drop the struct's bare `#[hazard]`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard]
struct Service {
    #[hazard(non_null = true)]
    config: AtomicPtr<String>,
    #[hazard = "yes"]
    routes: AtomicPtr<String>,
}

fn main() {}
