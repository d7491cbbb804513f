// Misuse: a lock-free `Vector` of a type that may not move between threads (`*const u8`, a raw
// pointer): a vector is shared between threads, and any of them may pop an element.
// Write instead: a `Send` value, e.g. an index into storage that owns what the pointer points
// to: `Vector<usize>` (or a `&'static T` where `T: Sync`).
use hazptr_suite::vector::Vector;

fn main() {
    let pointers: Vector<*const u8> = Vector::new();
    pointers.push(core::ptr::null());
}
