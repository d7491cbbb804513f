// Misuse: dropping the struct while a `protected!` reference into it is still used.
// Write instead: finish reading before dropping the struct, or copy the value out first.
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
    hazptr::protected!(let config = svc.config);
    drop(svc);
    println!("{config:?}");
}
