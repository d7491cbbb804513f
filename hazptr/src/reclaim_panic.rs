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
//!
//! The same holds when this thread's storage for that bookkeeping is gone. A hazptr call made
//! from another thread-local's destructor may run after `CAUGHT` (which can hold a payload, so
//! has a destructor) was destroyed: std destroys thread-locals in the reverse order of their
//! first use, so a thread-local that the thread used before its first retirement is dropped
//! after `CAUGHT`. `LocalKey::with` panics there, and a panic in a thread-local's destructor
//! aborts the process ("thread local panicked on drop"), so both thread-locals are reached with
//! `try_with`; without them, a caught panic is reported by the hook and dropped, as outside a
//! hazptr call. A hazptr call in a thread-local destructor that runs while `CAUGHT` is still
//! alive (the thread retired before it used that thread-local, or first retires in its
//! destructor) resumes the panic as anywhere else, and unwinding out of that destructor aborts,
//! as any panic there does: nothing tells hazptr that its thread is exiting.

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
            // Kept for the running retirement to resume if it is the first; otherwise dropped
            // here (see the module documentation): with no retirement running, a later one
            // caught already, or this thread's storage gone (the closure then never runs and is
            // dropped with the payload). The panic hook has reported it in every case.
            if RETIRING.try_with(Cell::get).is_ok_and(|depth| depth > 0) {
                let _ = CAUGHT.try_with(move |caught| {
                    let first = caught.take().unwrap_or(payload);
                    caught.set(Some(first));
                });
            }
        }
    }
}

/// Runs `retire` (a call into haphazard that may reclaim), then resumes the first panic a
/// reclaimed value's drop raised meanwhile.
pub(crate) fn resuming_drop_panics<R>(retire: impl FnOnce() -> R) -> R {
    // `false` only when the storage is gone (from a thread-local destructor; `RETIRING` has no
    // destructor, but where thread-locals live in OS keys it is freed at thread exit all the
    // same): the retirement then runs uncounted, and a panic it catches is dropped after the
    // hook reports it.
    let counted = RETIRING.try_with(|r| r.set(r.get() + 1)).is_ok();
    let result = retire();
    if counted {
        // The storage that was there on entry is still there: a thread-local is destroyed only
        // between the destructors that run at thread exit, never within one call.
        let depth = RETIRING.try_with(|r| {
            r.set(r.get() - 1);
            r.get()
        });
        if depth == Ok(0)
            && let Ok(Some(payload)) = CAUGHT.try_with(Cell::take)
        {
            panic::resume_unwind(payload);
        }
    }
    result
}
