// Misuse: `#[hazard(custom_drop)]` without `impl HazardDrop` for the struct.
// Write instead: `impl hazptr::HazardDrop for Service { fn drop(&mut self) { … } }`, or drop the
// key.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard(custom_drop)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
}

fn main() {}
