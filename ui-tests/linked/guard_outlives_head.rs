// Misuse: keeping a guard from `into_current` after the chain's head is dropped: the head frees
// every node still linked when it drops.
// Write instead: drop the guard first, or clone the value out of it.
use hazptr::{Head, Owned, Protected};

fn main() {
    let guard: Option<Protected<'_, String>>;
    {
        let head: Head<String> = Head::new();
        head.push_front(Owned::new("kept".to_string()));
        let mut cursor = head.cursor();
        cursor.seek(|_| true);
        guard = cursor.into_current();
    }
    println!("{guard:?}");
}
