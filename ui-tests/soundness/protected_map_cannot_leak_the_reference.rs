// Attack: keeping the reference that `Protected::map` lends its closure, to read the value after
// the guard is gone and the value freed.
// Refused: the closure gets a reference of a lifetime it cannot name, so it cannot store it.
use hazptr::{Head, Owned, Protected};

fn main() {
    let head: Head<u32> = Head::new();
    head.push_front(Owned::new(1));
    let mut kept: Option<&u32> = None;
    let guard = Protected::map(head.find(|_| true).unwrap(), |value| {
        kept = Some(value);
        value
    });
    drop(guard);
    println!("{kept:?}");
}
