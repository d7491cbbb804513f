// Accepted: guards and `protected!` references moved into `std::thread::scope` threads (a guard is
// `Send` when its pointee is `Sync`, and the scope ends before the struct).
use hazptr::{AtomicPtr, HazardProtected, protected};

#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<String>,
}

fn main() {
    let svc = Service {
        config: hazptr::atomic_ptr("v1".to_owned()),
    };
    let guard = svc.load_protected_config();
    protected!(let Some(config) = svc.config else { unreachable!() });
    std::thread::scope(|s| {
        let reader = s.spawn(move || guard.len());
        let borrowed = s.spawn(move || config.len());
        s.spawn(|| svc.swap_and_retire_config("v2".to_owned()));
        assert_eq!((reader.join().unwrap(), borrowed.join().unwrap()), (2, 2));
    });
    assert_eq!(*svc.load_protected_config(), "v2");
}
