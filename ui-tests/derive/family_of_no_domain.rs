// Misuse: a family type that is neither a static domain's family nor an `InstanceFamily` (a
// plain struct used as `haphazard`'s family parameter).
// Write instead: `hazptr::static_unique_domain!(static MY_DOMAIN: Domain<MyFamily>);` to declare
// a static domain and its family, or `impl hazptr::InstanceFamily for MyFamily {}` with
// `#[hazard(domain = dom)]` and a field `dom: Domain<MyFamily>`.
use hazptr::{AtomicPtr, HazardProtected};

struct MyFamily;

#[derive(HazardProtected)]
struct Cell {
    #[hazard]
    value: AtomicPtr<u32, MyFamily>,
}

fn main() {
    // Known limitation: the field's type is reported three times (as no family of hazptr's, as
    // no static domain's, and once more through the static-domain check's supertrait), and
    // each call of a method reports E0599: every family hazptr accepts implements the trait the
    // guard type needs, this one does not, so the methods' `where` clause fails. Pinned here so
    // that a fix shows up in this snapshot.
    let cell = Cell { value: hazptr::null_ptr() };
    let _ = cell.load_protected_value();
    cell.swap_and_retire_value(1);
}
