// Misuse: `#[hazard]` on a `Box<T>` field: a box cannot be replaced while other threads read it.
// Write instead: `#[hazard] config: hazptr::AtomicPtr<String>`.
use hazptr::HazardProtected;

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: Box<String>,
}

fn main() {
    let _ = Service { config: Box::new(String::new()) }.config;
}
