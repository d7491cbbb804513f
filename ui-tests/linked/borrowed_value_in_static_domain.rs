// Misuse: a chain of borrowed values in a static domain: a removed node is freed by a later
// reclamation, possibly after the borrow ended.
// Write instead: owned values (`String` instead of `&str`).
use hazptr::{Head, Owned};

fn main() {
    let text = String::from("borrowed");
    let head: Head<&str> = Head::new();
    head.push_front(Owned::new(text.as_str()));
    let mut cursor = head.cursor();
    cursor.seek(|_| true);
    cursor.remove();
}
