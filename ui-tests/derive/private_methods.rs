// Misuse: calling the generated methods of a private field from another module: they get the
// field's visibility.
// Write instead: `#[hazard(vis = pub)]` (or `pub(crate)`) to widen the methods only, or make the
// field itself `pub`.
mod service {
    use hazptr::{AtomicPtr, HazardProtected};

    #[derive(HazardProtected)]
    pub struct Service {
        #[hazard]
        config: AtomicPtr<String>,
    }

    impl Service {
        pub fn new() -> Self {
            Self {
                config: hazptr::atomic_ptr(String::from("v1")),
            }
        }
    }
}

fn main() {
    let svc = service::Service::new();
    let _ = svc.load_protected_config();
}
