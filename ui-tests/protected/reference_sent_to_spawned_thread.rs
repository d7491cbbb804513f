// Misuse: moving a `protected!` reference into `std::thread::spawn`: the thread may outlive the
// block whose hazard pointers protect it.
// Write instead: `std::thread::scope`, with `protected!` inside the scoped thread.
use hazptr::AtomicPtr;

fn main() {
    let ptr: AtomicPtr<u32> = hazptr::atomic_ptr(1);
    hazptr::protected!(let value = ptr);
    std::thread::spawn(move || println!("{value:?}"))
        .join()
        .unwrap();
}
