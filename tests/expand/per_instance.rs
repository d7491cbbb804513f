// A field whose values are retired to the struct's own domain: `#[hazard(domain = domain)]`
// names the `Domain<F>` field, which the struct drops after reclaiming every value.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
pub struct Queue {
    #[hazard(domain = domain)]
    head: AtomicPtr<Node, QueueFamily>,
    domain: Domain<QueueFamily>,
}
