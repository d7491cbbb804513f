// Misuse: a per-instance domain whose family is a `static_unique_domain!` family: that family
// already has its one program-wide domain.
// Write instead: drop `domain = dom` (the field then uses the static `ROUTES`), or declare a
// family of its own: `struct QueueFamily; impl hazptr::InstanceFamily for QueueFamily {}`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

hazptr::static_unique_domain!(static ROUTES: Domain<RouteFamily>);

#[derive(HazardProtected)]
struct Router {
    #[hazard(domain = dom)]
    table: AtomicPtr<Vec<String>, RouteFamily>,
    dom: Domain<RouteFamily>,
}

fn main() {
    let _ = (&ROUTES, route);
}

// The generated methods are declared all the same: calling them adds no error.
fn route(router: &Router) {
    let _ = router.load_protected_table();
    router.swap_and_retire_table(Vec::new());
}
