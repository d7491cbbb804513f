// Misuse: keys with a missing or malformed value: `vis` without a visibility, `vis = private`,
// `domain` without a field, `domain = "dom"` quoted, `crate` without a path.
// Write instead: `vis = pub` (or `pub(crate)`, …), `domain = dom`, `crate = path::to::hazptr`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
#[hazard(crate)]
struct Service {
    #[hazard(vis)]
    a: AtomicPtr<String>,
    #[hazard(vis = private)]
    b: AtomicPtr<String>,
    #[hazard(domain)]
    c: AtomicPtr<String, ()>,
    #[hazard(domain = "dom")]
    d: AtomicPtr<String, ()>,
    dom: Domain<()>,
}

fn main() {}
