// Misuse: sending a cursor to another thread. A cursor is one thread's walk: its hazard pointers
// came from this thread's cache and go back to it.
// Write instead: make a cursor in each thread (`head.cursor()` is cheap), sharing the head.
use hazptr::{Head, Owned};

fn main() {
    let head: Head<u32> = Head::new();
    head.push_front(Owned::new(1));
    let mut cursor = head.cursor();
    cursor.seek(|_| true);
    std::thread::scope(|s| {
        s.spawn(move || cursor.current().copied());
    });
}
