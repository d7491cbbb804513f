// Misuse (an attack from safe code, issue 11 1d): `#[hazard(crate = …)]` naming a module that
// swaps hazptr's hidden `Field` for one of the attacker's, hoping to get the derive's `unsafe`
// pairing of a field with its domain to accept something else. The derive calls no path inside
// its `unsafe` blocks: it asks `Field` outside, then calls hazptr's own `__in_domain` on the
// field itself, whose signature takes only hazptr's proof (private fields, made only where the
// bounds hold), so the forged answer does not type-check.
// Write instead: `crate = path` naming hazptr itself, or a module that re-exports it whole.
#![forbid(unsafe_code)]
mod fake {
    pub use hazptr::*;
    pub mod __private {
        pub use hazptr::__private::{
            Box, InstancePlace, PointeeSend, PointeeSync, assert_hazptr_atomic_ptr,
            assert_owned_domain,
        };

        /// The attacker's stand-in for hazptr's question.
        pub struct Field<A, T, F, D>(core::marker::PhantomData<(A, T, F, D)>);

        impl<A, T, F, D> Field<A, T, F, D> {
            pub const NEW: Self = Self(core::marker::PhantomData);

            pub fn instance_domain(&self, _: &D) -> usize {
                0xdead_beef
            }
        }
    }
}

use hazptr::{AtomicPtr, Domain, HazardProtected};

#[derive(HazardProtected)]
#[hazard(crate = fake, domain = dom)]
struct S {
    #[hazard]
    f: AtomicPtr<String, ()>,
    dom: Domain<()>,
}

fn main() {}
