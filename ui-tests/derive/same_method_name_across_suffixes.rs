// Misuse: two fields whose names differ but whose generated methods meet: `head`, with its
// linked-structure methods, generates `load_protected_head_and_link`, and so does
// `head_and_link` (`load_protected_` + its name).
// Write instead: a `rename` that keeps the names apart: `#[hazard(rename = head_link)]`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct List {
    #[hazard(links)]
    head: AtomicPtr<u64>,
    #[hazard]
    head_and_link: AtomicPtr<u64>,
}

fn main() {}
