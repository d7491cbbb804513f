// Misuse: a field of family `a::Family` whose domain field holds a `Domain` of another type with
// the same name, `b::Family`: the names match, the types do not.
// Write instead: the same family for the field and its domain: `dom: Domain<a::Family>`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

mod a {
    pub struct Family;
    impl hazptr::InstanceFamily for Family {}
}

mod b {
    pub struct Family;
    impl hazptr::InstanceFamily for Family {}
}

#[derive(HazardProtected)]
struct Queue {
    #[hazard(domain = dom)]
    head: AtomicPtr<u32, a::Family>,
    dom: Domain<b::Family>,
}

fn main() {
    let queue = Queue { head: hazptr::atomic_ptr(1), dom: Domain::new(&b::Family) };
    let _ = queue.load_protected_head();
}
