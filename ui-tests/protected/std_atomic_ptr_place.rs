// Misuse: `protected!` on a `std::sync::atomic::AtomicPtr`: nothing says how its values are
// reclaimed, so hazard pointers cannot protect them.
// Write instead: store the value in a `hazptr::AtomicPtr<u32>` (`hazptr::atomic_ptr(1)`).
use std::sync::atomic::AtomicPtr;

fn main() {
    let ptr = AtomicPtr::new(Box::into_raw(Box::new(1_u32)));
    hazptr::protected!(let value = ptr);
    let _ = value;
}
