// Misuse: `protected!` on a call: the `AtomicPtr` it returns is a temporary, dropped (with its
// value leaked) at the end of the `let`.
// Write instead: bind the `AtomicPtr` to a variable first, then `protected!(let v = ptr);`.
use hazptr::AtomicPtr;

fn make() -> AtomicPtr<u32> {
    hazptr::atomic_ptr(1)
}

fn main() {
    hazptr::protected!(let value = make());
    let _ = value;
}
