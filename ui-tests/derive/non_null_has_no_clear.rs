// Misuse: emptying a `#[hazard(non_null)]` field: a field that is never empty has no
// `clear_and_retire_…` method.
// Write instead: drop `non_null` if the field may be empty (loads then return `Option`), or
// replace the value with `swap_and_retire_config(…)`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::from("v1")),
    };
    svc.clear_and_retire_config();
}
