// Misuse: a lock-free `Vector` of an element larger than a slot's 8 bytes (`[u64; 2]`).
// Write instead: a value of at most 8 bytes (`Vector<u64>`), or an index to the larger value.
use hazptr_suite::vector::Vector;

fn main() {
    let pairs: Vector<[u64; 2]> = Vector::new();
    pairs.push([1, 2]);
}
