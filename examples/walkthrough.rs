use hazptr::{AtomicPtr, HazardProtected, protected};

#[derive(Debug)]
struct Config {
    v: u32,
}

#[derive(HazardProtected)]
pub struct Service {
    #[hazard]
    config: AtomicPtr<Config>,
    #[hazard(rename = routes, non_null)]
    route_table: AtomicPtr<Vec<String>>,
    hits: std::sync::atomic::AtomicU64,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(Config { v: 1 }),
        route_table: hazptr::atomic_ptr(vec![]),
        hits: Default::default(),
    };
    let g = svc.load_protected_config().unwrap();
    svc.swap_and_retire_config(Config { v: 2 });
    println!("{:?} {}", g.v, svc.load_protected_routes().len());
    protected!(let c = svc.config);
    println!("{:?}", c);
    let _ = &svc.hits;
}
