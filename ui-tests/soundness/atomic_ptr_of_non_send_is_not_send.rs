// An `AtomicPtr` frees its value when dropped on its own, so moving it to another thread moves
// the value there: it is `Send` only when its pointee is. An `Rc` inside must not cross.
use std::rc::Rc;

fn main() {
    let field: hazptr::AtomicPtr<Rc<u32>> = hazptr::atomic_ptr(Rc::new(1));
    std::thread::spawn(move || drop(field));
}
