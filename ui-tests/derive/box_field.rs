// Misuse: `#[hazard]` on a `Box<T>` field: a box cannot be replaced while other threads read it.
// Write instead: `#[hazard] config: hazptr::AtomicPtr<String>`.
use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: Box<String>,
}

fn main() {
    let svc = Service {
        config: Box::new(String::new()),
    };
    // The derive reports the field type; this call adds no error of its own.
    svc.swap_and_retire_config(String::from("v2"));
}
