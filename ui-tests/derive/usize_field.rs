// Misuse: `#[hazard]` on a field that holds no pointer (`usize`).
// Write instead: `#[hazard] only on `hazptr::AtomicPtr<T>` fields; leave `hits: usize` unmarked.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
    #[hazard]
    hits: usize,
}

fn main() {}
