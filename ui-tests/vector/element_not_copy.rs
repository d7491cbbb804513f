// Misuse: a lock-free `Vector` of a type that is not `Copy` (`String`): elements are stored as
// their bytes in 8-byte slots, and read by copying.
// Write instead: a `Copy` value of at most 8 bytes, e.g. an index into storage that owns the
// strings: `Vector<u32>`.
use hazptr_suite::vector::Vector;

fn main() {
    let names: Vector<String> = Vector::new();
    names.push(String::from("a"));
}
