// Misuse: deriving `HazardProtected` on an enum.
// Write instead: a struct with a `#[hazard] field: hazptr::AtomicPtr<T>`; to swap between
// variants, store the enum as the pointee: `#[hazard] state: AtomicPtr<State>`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
enum State {
    Empty,
    Full(#[hazard] AtomicPtr<String>),
}

fn main() {}
