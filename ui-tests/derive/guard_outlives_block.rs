// Misuse: a guard that outlives the block holding the struct.
// Write instead: read through the guard inside the block, or clone the value out of it.
use hazptr::{AtomicPtr, HazardProtected, Protected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<String>,
}

fn main() {
    let config: Protected<'_, String>;
    {
        let svc = Service {
            config: hazptr::atomic_ptr(String::from("v1")),
        };
        config = svc.load_protected_config();
    }
    println!("{}", *config);
}
