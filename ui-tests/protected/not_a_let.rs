// Misuse: statements other than `let` inside `protected!`.
// Write instead: only `let` bindings inside; other statements after the macro.
use hazptr::AtomicPtr;

fn main() {
    let ptr: AtomicPtr<u32> = hazptr::atomic_ptr(1);
    hazptr::protected! {
        let value = ptr;
        println!("{value:?}");
    }
    hazptr::protected!(ptr);
}
