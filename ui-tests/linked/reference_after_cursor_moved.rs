// Misuse: keeping a node's value, read through a cursor, after the cursor moved on: the hazard
// pointer that protected it now protects another node, so the value could be freed.
// Write instead: finish with the value (or clone it) before moving the cursor again, or keep it
// with `cursor.into_current()`, a guard with a hazard pointer of its own.
use hazptr::{Head, Owned};

fn main() {
    let head: Head<String> = Head::new();
    head.push_front(Owned::new("b".to_string()));
    head.push_front(Owned::new("a".to_string()));
    let mut cursor = head.cursor();
    let first = cursor.seek(|_| true).unwrap();
    cursor.seek(|s| s == "b");
    println!("{first}");
}
