// Misuse: one malformed `rename`, in a crate that calls the generated methods: the derive reports
// the one mistake, and the calls (to this field and to the others) add no cascade of errors.
// Write instead: `#[hazard(rename = routes)]`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
    #[hazard(rename = "routes")]
    route_table: AtomicPtr<Vec<String>>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::new()),
        route_table: hazptr::atomic_ptr(Vec::new()),
    };
    let _ = svc.load_protected_config();
    svc.swap_and_retire_config(String::from("v2"));
    let _ = svc.load_protected_routes();
}
