//! One shared, replaceable `Payload` per contender, each used the way its crate's documentation
//! recommends.
//!
//! Every contender implements [`Contender`]: make a cell, read it (protect, dereference,
//! release), replace its value (retiring the old one), hold a protection for as long as a test
//! wants, and ask for everything retired to be reclaimed between measurements.

use std::ops::Deref;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;
use crossbeam_epoch::{self as epoch, Atomic, Owned};
use haphazard::HazardPointer;
use hazptr::{AtomicPtr, HazardProtected, protected};
use seize::{Collector, Guard as _, reclaim};

use crate::payload::Payload;

/// What a reader thread keeps between reads (a reused hazard pointer, or nothing).
///
/// Every contender's `read` (and `read_shared`) is `#[inline(always)]`: the measuring loops call
/// it twice (a warm-up read, then the loop), and without the attribute whether it inlines into
/// the loop depends on its size, so a larger read would also pay for a call, a prologue and an
/// epilogue that the harness, not the contender, added.
pub trait Reader {
    /// Protects the current payload, reads it, and releases the protection.
    fn read(&mut self) -> u64;
}

/// A shared cell holding one `Payload`, under one reclamation scheme.
pub trait Contender: Sync + Sized {
    /// Its name in tables.
    const NAME: &'static str;

    /// A cell holding `initial`.
    fn new(initial: Payload) -> Self;

    /// A reader for the calling thread.
    fn reader(&self) -> impl Reader + '_;

    /// Installs `new` and retires the old payload.
    fn replace(&self, new: Payload);

    /// Protects the current payload until the returned value is dropped (a stalled reader).
    fn hold(&self) -> impl Sized + '_;

    /// Reclaims what it can of the retired payloads, with no protection held by this thread.
    fn reclaim(&self);
}

/// A contender whose readers keep no state between reads.
pub trait ReadShared {
    /// Protects the current payload, reads it, and releases the protection.
    fn read_shared(&self) -> u64;
}

/// The reader of a [`ReadShared`] contender: a reference to the cell (statically dispatched, so
/// the read inlines into the measuring loop exactly as the hand-written readers do).
pub struct Stateless<'a, C>(&'a C);

impl<C: ReadShared> Reader for Stateless<'_, C> {
    #[inline(always)]
    fn read(&mut self) -> u64 {
        self.0.read_shared()
    }
}

/// Reclaims what the global hazard-pointer domain holds (nothing here protects anything).
fn reclaim_global_domain() {
    let _reclaimed = hazptr::Domain::global().reclaim();
}

/// hazptr: a `#[derive(HazardProtected)]` struct, read with the generated `load_protected_…()`.
#[derive(HazardProtected)]
pub struct HazptrDerive {
    #[hazard(non_null)]
    pub(crate) slot: AtomicPtr<Payload>,
}

impl ReadShared for HazptrDerive {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        self.load_protected_slot().read()
    }
}

impl Contender for HazptrDerive {
    const NAME: &'static str = "hazptr (derive)";

    fn new(initial: Payload) -> Self {
        Self {
            slot: hazptr::atomic_ptr(initial),
        }
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        self.swap_and_retire_slot(new);
    }

    fn hold(&self) -> impl Sized + '_ {
        self.load_protected_slot()
    }

    fn reclaim(&self) {
        reclaim_global_domain();
    }
}

/// hazptr: the same struct, read with `protected!`.
pub struct HazptrMacro(pub(crate) HazptrDerive);

impl ReadShared for HazptrMacro {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        protected! {
            let Some(payload) = self.0.slot else { unreachable!("non-null field") };
        }
        payload.read()
    }
}

impl Contender for HazptrMacro {
    const NAME: &'static str = "hazptr (protected!)";

    fn new(initial: Payload) -> Self {
        Self(HazptrDerive::new(initial))
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        self.0.replace(new);
    }

    fn hold(&self) -> impl Sized + '_ {
        self.0.hold()
    }

    fn reclaim(&self) {
        reclaim_global_domain();
    }
}

/// Raw `haphazard`: an `AtomicPtr` in the global domain, replaced with `swap` + `retire`.
pub struct RawCell(pub(crate) haphazard::AtomicPtr<Payload>);

impl RawCell {
    fn new(initial: Payload) -> Self {
        Self(haphazard::AtomicPtr::from(Box::new(initial)))
    }

    #[inline]
    fn swap_and_retire(&self, new: Payload) {
        if let Some(old) = self.0.swap(Box::new(new)) {
            // SAFETY: the swap unlinked `old` and only this call got it, so it is retired once;
            // it is retired into the global domain, whose hazard pointers protect every load of
            // this cell.
            unsafe { old.retire() };
        }
    }

    fn hold(&self) -> HazardPointer<'static> {
        let mut hazard = HazardPointer::new();
        let _protected = self.0.safe_load(&mut hazard).map(Payload::read);
        hazard
    }
}

impl Drop for RawCell {
    fn drop(&mut self) {
        let last = self.0.load_ptr();
        // SAFETY: `&mut self`: no thread reads the cell any more, and it is never used again;
        // the last value is retired once, into the domain that protected its loads (a reference
        // a reader got from `safe_load` may outlive the cell, hence retire, not free).
        unsafe { haphazard::Domain::global().retire_ptr::<Payload, Box<Payload>>(last) };
    }
}

/// Raw `haphazard`, a new `HazardPointer` for every read (its documentation's example).
pub struct RawNewHazard(RawCell);

impl ReadShared for RawNewHazard {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        let mut hazard = HazardPointer::new();
        self.0.0.safe_load(&mut hazard).map_or(0, Payload::read)
    }
}

impl Contender for RawNewHazard {
    const NAME: &'static str = "haphazard (new HP per read)";

    fn new(initial: Payload) -> Self {
        Self(RawCell::new(initial))
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        self.0.swap_and_retire(new);
    }

    fn hold(&self) -> impl Sized + '_ {
        self.0.hold()
    }

    fn reclaim(&self) {
        reclaim_global_domain();
    }
}

/// Raw `haphazard`, one `HazardPointer` per reader thread, reset after each read: the
/// hand-written code hazptr's generated methods must match.
pub struct RawReusedHazard(pub(crate) RawCell);

/// A reader thread's own hazard pointer.
pub struct ReusedHazardReader<'a> {
    cell: &'a RawCell,
    hazard: HazardPointer<'static>,
}

impl Reader for ReusedHazardReader<'_> {
    #[inline(always)]
    fn read(&mut self) -> u64 {
        let value = self
            .cell
            .0
            .safe_load(&mut self.hazard)
            .map_or(0, Payload::read);
        self.hazard.reset_protection();
        value
    }
}

impl Contender for RawReusedHazard {
    const NAME: &'static str = "haphazard (reused HP)";

    fn new(initial: Payload) -> Self {
        Self(RawCell::new(initial))
    }

    fn reader(&self) -> impl Reader + '_ {
        ReusedHazardReader {
            cell: &self.0,
            hazard: HazardPointer::new(),
        }
    }

    #[inline]
    fn replace(&self, new: Payload) {
        self.0.swap_and_retire(new);
    }

    fn hold(&self) -> impl Sized + '_ {
        self.0.hold()
    }

    fn reclaim(&self) {
        reclaim_global_domain();
    }
}

/// `arc-swap`: `ArcSwap::load` to read, `store` to replace.
pub struct ArcSwapCell(pub(crate) ArcSwap<Payload>);

impl ReadShared for ArcSwapCell {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        self.0.load().read()
    }
}

impl Contender for ArcSwapCell {
    const NAME: &'static str = "arc-swap";

    fn new(initial: Payload) -> Self {
        Self(ArcSwap::from_pointee(initial))
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        self.0.store(Arc::new(new));
    }

    fn hold(&self) -> impl Sized + '_ {
        self.0.load()
    }

    fn reclaim(&self) {}
}

/// `crossbeam-epoch`: `pin` + `load` to read, `swap` + `defer_destroy` to replace.
pub struct EpochCell(pub(crate) Atomic<Payload>);

impl ReadShared for EpochCell {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        let guard = epoch::pin();
        let current = self.0.load(Ordering::Acquire, &guard);
        // SAFETY: values of the cell are only destroyed through `defer_destroy` after being
        // unlinked, so one loaded under a pin stays valid while the pin lasts; the cell is never
        // null.
        unsafe { current.deref() }.read()
    }
}

impl Contender for EpochCell {
    const NAME: &'static str = "crossbeam-epoch";

    fn new(initial: Payload) -> Self {
        Self(Atomic::new(initial))
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        let guard = epoch::pin();
        let old = self.0.swap(Owned::new(new), Ordering::AcqRel, &guard);
        // SAFETY: the swap unlinked `old`, so no later pin can load it, and only this call got
        // it: it is destroyed once, after every pin that could see it has ended.
        unsafe { guard.defer_destroy(old) };
    }

    fn hold(&self) -> impl Sized + '_ {
        let guard = epoch::pin();
        let _current = self.0.load(Ordering::Acquire, &guard);
        guard
    }

    fn reclaim(&self) {
        // Each flush moves this thread's garbage to the global queue and collects a few bags of
        // it; repeat until a long run of flushes frees nothing more (after a stalled-reader run
        // the queue holds a million payloads, thousands of bags).
        let mut unchanged = 0;
        let mut live = crate::payload::live();
        while unchanged < 256 {
            epoch::pin().flush();
            let now = crate::payload::live();
            unchanged = if now < live { 0 } else { unchanged + 1 };
            live = now;
        }
    }
}

impl Drop for EpochCell {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no thread can load the cell any more, and every reader's pin of it
        // has ended (readers borrow the cell), so the last value can be freed now.
        drop(unsafe {
            self.0
                .load(Ordering::Relaxed, epoch::unprotected())
                .into_owned()
        });
    }
}

/// `seize`: a `Collector` beside a std `AtomicPtr`; `enter` + `protect` to read, `swap` +
/// `Collector::retire` to replace.
pub struct SeizeCell {
    pub(crate) slot: std::sync::atomic::AtomicPtr<Payload>,
    pub(crate) collector: Collector,
}

impl ReadShared for SeizeCell {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        let guard = self.collector.enter();
        let current = guard.protect(&self.slot, Ordering::Acquire);
        // SAFETY: values of `slot` are only freed through `collector.retire` after being
        // unlinked, so one protected by an entered guard stays valid while the guard lives; the
        // slot is never null.
        unsafe { &*current }.read()
    }
}

impl Contender for SeizeCell {
    const NAME: &'static str = "seize";

    fn new(initial: Payload) -> Self {
        Self {
            slot: std::sync::atomic::AtomicPtr::new(Box::into_raw(Box::new(initial))),
            collector: Collector::new(),
        }
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        let old = self
            .slot
            .swap(Box::into_raw(Box::new(new)), Ordering::AcqRel);
        // SAFETY: the swap unlinked `old` (a `Box` allocation), and only this call got it, so it
        // is retired once, with the reclaimer for boxes, into the collector guarding the slot.
        unsafe { self.collector.retire(old, reclaim::boxed) };
    }

    fn hold(&self) -> impl Sized + '_ {
        let guard = self.collector.enter();
        let _current = guard.protect(&self.slot, Ordering::Acquire);
        guard
    }

    fn reclaim(&self) {}
}

impl Drop for SeizeCell {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no guard of this collector is alive (guards borrow the cell), so
        // the current value is unreachable by anyone else; it came from `Box::into_raw`.
        drop(unsafe { Box::from_raw(*self.slot.get_mut()) });
        // The collector, dropped next, reclaims everything retired into it.
    }
}

/// `std::sync::RwLock<Arc<T>>`: readers clone the `Arc` under the read lock; writers replace it
/// under the write lock and drop the old `Arc` after unlocking.
pub struct RwLockCell(RwLock<Arc<Payload>>);

impl ReadShared for RwLockCell {
    #[inline(always)]
    fn read_shared(&self) -> u64 {
        let current = Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()));
        current.deref().read()
    }
}

impl Contender for RwLockCell {
    const NAME: &'static str = "RwLock<Arc<T>>";

    fn new(initial: Payload) -> Self {
        Self(RwLock::new(Arc::new(initial)))
    }

    fn reader(&self) -> impl Reader + '_ {
        Stateless(self)
    }

    #[inline]
    fn replace(&self, new: Payload) {
        let old = std::mem::replace(
            &mut *self.0.write().unwrap_or_else(|e| e.into_inner()),
            Arc::new(new),
        );
        drop(old);
    }

    fn hold(&self) -> impl Sized + '_ {
        // Holding the read lock would block the writer for good: a stalled reader holds a clone.
        Arc::clone(&self.0.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn reclaim(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_what_was_written<C: Contender>() {
        let cell = C::new(Payload::new(1));
        let mut reader = cell.reader();
        assert_eq!(reader.read(), 1);
        cell.replace(Payload::new(2));
        assert_eq!(reader.read(), 2);
        let held = cell.hold();
        cell.replace(Payload::new(3));
        assert_eq!(reader.read(), 3);
        drop(held);
        cell.reclaim();
    }

    #[test]
    fn every_contender_reads_the_latest_value() {
        let _serial = crate::payload::counting_lock();
        reads_what_was_written::<HazptrDerive>();
        reads_what_was_written::<HazptrMacro>();
        reads_what_was_written::<RawNewHazard>();
        reads_what_was_written::<RawReusedHazard>();
        reads_what_was_written::<ArcSwapCell>();
        reads_what_was_written::<EpochCell>();
        reads_what_was_written::<SeizeCell>();
        reads_what_was_written::<RwLockCell>();
    }
}
