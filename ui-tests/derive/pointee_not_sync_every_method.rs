// Misuse: a pointee that is not `Sync` (`RefCell<_>`) in a field of a per-instance domain, with
// every generated method called: the bound is reported once, at the field type, and not again at
// each call.
// Write instead: a `Sync` pointee (`AtomicU32`, `Mutex<u32>`), or replace whole values.
use std::cell::RefCell;
use std::sync::atomic::AtomicPtr as Link;

use hazptr::{AtomicPtr, Domain, HazardProtected, InstanceFamily};

struct Family;
impl InstanceFamily for Family {}

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Counter {
    #[hazard(links)]
    count: AtomicPtr<RefCell<u32>, Family>,
    dom: Domain<Family>,
}

fn main() {
    let counter = Counter {
        count: hazptr::null_ptr(),
        dom: Domain::new(&Family),
    };
    let current = counter.load_protected_count();
    counter.swap_and_retire_count(RefCell::new(1));
    let _ = counter.compare_exchange_and_retire_count(current.as_deref(), RefCell::new(2));
    counter.update_count(|_| RefCell::new(3));
    counter.clear_and_retire_count();
    let _ = counter.compare_exchange_without_retire_count(core::ptr::null(), RefCell::new(4));
    // SAFETY: not reached; the crate does not compile.
    let _ = unsafe { counter.compare_exchange_ptr_and_retire_count(None, core::ptr::null_mut()) };
    static LINK: Link<u8> = Link::new(core::ptr::null_mut());
    // SAFETY: not reached; the crate does not compile.
    let _ = unsafe { counter.load_protected_count_and_link(|_| &LINK) };
}
