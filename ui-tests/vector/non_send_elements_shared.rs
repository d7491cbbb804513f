// Misuse: sharing a `Vector` of a type that may not move between threads (`*const u8`, a raw
// pointer) with another thread: any thread that shares the vector may pop its elements. (Such a
// vector works on the thread that made it.)
// Write instead: a `Send` element, e.g. an index into storage that owns what the pointer points
// to: `Vector<usize>` (or a `&'static T` where `T: Sync`).
use hazptr_suite::vector::Vector;

fn main() {
    let pointers: Vector<*const u8> = Vector::new();
    pointers.push(core::ptr::null());
    std::thread::scope(|s| {
        s.spawn(|| {
            pointers.pop();
        });
    });
}
