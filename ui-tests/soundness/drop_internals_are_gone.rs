// Misuse (an attack from safe code, issue 11 1a): the derive's drop used to reach hidden, safe
// functions that retired a field's value but left it in the field (`ReclaimFields`,
// `static_domain::retire_on_drop`, `DropGlue`): calling one and then loading the field was a
// use-after-free, calling one twice a double free. They are gone: the struct's drop empties each
// field and retires what it took out (`clear_and_retire`, which any caller may call any number
// of times), so nothing is left to misuse.
#![forbid(unsafe_code)]
use hazptr::__private::ReclaimFields;
use hazptr::__private::static_domain::retire_on_drop;
use hazptr::__private::DropGlue;
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct S {
    #[hazard]
    f: AtomicPtr<String>,
}

fn main() {
    let mut s = S { f: hazptr::atomic_ptr("hello".to_string()) };
    s.reclaim_fields();
    hazptr::reclaim();
    println!("{}", *s.load_protected_f().unwrap());
}
