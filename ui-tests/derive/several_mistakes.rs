// Misuse: several mistakes in one struct; the derive reports all of them at once.
// Write instead: `#[hazard(rename = routes)]`, `#[hazard(non_null)]`, a `hazptr::AtomicPtr`
// field, and `domain = dom` naming an existing field.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(rename = "routes")]
    route_table: AtomicPtr<Vec<String>>,
    #[hazard(non_nul)]
    config: AtomicPtr<String>,
    #[hazard]
    hits: u64,
    #[hazard(domain = dom)]
    queue: AtomicPtr<u32, ()>,
}

fn main() {}
