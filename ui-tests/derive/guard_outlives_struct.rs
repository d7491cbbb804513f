// Misuse: keeping a guard after the struct it was loaded from is dropped.
// Write instead: drop (or stop using) the guard before the struct; to keep the value, clone it
// out of the guard: `let config = svc.load_protected_config().map(|c| c.clone());`.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::from("v1")),
    };
    let config = svc.load_protected_config();
    drop(svc);
    println!("{config:?}");
}
