// Misuse: deriving `HazardProtected` on a struct with no `#[hazard]` field (nothing to generate).
// Write instead: a field `#[hazard] config: hazptr::AtomicPtr<String>`, or no derive.
use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    name: String,
    hits: u64,
}

fn main() {}
