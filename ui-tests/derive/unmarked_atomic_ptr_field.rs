// Misuse: a `hazptr::AtomicPtr` field left without `#[hazard]` next to a marked one: the derive
// would neither retire its values nor free the last one on drop, so that value would leak.
// Write instead: `#[hazard] routes: AtomicPtr<Vec<String>>`; for a field that really is std's
// `AtomicPtr`, its full path `std::sync::atomic::AtomicPtr<T>`, which the derive leaves alone.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
    routes: AtomicPtr<Vec<String>>,
    spare: hazptr::AtomicPtr<u64>,
    // Written out, std's `AtomicPtr` is not reported: it is not hazptr's.
    raw: std::sync::atomic::AtomicPtr<u8>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::new()),
        routes: hazptr::atomic_ptr(Vec::new()),
        spare: hazptr::atomic_ptr(0),
        raw: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
    };
    // The marked field's methods are still declared, so this adds no error of its own.
    let _ = svc.load_protected_config();
}
