// Misuse: returning a `protected!` reference from the function: its protection ends on return.
// Write instead: return an owned copy (`value.copied()`), or a guard from a generated
// `load_protected_…()` method.
use hazptr::AtomicPtr;

fn first(ptr: &AtomicPtr<u32>) -> Option<&u32> {
    hazptr::protected!(let value = *ptr);
    value
}

fn main() {
    let ptr: AtomicPtr<u32> = hazptr::atomic_ptr(1);
    println!("{:?}", first(&ptr));
}
