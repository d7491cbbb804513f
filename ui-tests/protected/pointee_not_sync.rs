// Misuse: `protected!` on an `AtomicPtr` whose pointee is not `Sync` (`Cell<u32>`): protected
// references are read by many threads at once.
// Write instead: a `Sync` pointee such as `AtomicU32`.
use std::cell::Cell;

use hazptr::AtomicPtr;

fn main() {
    let ptr: AtomicPtr<Cell<u32>> = hazptr::atomic_ptr(Cell::new(1));
    hazptr::protected!(let value = ptr);
    let _ = value;
}
