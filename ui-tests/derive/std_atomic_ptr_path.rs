// Misuse: `#[hazard]` on a `std::sync::atomic::AtomicPtr` spelled with its full path: it does not
// say who owns the pointee, so the old value could be neither retired nor freed.
// Write instead: `#[hazard] config: hazptr::AtomicPtr<String>`.
use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: std::sync::atomic::AtomicPtr<String>,
}

fn main() {}
