// Misuse: `impl Drop` on a struct that derives `HazardProtected`: the derive's `Drop` reclaims the
// fields' last values, and a struct has only one `Drop`.
// Write instead: `#[hazard(custom_drop)]` on the struct and
// `impl hazptr::HazardDrop for Service { fn drop(&mut self) { … } }`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
}

impl Drop for Service {
    fn drop(&mut self) {
        println!("closing");
    }
}

fn main() {}
