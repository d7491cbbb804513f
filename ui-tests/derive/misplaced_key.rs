// Misuse: keys that conflict with where they are written: a struct-wide key (`custom_drop`) on a
// field, and a field key (`non_null`) on the struct.
// Write instead: `#[hazard(custom_drop)]` above the struct, `#[hazard(non_null)]` on the field.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard(non_null)]
struct Service {
    #[hazard(custom_drop)]
    config: AtomicPtr<String>,
}

fn main() {}
