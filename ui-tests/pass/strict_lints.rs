// Accepted: the derive's output compiles in a crate that denies every warning and forbids unsafe
// code, with `custom_drop`, a per-instance domain (whose generated code uses `unsafe` internally)
// and public methods that must be documented.
#![deny(warnings, missing_docs, clippy::pedantic)]
#![forbid(unsafe_code)]
//! A crate with strict lints.

use hazptr::{AtomicPtr, Domain, HazardDrop, HazardProtected};

/// A service.
#[derive(HazardProtected)]
#[hazard(custom_drop)]
pub struct Service {
    #[hazard(vis = pub)]
    config: AtomicPtr<String>,
    #[hazard(rename = routes, non_null, vis = pub)]
    route_table: AtomicPtr<Vec<String>>,
}

impl HazardDrop for Service {
    fn drop(&mut self) {
        assert!(self.load_protected_config().is_some());
    }
}

/// A queue with its own domain.
#[derive(HazardProtected)]
#[hazard(domain = dom)]
pub struct Queue {
    #[hazard(vis = pub)]
    head: AtomicPtr<u64, ()>,
    dom: Domain<()>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(String::new()),
        route_table: hazptr::atomic_ptr(Vec::new()),
    };
    svc.swap_and_retire_routes(vec!["/".to_owned()]);
    assert_eq!(svc.load_protected_routes().len(), 1);
    let queue = Queue {
        head: hazptr::null_ptr(),
        dom: Domain::new(&()),
    };
    queue.swap_and_retire_head(1);
    assert_eq!(queue.load_protected_head().as_deref().copied(), Some(1));
}
