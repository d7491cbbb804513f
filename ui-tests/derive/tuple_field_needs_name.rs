// Misuse: a `#[hazard]` field of a tuple struct with several fields has no name for its methods.
// Write instead: `#[hazard(rename = config)]` (only a newtype gets the bare `load_protected()`).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Pair(
    #[hazard] AtomicPtr<String>,
    #[hazard(rename = routes)] AtomicPtr<Vec<String>>,
);

fn main() {
    let pair = Pair(
        hazptr::atomic_ptr(String::new()),
        hazptr::atomic_ptr(Vec::new()),
    );
    let _ = pair.load_protected_routes();
}
