// Misuse: publishing a node twice (in two places of a chain, or twice in one): two links would
// own it, and it would be retired twice.
// Write instead: make a node per insertion; a failed insertion hands the node back to retry.
use hazptr::{Head, Owned};

fn main() {
    let head: Head<u32> = Head::new();
    let node = Owned::new(1);
    head.push_front(node);
    let mut cursor = head.cursor();
    cursor.seek(|_| true);
    let _ = cursor.insert(node);
}
