//! The field layer: what `#[derive(HazardProtected)]` and `protected!` expand to. hazptr's
//! [`AtomicPtr`](crate::AtomicPtr) (`atomic_ptr.rs`), the places the generated methods call and
//! the one proof of their bounds (`place.rs`), the checks with their messages (`bounds.rs`),
//! the domain families a field names (`family.rs`), `protected!`'s one call (`protected.rs`),
//! and the custom-drop hook (`drop_hook.rs`).
//!
//! It imports from the protection and reclamation layers below it.

pub(crate) mod atomic_ptr;
pub(crate) mod bounds;
pub(crate) mod drop_hook;
pub(crate) mod family;
pub(crate) mod place;
pub(crate) mod protected;
