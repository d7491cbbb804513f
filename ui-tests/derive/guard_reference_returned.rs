// Misuse: returning the reference a guard derefs to, while the guard itself is dropped.
// Write instead: return the guard (`-> Protected<'_, String>`) or an owned copy
// (`svc.load_protected_config().to_string()`).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<String>,
}

fn config(svc: &Service) -> &str {
    let guard = svc.load_protected_config();
    guard.as_str()
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::from("v1")),
    };
    println!("{}", config(&svc));
}
