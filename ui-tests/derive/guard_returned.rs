// Misuse: returning a guard loaded from a struct local to the function.
// Write instead: return an owned copy (`String`), or take the struct by reference and return a
// guard that borrows it: `fn config(svc: &Service) -> Protected<'_, String>`.
use hazptr::{AtomicPtr, HazardProtected, Protected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<String>,
}

fn config() -> Protected<'static, String> {
    let svc = Service {
        config: hazptr::atomic_ptr(String::from("v1")),
    };
    svc.load_protected_config()
}

fn main() {
    println!("{}", *config());
}
