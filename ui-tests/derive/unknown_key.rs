// Misuse: unknown keys in `#[hazard(…)]`, on a field and on the struct.
// Write instead: one of `rename`, `non_null`, `domain`, `vis` on a field; `domain`,
// `custom_drop`, `crate` on the struct.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard(drop)]
struct Service {
    #[hazard(renam = cfg)]
    config: AtomicPtr<String>,
}

fn main() {}
