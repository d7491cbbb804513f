// Misuse: a pointee that borrows (`Logger<'a>` holds `&'a AtomicUsize`) in a field whose values are
// retired into the struct's own domain. Safe code can move the domain out of the struct
// (`mem::replace(&mut s.dom, …)`) and drop it, with the retired values, after `'a` has ended.
// Write instead: an owned pointee (`Arc<AtomicUsize>` instead of `&'a AtomicUsize`).
use std::sync::atomic::AtomicUsize;

use hazptr::{AtomicPtr, Domain, HazardProtected, InstanceFamily};

struct Logger<'a>(&'a AtomicUsize);

struct Family;
impl InstanceFamily for Family {}

#[derive(HazardProtected)]
#[hazard(domain = dom)]
struct Log<'a> {
    #[hazard(non_null)]
    last: AtomicPtr<Logger<'a>, Family>,
    dom: Domain<Family>,
}

fn main() {}
