// Misuse: a pointee that is not `Send` (`Rc<_>`): a retired value is dropped by whichever thread
// reclaims it.
// Write instead: `AtomicPtr<Arc<String>>` (or `AtomicPtr<String>`).
use std::rc::Rc;

use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<Rc<String>>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(Rc::new(String::new())),
    };
    let _ = svc.load_protected_config();
}
