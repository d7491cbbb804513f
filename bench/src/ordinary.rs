//! The one-thread protected read, called the way user code calls a library.
//!
//! The main harness ([`crate::workloads::ns_per_read`]) is generic over the [`Contender`], and
//! every contender's read is `#[inline(always)]`: each read is compiled into its own measuring
//! loop, where the optimiser may hoist loop-invariant work (a thread-local's address, the cell's
//! address) out of the loop. User code does not get that: it calls a library method from an
//! ordinary function or closure, compiled once, and whatever the library does not inline into
//! that function is a call.
//!
//! Here each contender's read is an ordinary closure, written as its crate's documentation
//! shows, boxed as a `dyn FnMut() -> u64` and called through that pointer from one non-generic
//! `#[inline(never)]` loop, [`ns_per_call`]. The library methods keep their own `#[inline]`
//! attributes; only the caller is ordinary. The pointer passes through [`black_box`], so the
//! loop cannot be specialised for one closure, and every contender pays the same indirect call
//! (the [`PLAIN`] row measures it: a plain load and dereference, with no protection).

use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crossbeam_epoch as epoch;
use haphazard::HazardPointer;
use hazptr::protected;
use seize::Guard as _;

use crate::contenders::{
    ArcSwapCell, Contender, EpochCell, HazptrDerive, HazptrMacro, RawReusedHazard, SeizeCell,
};
use crate::payload::Payload;

/// A contender's read as user code writes it: protect the current payload, read it, release.
pub type Read = Box<dyn FnMut() -> u64>;

/// The name of the reference row: a plain `Acquire` load and dereference, no protection.
pub const PLAIN: &str = "(no protection: load + deref)";

/// One contender's read, as the tables and the `profile` command know it.
#[derive(Clone, Copy)]
pub struct OrdinaryRead {
    /// Its name in tables (the [`Contender::NAME`] of the same scheme).
    pub name: &'static str,
    /// Its name on the `profile` command line.
    pub key: &'static str,
    /// Makes a fresh cell and the closure that reads it.
    pub make: fn() -> Read,
}

/// Every contender's read, and the [`PLAIN`] reference row last.
pub const READS: [OrdinaryRead; 7] = [
    ordinary_read(HazptrDerive::NAME, "hazptr-derive", hazptr_derive),
    ordinary_read(HazptrMacro::NAME, "hazptr-macro", hazptr_macro),
    ordinary_read(RawReusedHazard::NAME, "raw-reused", raw_reused),
    ordinary_read(EpochCell::NAME, "epoch", epoch_pin),
    ordinary_read(SeizeCell::NAME, "seize", seize_enter),
    ordinary_read(ArcSwapCell::NAME, "arc-swap", arc_swap),
    ordinary_read(PLAIN, "plain", plain),
];

const fn ordinary_read(name: &'static str, key: &'static str, make: fn() -> Read) -> OrdinaryRead {
    OrdinaryRead { name, key, make }
}

/// Nanoseconds per call of `read`, called `calls` times (after one warm-up call) from a loop
/// that knows nothing of it.
#[inline(never)]
pub fn ns_per_call(read: &mut dyn FnMut() -> u64, calls: u64) -> f64 {
    let read = black_box(read);
    // Warm up: the first read of a thread may allocate a hazard record, register a thread, …
    black_box(read());
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..calls {
        sum = sum.wrapping_add(read());
    }
    let elapsed = start.elapsed();
    black_box(sum);
    #[allow(clippy::cast_precision_loss)]
    let ns = elapsed.as_nanos() as f64 / calls as f64;
    ns
}

fn hazptr_derive() -> Read {
    let cell = HazptrDerive::new(Payload::new(0));
    Box::new(move || cell.load_protected_slot().read())
}

fn hazptr_macro() -> Read {
    let cell = HazptrMacro::new(Payload::new(0));
    Box::new(move || {
        protected! {
            let Some(payload) = cell.0.slot else { unreachable!("non-null field") };
        }
        payload.read()
    })
}

fn raw_reused() -> Read {
    let cell = RawReusedHazard::new(Payload::new(0));
    let mut hazard = HazardPointer::new();
    Box::new(move || {
        let value = cell.0.0.safe_load(&mut hazard).map_or(0, Payload::read);
        hazard.reset_protection();
        value
    })
}

fn epoch_pin() -> Read {
    let cell = EpochCell::new(Payload::new(0));
    Box::new(move || {
        let guard = epoch::pin();
        let current = cell.0.load(Ordering::Acquire, &guard);
        // SAFETY: values of the cell are only destroyed through `defer_destroy` after being
        // unlinked, so one loaded under a pin stays valid while the pin lasts; the cell is never
        // null.
        unsafe { current.deref() }.read()
    })
}

fn seize_enter() -> Read {
    let cell = SeizeCell::new(Payload::new(0));
    Box::new(move || {
        let guard = cell.collector.enter();
        let current = guard.protect(&cell.slot, Ordering::Acquire);
        // SAFETY: values of `slot` are only freed through `collector.retire` after being
        // unlinked, so one protected by an entered guard stays valid while the guard lives; the
        // slot is never null.
        unsafe { &*current }.read()
    })
}

fn arc_swap() -> Read {
    let cell = ArcSwapCell::new(Payload::new(0));
    Box::new(move || cell.0.load().read())
}

fn plain() -> Read {
    let payload = Box::new(Payload::new(0));
    let slot = std::sync::atomic::AtomicPtr::new(Box::into_raw(payload));
    let cell = PlainCell(slot);
    Box::new(move || {
        // SAFETY: the slot holds the payload it was made with until the cell is dropped.
        unsafe { &*cell.0.load(Ordering::Acquire) }.read()
    })
}

/// The payload of the [`PLAIN`] row, never replaced; freed on drop.
struct PlainCell(std::sync::atomic::AtomicPtr<Payload>);

impl Drop for PlainCell {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::into_raw` and no read outlives the cell.
        drop(unsafe { Box::from_raw(*self.0.get_mut()) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ordinary_read_reads_the_payload() {
        let _serial = crate::payload::counting_lock();
        for OrdinaryRead { name, make, .. } in READS {
            let mut read = make();
            assert_eq!(read(), 0, "{name}");
            assert!(ns_per_call(&mut *read, 100) > 0.0, "{name}");
        }
    }
}
