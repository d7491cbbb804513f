// Misuse: a `protected!` reference used after the block that protects it ends.
// Write instead: use the reference inside the block, or copy the value out (`value.copied()`).
use hazptr::AtomicPtr;

fn main() {
    let ptr: AtomicPtr<u32> = hazptr::atomic_ptr(1);
    let escaped: Option<&u32>;
    {
        hazptr::protected!(let value = ptr);
        escaped = value;
    }
    println!("{escaped:?}");
}
