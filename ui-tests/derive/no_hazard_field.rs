// Misuse: deriving `HazardProtected` on a struct with no `#[hazard]` field (nothing to generate).
// Write instead: `#[hazard] config: AtomicPtr<String>`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    config: AtomicPtr<String>,
    hits: u64,
}

fn main() {}
