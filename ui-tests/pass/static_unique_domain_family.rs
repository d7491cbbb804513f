// Accepted: a field of a `static_unique_domain!` family, read by its methods and by `protected!`.
use hazptr::{AtomicPtr, HazardProtected, Protected, protected};

hazptr::static_unique_domain!(static ROUTES: Domain<RouteFamily>);

#[derive(HazardProtected)]
struct Router {
    #[hazard(non_null)]
    table: AtomicPtr<Vec<String>, RouteFamily>,
}

fn main() {
    let router = Router {
        table: hazptr::atomic_ptr(vec!["/".to_owned()]),
    };
    let table: Protected<'_, Vec<String>, RouteFamily> = router.load_protected_table();
    router.swap_and_retire_table(vec!["/".to_owned(), "/health".to_owned()]);
    assert_eq!(table.len(), 1);
    protected!(let Some(now) = router.table else { unreachable!() });
    assert_eq!(now.len(), 2);
    let _ = &ROUTES;
}
