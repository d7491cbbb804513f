// Misuse: a queue of values that are not `Send` (here `Rc`): a pop in one thread moves out a
// value another thread pushed.
// Write instead: a `Send` value (`Arc` instead of `Rc`); it need not be `Sync`, since the queue
// never lends a value in place.
use std::rc::Rc;

use hazptr::Queue;

fn main() {
    let queue: Queue<Rc<u32>> = Queue::new();
    queue.push(Rc::new(1));
}
