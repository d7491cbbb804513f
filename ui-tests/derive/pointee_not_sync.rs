// Misuse: a pointee that is not `Sync` (`Cell<_>`): every reader thread sees the same value.
// Write instead: an atomic or a lock inside (`AtomicPtr<AtomicU32>`), or replace whole values.
use std::cell::Cell;

use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct Counter {
    #[hazard(non_null)]
    count: AtomicPtr<Cell<u32>>,
}

fn main() {
    let counter = Counter {
        count: hazptr::atomic_ptr(Cell::new(0)),
    };
    counter.load_protected_count().set(1);
}
