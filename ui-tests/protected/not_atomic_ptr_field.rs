// Misuse: `protected!` on a place that is not a `hazptr::AtomicPtr` (a `usize` field).
// Write instead: read plain fields directly (`svc.hits`); `protected!` reads `AtomicPtr` places.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
    hits: usize,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::new()),
        hits: 0,
    };
    hazptr::protected!(let hits = svc.hits);
    let _ = hits;
}
