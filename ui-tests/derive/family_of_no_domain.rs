// Misuse: a family type that is neither a static domain's family nor an `InstanceFamily` (a
// plain struct used as `haphazard`'s family parameter), with or without `domain = …`.
// Write instead: `hazptr::static_unique_domain!(static MY_DOMAIN: Domain<MyFamily>);` to declare
// a static domain and its family, or `impl hazptr::InstanceFamily for MyFamily {}` with
// `#[hazard(domain = dom)]` and a field `dom: Domain<MyFamily>`.
use hazptr::{AtomicPtr, Domain, HazardProtected};

struct MyFamily;

#[derive(HazardProtected)]
struct Cell {
    #[hazard]
    value: AtomicPtr<u32, MyFamily>,
}

#[derive(HazardProtected)]
struct Owned {
    #[hazard(domain = dom)]
    value: AtomicPtr<u32, MyFamily>,
    dom: Domain<MyFamily>,
}

fn main() {
    // Each is reported once, at the family: the methods compile and so do their calls.
    let cell = Cell { value: hazptr::null_ptr() };
    let _ = cell.load_protected_value();
    cell.swap_and_retire_value(1);
    let owned = Owned { value: hazptr::null_ptr(), dom: Domain::new(&MyFamily) };
    let _ = owned.load_protected_value();
    owned.swap_and_retire_value(1);
}
