// One optional field and one `#[hazard(non_null)]` field, both in the global domain.
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
pub struct Service {
    #[hazard]
    config: AtomicPtr<Config>,
    #[hazard(non_null)]
    routes: AtomicPtr<RouteTable>,
}
