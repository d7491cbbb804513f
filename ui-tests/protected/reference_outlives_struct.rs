// Misuse: using a `protected!` reference after the struct it was read from is dropped. (The
// block's hazard pointer would keep the value alive, but the reference outlives the field it
// came from, which is a mistake: it is reported as a borrow of the struct.)
// Write instead: finish with the reference before dropping or moving the struct, or keep a copy
// of what you need (`let name = config.0.to_owned();`).
use hazptr::{AtomicPtr, HazardProtected, protected};

struct Config(&'static str);

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<Config>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr(Config("v1")),
    };
    protected!(let Some(config) = svc.config else { unreachable!() });
    drop(svc);
    assert_eq!(config.0, "v1");
}
