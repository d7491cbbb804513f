// Misuse: a `let` with nothing to read, and one that is not valid Rust.
// Write instead: `let name = value.field;`.
use hazptr::AtomicPtr;

fn main() {
    let ptr: AtomicPtr<u32> = hazptr::atomic_ptr(1);
    hazptr::protected!(let value);
    hazptr::protected!(let value = );
    hazptr::protected!(let = ptr);
    let _ = ptr;
}
