// `#[hazard(links)]` on fields of a per-instance domain: every `unsafe` block the derive writes
// (the pairing of each field with its domain, and the linked-structure methods).
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
#[hazard(domain = domain)]
pub struct Queue {
    #[hazard(non_null, links)]
    head: AtomicPtr<Node, QueueFamily>,
    domain: Domain<QueueFamily>,
}
