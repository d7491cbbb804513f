// Misuse: two fields that would generate the same method names (`load_protected_routes`, …).
// Write instead: a different `rename` for one of them: `#[hazard(rename = old_routes)]`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    routes: AtomicPtr<Vec<String>>,
    #[hazard(rename = routes)]
    route_table: AtomicPtr<Vec<String>>,
}

fn main() {}
