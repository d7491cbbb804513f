// Misuse: `#[hazard]` on a `std::sync::atomic::AtomicPtr` imported with `use`: the derive sees
// only `AtomicPtr<String>`, and the compiler reports that the type is not `hazptr::AtomicPtr`.
// Write instead: `use hazptr::AtomicPtr;`.
use std::sync::atomic::AtomicPtr;

use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: AtomicPtr::new(std::ptr::null_mut()),
    };
    // The generated methods exist, so this adds no error of its own.
    let _ = svc.load_protected_config();
}
