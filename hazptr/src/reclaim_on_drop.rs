//! How the generated `Drop` reaches the field reclamation without repeating its bound errors.
//!
//! The derive implements [`ReclaimFields`] under the same `where` clauses as the generated
//! methods: each pointee is `Send + Sync` (and `'static` in a static domain). If one of those
//! bounds fails, the `where` clause itself reports it, once, at the user's field type. A `Drop`
//! impl cannot carry extra bounds (E0367), so its body cannot assume them; calling
//! `reclaim_fields` there directly would report the same failure a second time. The generated
//! `Drop` therefore calls `reclaim` on `&DropGlue`, which resolves to [`ReclaimViaDerive`] when
//! the struct implements [`ReclaimFields`], and to the no-op [`ReclaimSkipped`] otherwise (the
//! "autoref specialisation" pattern). The no-op can only be chosen in a crate that fails to
//! compile anyway, because the failing bound is an error at the `where` clause.

use core::cell::Cell;

/// Retires the last value of every `#[hazard]` field; implemented by the derive.
pub trait ReclaimFields {
    /// Retires every `#[hazard]` field's value; the fields are never used again.
    fn reclaim_fields(&mut self);
}

/// The struct being dropped, lent to whichever `reclaim` method resolution picks.
pub struct DropGlue<'a, S>(Cell<Option<&'a mut S>>);

impl<'a, S> DropGlue<'a, S> {
    /// Lends the struct being dropped.
    #[inline]
    pub fn new(dropped: &'a mut S) -> Self {
        Self(Cell::new(Some(dropped)))
    }
}

/// Picked when the struct implements [`ReclaimFields`]: reclaims its fields.
pub trait ReclaimViaDerive {
    /// Reclaims the fields.
    fn reclaim(&self);
}

impl<S: ReclaimFields> ReclaimViaDerive for DropGlue<'_, S> {
    #[inline]
    fn reclaim(&self) {
        if let Some(dropped) = self.0.take() {
            dropped.reclaim_fields();
        }
    }
}

/// Picked only when [`ReclaimFields`] is not implemented, which is already a compile error.
pub trait ReclaimSkipped {
    /// Does nothing.
    fn reclaim(&self);
}

impl<S> ReclaimSkipped for &DropGlue<'_, S> {
    #[inline]
    fn reclaim(&self) {}
}
