// Misuse: moving a guard into `std::thread::spawn`: a guard is `Send` (its pointee is `Sync`), but
// it borrows the struct, and a spawned thread may outlive it.
// Write instead: `std::thread::scope(|s| { s.spawn(move || …); })`, or share the struct with an
// `Arc` and load inside the thread.
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
    let config = svc.load_protected_config();
    let reader = std::thread::spawn(move || config.len());
    reader.join().unwrap();
}
