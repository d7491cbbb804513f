// Accepted: `#[hazard(crate = path)]` when hazptr is reached through a re-export.
mod reexport {
    pub use hazptr as inner;
}

use reexport::inner::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard(crate = reexport::inner)]
struct Service {
    #[hazard]
    config: AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: reexport::inner::atomic_ptr(String::from("v1")),
    };
    assert_eq!(
        svc.load_protected_config().as_deref().map(String::as_str),
        Some("v1")
    );
}
