// A generic struct: the pointee `T` and the family `F` are the struct's parameters.
use hazptr::{AtomicPtr, HazardProtected, StaticDomain};

#[derive(HazardProtected)]
pub struct S<T: Send + Sync + 'static, F: StaticDomain> {
    #[hazard]
    value: AtomicPtr<T, F>,
}
