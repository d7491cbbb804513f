// Misuse (an attack from safe code, issue 11 1b): `protected!`'s hidden hazard pointers, taken
// from the per-thread cache, are lent as opaque slots: a `&mut HazardPointer` in safe code's
// hands could be swapped with one of another domain, and go back to the cache. A slot can only
// be passed to `protect`, which uses it for one value for as long as the set lives.
#![forbid(unsafe_code)]
use hazptr::Global;
use hazptr::__private::HazardSet;

fn main() {
    let mut set = HazardSet::<Global, 1>::acquire();
    let [slot] = set.slots();
    let hazard_pointer = slot.0;
    std::mem::forget(hazard_pointer);
}
