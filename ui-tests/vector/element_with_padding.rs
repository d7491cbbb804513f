// Misuse: a lock-free `Vector` of a type with padding bytes (`(u8, u32)` has 3): slots are
// compared as bits, and padding bytes are uninitialised.
// Write instead: a type without padding, e.g. `Vector<u64>` packing both values, or a
// `#[repr(C)]` struct with explicit fields for the padding.
use hazptr_suite::vector::Vector;

fn main() {
    let pairs: Vector<(u8, u32)> = Vector::new();
    pairs.push((1, 2));
}
