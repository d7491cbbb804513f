//! How the generated `Drop` reaches the field reclamation without repeating its bound errors.
//!
//! The derive implements [`ReclaimFields`] under the same `where` clauses as the generated
//! methods: generic pointees (and families) are bounded there, so if one of those bounds fails,
//! the `where` clause itself reports it, once, at the user's field type. (Concrete pointees are
//! checked by the derive's hidden check function instead, and reach their operations through
//! `bounds::Pointee`: see that module.) A `Drop` impl cannot carry extra bounds (E0367), so its
//! body cannot assume the `where` clause's; calling `reclaim_fields` there directly would report
//! the same failure a second time. The generated `Drop` therefore calls `reclaimer` on
//! `&DropGlue`, which resolves to [`ReclaimViaDerive`] when the struct implements
//! [`ReclaimFields`], and to the no-op [`ReclaimSkipped`] otherwise (the "autoref
//! specialisation" pattern). The no-op can only be chosen in a crate that fails to compile
//! anyway, because the failing bound is an error at the `where` clause.
//!
//! The [`Reclaimer`] it returns reclaims the fields when it goes out of scope, after the struct's
//! custom drop, if any, and also when that custom drop panics.

use core::cell::Cell;

/// Retires the last value of every `#[hazard]` field; implemented by the derive.
pub trait ReclaimFields {
    /// Retires every `#[hazard]` field's value; the fields are never used again.
    fn reclaim_fields(&mut self);
}

/// The struct being dropped, lent to whichever `reclaimer` method resolution picks.
pub struct DropGlue<'a, S>(Cell<Option<&'a mut S>>);

impl<'a, S> DropGlue<'a, S> {
    /// Lends the struct being dropped.
    #[inline]
    pub fn new(dropped: &'a mut S) -> Self {
        Self(Cell::new(Some(dropped)))
    }

    fn take(&self) -> &'a mut S {
        self.0
            .take()
            .unwrap_or_else(|| unreachable!("each DropGlue lends its struct once"))
    }
}

/// Holds the struct being dropped and reclaims its fields when it goes out of scope, also when
/// the struct's [`HazardDrop::drop`](crate::HazardDrop::drop) panics, so that a panicking custom
/// drop does not leak the fields' last values.
pub struct Reclaimer<'a, S> {
    dropped: &'a mut S,
    reclaim: fn(&mut S),
}

impl<S> Reclaimer<'_, S> {
    /// The struct, for the custom drop that runs before the reclamation.
    #[inline]
    pub fn dropped(&mut self) -> &mut S {
        self.dropped
    }
}

impl<S> Drop for Reclaimer<'_, S> {
    #[inline]
    fn drop(&mut self) {
        (self.reclaim)(self.dropped);
    }
}

/// Picked when the struct implements [`ReclaimFields`]: reclaims its fields.
pub trait ReclaimViaDerive<'a, S> {
    /// The reclaimer of the struct.
    fn reclaimer(&self) -> Reclaimer<'a, S>;
}

impl<'a, S: ReclaimFields> ReclaimViaDerive<'a, S> for DropGlue<'a, S> {
    #[inline]
    fn reclaimer(&self) -> Reclaimer<'a, S> {
        Reclaimer {
            dropped: self.take(),
            reclaim: S::reclaim_fields,
        }
    }
}

/// Picked only when [`ReclaimFields`] is not implemented, which is already a compile error.
pub trait ReclaimSkipped<'a, S> {
    /// A reclaimer that does nothing.
    fn reclaimer(&self) -> Reclaimer<'a, S>;
}

impl<'a, S> ReclaimSkipped<'a, S> for &DropGlue<'a, S> {
    #[inline]
    fn reclaimer(&self) -> Reclaimer<'a, S> {
        Reclaimer {
            dropped: self.take(),
            reclaim: |_| {},
        }
    }
}
