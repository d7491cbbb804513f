// Misuse (an attack from safe code, issue 11 1b): haphazard 0.1.8's
// `HazardPointerArray::as_refs` hands out `&mut HazardPointer`; swapping one with a lone hazard
// pointer and dropping the array puts a record a live hazard pointer still holds back on the
// domain's free list, and the next `HazardPointer::new()` clears its protection: a
// use-after-free. hazptr no longer re-exports the engine's hazard pointers, and its own
// `AtomicPtr` takes none from its user (no `safe_load`): read a field with its generated
// `load_protected_…()` or with `protected!` instead.
#![forbid(unsafe_code)]
use hazptr::{AtomicPtr, HazardPointer, HazardProtected};

#[derive(HazardProtected)]
struct S {
    #[hazard]
    f: AtomicPtr<String>,
}

fn main() {
    let s = S { f: hazptr::atomic_ptr("protected".to_string()) };
    let mut arr = hazptr::HazardPointerArray::default();
    let mut lone = HazardPointer::new();
    {
        let [_, second] = arr.as_refs();
        std::mem::swap(second, &mut lone);
    }
    drop(arr);
    let value: &String = s.f.safe_load(&mut lone).unwrap();
    println!("{value}");
}
