// Misuse: the same key twice, in one `#[hazard(…)]` and across two `#[hazard]` on one field.
// Write instead: each key once: `#[hazard(rename = cfg, non_null)]`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null, non_null)]
    config: AtomicPtr<String>,
    #[hazard(rename = table)]
    #[hazard(rename = routes)]
    route_table: AtomicPtr<Vec<String>>,
}

fn main() {}
