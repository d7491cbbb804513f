// A newtype: its one field's methods have bare names (`load_protected`, `swap_and_retire`, …).
use hazptr::{AtomicPtr, HazardProtected};

#[derive(HazardProtected)]
struct S(#[hazard] AtomicPtr<u64>);
