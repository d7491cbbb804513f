// Misuse: `#[hazard]` on a `std::sync::atomic::AtomicPtr` spelled with its full path: it does not
// say who owns the pointee, so the old value could be neither retired nor freed.
// Write instead: `#[hazard] config: hazptr::AtomicPtr<String>`.
use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: std::sync::atomic::AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
    };
    // The derive reports the field type; this call adds no error of its own.
    let _ = svc.load_protected_config();
}
