// Accepted: `rename` (also to a keyword), `vis = pub` / `vis = pub(crate)` widening a private
// field's methods, and a renamed field of a tuple struct.
mod service {
    use hazptr::{AtomicPtr, HazardProtected};

    #[derive(HazardProtected)]
    pub struct Service {
        #[hazard(rename = routes, vis = pub, non_null)]
        route_table: AtomicPtr<Vec<String>>,
        #[hazard(rename = type, vis = pub(crate))]
        kind: AtomicPtr<String>,
    }

    impl Service {
        pub fn new() -> Self {
            Self {
                route_table: hazptr::atomic_ptr(vec!["/".to_owned()]),
                kind: hazptr::null_ptr(),
            }
        }
    }

    #[derive(HazardProtected)]
    pub struct Pair(
        #[hazard(rename = left, vis = pub)] AtomicPtr<u8>,
        #[hazard(rename = right, vis = pub)] AtomicPtr<u8>,
    );

    impl Pair {
        pub fn new() -> Self {
            Self(hazptr::atomic_ptr(1), hazptr::atomic_ptr(2))
        }
    }
}

fn main() {
    let svc = service::Service::new();
    assert_eq!(svc.load_protected_routes().len(), 1);
    svc.swap_and_retire_type("kind".to_owned());
    assert_eq!(
        svc.load_protected_type().as_deref().map(String::as_str),
        Some("kind")
    );

    let pair = service::Pair::new();
    assert_eq!(
        (
            pair.load_protected_left().as_deref().copied(),
            pair.load_protected_right().as_deref().copied()
        ),
        (Some(1), Some(2))
    );
}
