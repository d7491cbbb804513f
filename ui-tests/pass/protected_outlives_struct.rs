// Accepted: a `protected!` reference may outlive the struct it was read from (unlike a guard,
// which borrows the struct). Dropping the struct retires the field's value; the block's hazard
// pointer still protects it, so it is freed only after the block. Its limit is the block.
use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::{AtomicPtr, HazardProtected, protected};

static DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Config(&'static str);

impl Drop for Config {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(HazardProtected)]
struct Service {
    #[hazard]
    config: AtomicPtr<Config>,
}

fn main() {
    {
        let svc = Service {
            config: hazptr::atomic_ptr(Config("v1")),
        };
        protected!(let Some(config) = svc.config else { unreachable!() });
        drop(svc);
        hazptr::Domain::global().cleanup();
        assert_eq!(DROPPED.load(Ordering::SeqCst), 0, "still protected");
        assert_eq!(config.0, "v1");
    }
    hazptr::Domain::global().cleanup();
    assert_eq!(
        DROPPED.load(Ordering::SeqCst),
        1,
        "freed once the block ends"
    );
}
