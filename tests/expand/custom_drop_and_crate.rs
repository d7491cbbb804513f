// `custom_drop` (the user's `HazardDrop::drop` runs first) and `crate = …` (hazptr re-exported).
use my::path::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
#[hazard(custom_drop, crate = my::path)]
pub struct Logged {
    #[hazard(non_null)]
    state: AtomicPtr<State>,
}
