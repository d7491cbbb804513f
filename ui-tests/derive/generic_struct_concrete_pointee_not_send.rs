// Misuse: a generic struct whose second `#[hazard]` field has a concrete pointee that is not
// `Send` (`Rc<str>`): reported once, at that field's type; the generic field, bounded, and the
// calls of both fields' methods add nothing.
// Write instead: `AtomicPtr<Arc<str>>`.
use std::rc::Rc;

use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Cache<T: Send + Sync + 'static> {
    #[hazard(non_null)]
    value: AtomicPtr<T>,
    #[hazard]
    owner: AtomicPtr<Rc<str>>,
}

fn main() {
    let cache = Cache {
        value: hazptr::atomic_ptr(1_u32),
        owner: hazptr::null_ptr(),
    };
    cache.swap_and_retire_value(2);
    cache.swap_and_retire_owner(Rc::from("me"));
    let _ = cache.load_protected_owner();
}
