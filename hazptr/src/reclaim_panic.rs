//! Keeps a panic in a retired value's `Drop` from unwinding through haphazard's reclamation.
//!
//! haphazard frees retired values in the middle of its reclamation: it has taken the retired
//! lists out of the domain and raised a count of reclamations in progress. A panic unwinding from
//! a value's `Drop` there leaks every other value it took (they are in no list any more) and
//! leaves that count raised for ever, so `Domain::cleanup` then spins without end. hazptr
//! therefore retires values as [`Reclaimed`], whose drop catches such a panic; reclamation
//! carries on; and the hazptr call that ran the reclamation (a `swap_and_retire…`, `update…`,
//! … or a struct's drop) resumes the first such panic once it is done. Reclamation that
//! haphazard runs outside a hazptr call (`Domain::eager_reclaim`, `Domain::cleanup`, dropping a
//! domain) has no caller of hazptr's to resume it in: the panic hook reports it, and it ends
//! there.

use core::cell::Cell;
use core::mem::ManuallyDrop;
use core::ops::Deref;
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

std::thread_local! {
    /// How many hazptr retirements are running on this thread (they may nest: a value's drop
    /// can retire other values).
    static RETIRING: Cell<usize> = const { Cell::new(0) };
    /// The first panic caught during the running retirements, to resume when they end.
    static CAUGHT: Cell<Option<Box<dyn Any + Send>>> = const { Cell::new(None) };
}

/// A retired value, freed like a `Box<T>` but with a panic from `T::drop` caught.
pub(crate) struct Reclaimed<T>(ManuallyDrop<Box<T>>);

impl<T> Deref for Reclaimed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

// SAFETY: `into_raw` and `from_raw` are `Box::into_raw` and `Box::from_raw`, whose contract is
// the trait's: `from_raw` takes a pointer `into_raw` returned, once.
unsafe impl<T> haphazard::raw::Pointer<T> for Reclaimed<T> {
    fn into_raw(self) -> *mut T {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the box is taken out once.
        Box::into_raw(unsafe { ManuallyDrop::take(&mut this.0) })
    }

    unsafe fn from_raw(ptr: *mut T) -> Self {
        // SAFETY: forwarded from the caller: `ptr` came from `into_raw`, i.e. from a `Box<T>`,
        // and is reconstructed once.
        Self(ManuallyDrop::new(unsafe { Box::from_raw(ptr) }))
    }
}

impl<T> Drop for Reclaimed<T> {
    fn drop(&mut self) {
        // SAFETY: `drop` runs once and the box is not used after it.
        let value = unsafe { ManuallyDrop::take(&mut self.0) };
        // The box's memory is freed even when `T::drop` panics.
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
            let keep = RETIRING.with(Cell::get) > 0
                && CAUGHT.with(|c| {
                    let first = c.take();
                    let empty = first.is_none();
                    c.set(first);
                    empty
                });
            if keep {
                CAUGHT.with(|c| c.set(Some(payload)));
            }
            // Otherwise the payload is dropped here: the panic hook has reported the panic, and
            // nothing can resume it (see the module documentation).
        }
    }
}

/// Runs `retire` (a call into haphazard that may reclaim), then resumes the first panic a
/// reclaimed value's drop raised meanwhile.
pub(crate) fn resuming_drop_panics<R>(retire: impl FnOnce() -> R) -> R {
    RETIRING.with(|r| r.set(r.get() + 1));
    let result = retire();
    let depth = RETIRING.with(|r| {
        r.set(r.get() - 1);
        r.get()
    });
    if depth == 0
        && let Some(payload) = CAUGHT.with(Cell::take)
    {
        panic::resume_unwind(payload);
    }
    result
}
