//! Custom drop logic for a struct with `#[derive(HazardProtected)]`.

/// Drop logic for a struct with `#[derive(HazardProtected)]`, run before its `#[hazard]` fields
/// are reclaimed.
///
/// The derive implements `Drop` (to retire each field's last value), so the struct cannot also
/// implement `Drop` itself. Put the logic in `HazardDrop::drop` instead and mark the struct
/// `#[hazard(custom_drop)]`: the generated `Drop` calls it first, while every field still holds
/// its value, then retires the fields.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use hazptr::{AtomicPtr, HazardDrop, HazardProtected};
///
/// static CLOSED: AtomicUsize = AtomicUsize::new(0);
///
/// #[derive(HazardProtected)]
/// #[hazard(custom_drop)]
/// struct Connection {
///     #[hazard(non_null)]
///     peer: AtomicPtr<String>,
/// }
///
/// impl HazardDrop for Connection {
///     fn drop(&mut self) {
///         // The field still holds its value here.
///         assert_eq!(*self.load_protected_peer(), "10.0.0.1");
///         CLOSED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// drop(Connection { peer: hazptr::atomic_ptr("10.0.0.1".to_string()) });
/// assert_eq!(CLOSED.load(Ordering::Relaxed), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is marked `#[hazard(custom_drop)]` but does not implement `HazardDrop`",
    label = "`HazardDrop` is not implemented for `{Self}`",
    note = "write `impl hazptr::HazardDrop for {Self} {{ fn drop(&mut self) {{ … }} }}`, or remove `custom_drop`"
)]
pub trait HazardDrop {
    /// Runs when the struct is dropped, before its `#[hazard]` fields are retired.
    fn drop(&mut self);
}

/// What the `Drop` of a `#[hazard(custom_drop)]` struct holds while `HazardDrop::drop` runs on
/// the struct it lends (`.0`): when it goes out of scope, also when that panics, it runs `.1`,
/// which retires every `#[hazard]` field's last value, so that a panicking custom drop does not
/// leak them.
pub struct RetireOnExit<'a, S>(pub &'a mut S, pub fn(&mut S));

impl<S> Drop for RetireOnExit<'_, S> {
    #[inline]
    fn drop(&mut self) {
        (self.1)(self.0);
    }
}
