// Misuse: a chain of values that are not `Send` (here `Rc`): an unlinked node is retired, and
// whichever thread reclaims the domain drops it.
// Write instead: a `Send + Sync` value (`Arc` instead of `Rc`).
use std::rc::Rc;

use hazptr::{Head, Owned};

fn main() {
    let head: Head<Rc<u32>> = Head::new();
    head.push_front(Owned::new(Rc::new(1)));
    let mut cursor = head.cursor();
    cursor.seek(|_| true);
}
