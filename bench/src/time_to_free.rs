//! Time to free: how long a replaced value lives once nothing needs it any more.
//!
//! A writer replaces one shared value at a fixed rate; a reader keeps loading it, holding each
//! protection for 1–10 µs. Every value is a [`Timed`] that knows its sequence number and records,
//! in its [`Timeline`] slot, three instants (nanoseconds since the process's first [`now_ns`]):
//! when the writer's replacing call returned (the retirement), when the reader last began to drop
//! a protection of it (the last guard's drop; `fetch_max` over the reader's visits), and when it
//! was dropped. Its time to free is `dropped − max(retired, last guard's drop)`, 0 when it was
//! dropped inside the replacing call or inside the last guard's drop. After its last replacement
//! the writer idles for a grace period, calling nothing, as a service does between two rare
//! configuration reloads; a retired value still undropped at its end is counted as lost.
//!
//! The contenders are those of [`contenders`](crate::contenders), made generic over the value:
//! hazptr's generated methods (with the background reclaimer on, and off), raw haphazard,
//! arc-swap, crossbeam-epoch and seize.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use crossbeam_epoch::{self as epoch, Atomic, Owned};
use haphazard::HazardPointer;
use hazptr::{AtomicPtr, HazardProtected};
use seize::{Collector, Guard as _, reclaim};

/// Nanoseconds since the first call in this process, plus one: 0 stays free to mean "never".
#[must_use]
pub fn now_ns() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = START.get_or_init(Instant::now);
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX) + 1
}

/// The three instants of one value, on a cache line of its own (the writer, the reader and the
/// thread that drops it each write one).
#[derive(Default)]
#[repr(align(64))]
struct Slot {
    retired: AtomicU64,
    last_guard: AtomicU64,
    dropped: AtomicU64,
}

/// The instants of every value of one run, indexed by sequence number.
pub struct Timeline {
    slots: Box<[Slot]>,
}

impl Timeline {
    /// A timeline for values `0..len`, leaked: a value may be dropped after its run ends (when
    /// the contender is cleaned up) and still writes its slot. A run leaks 64 bytes per value.
    #[must_use]
    pub fn leaked(len: usize) -> &'static Self {
        Box::leak(Box::new(Self {
            slots: (0..len).map(|_| Slot::default()).collect(),
        }))
    }

    /// Value `seq`, recording into this timeline.
    #[must_use]
    pub fn value(&'static self, seq: usize) -> Timed {
        Timed {
            seq,
            timeline: self,
        }
    }

    fn retired(&self, seq: usize) {
        self.slots[seq].retired.store(now_ns(), Ordering::Relaxed);
    }

    fn guard_dropping(&self, seq: usize) {
        self.slots[seq]
            .last_guard
            .fetch_max(now_ns(), Ordering::Relaxed);
    }

    /// How many of values `0..retired` have been dropped.
    fn dropped_of(&self, retired: usize) -> usize {
        self.slots[..retired]
            .iter()
            .filter(|slot| slot.dropped.load(Ordering::Relaxed) != 0)
            .count()
    }

    /// The times to free of values `0..retired`, in nanoseconds (`None`: not dropped yet).
    fn times_to_free(&self, retired: usize) -> Vec<Option<u64>> {
        self.slots[..retired]
            .iter()
            .map(|slot| {
                let dropped = slot.dropped.load(Ordering::Relaxed);
                let free_from = slot
                    .retired
                    .load(Ordering::Relaxed)
                    .max(slot.last_guard.load(Ordering::Relaxed));
                (dropped != 0).then(|| dropped.saturating_sub(free_from))
            })
            .collect()
    }
}

/// The shared value: its sequence number, and where to record its drop.
pub struct Timed {
    seq: usize,
    timeline: &'static Timeline,
}

impl Drop for Timed {
    fn drop(&mut self) {
        self.timeline.slots[self.seq]
            .dropped
            .store(now_ns(), Ordering::Relaxed);
    }
}

/// What a reader thread keeps between visits.
pub trait Visitor {
    /// Protects the current value, runs `f` on it, and ends the protection.
    fn visit(&mut self, f: impl FnOnce(&Timed));
}

/// A shared cell holding one [`Timed`], under one reclamation scheme.
pub trait TimedCell: Sync + Sized {
    /// Its name in the table.
    const NAME: &'static str;

    /// Called before the cell is made (hazptr turns its background reclaimer on or off).
    fn prepare() {}

    /// A cell holding `initial`.
    fn new(initial: Timed) -> Self;

    /// A visitor for the calling thread.
    fn visitor(&self) -> impl Visitor + '_;

    /// Installs `new` and retires the old value.
    fn replace(&self, new: Timed);

    /// Drops the cell and frees everything it retired, so the next run starts clean.
    fn clean_up(self);
}

/// Reclaims hazptr's static domains and haphazard's global domain.
fn reclaim_everything() {
    let _hazptr = hazptr::reclaim();
    let _haphazard = haphazard::Domain::global().eager_reclaim();
}

/// hazptr: a `#[derive(HazardProtected)]` field, with the background reclaimer on or off.
#[derive(HazardProtected)]
pub struct Hazptr<const BACKGROUND: bool> {
    #[hazard(non_null)]
    slot: AtomicPtr<Timed>,
}

/// A visitor that needs nothing of its own.
pub struct Stateless<'a, C>(&'a C);

impl<const BACKGROUND: bool> Visitor for Stateless<'_, Hazptr<BACKGROUND>> {
    fn visit(&mut self, f: impl FnOnce(&Timed)) {
        f(&self.0.load_protected_slot());
    }
}

impl<const BACKGROUND: bool> TimedCell for Hazptr<BACKGROUND> {
    const NAME: &'static str = if BACKGROUND {
        "hazptr, reclaimer on"
    } else {
        "hazptr, reclaimer off"
    };

    fn prepare() {
        hazptr::set_background_reclaim(BACKGROUND);
        // Nothing of an earlier run is left for the reclaimer, and once this returns a round
        // it was running when turned off has ended: an "off" run gets no help.
        reclaim_everything();
    }

    fn new(initial: Timed) -> Self {
        Self {
            slot: hazptr::atomic_ptr(initial),
        }
    }

    fn visitor(&self) -> impl Visitor + '_ {
        Stateless(self)
    }

    fn replace(&self, new: Timed) {
        self.swap_and_retire_slot(new);
    }

    fn clean_up(self) {
        drop(self);
        reclaim_everything();
        hazptr::set_background_reclaim(true);
    }
}

/// Raw haphazard: an `AtomicPtr` in haphazard's global domain, read with one reused
/// `HazardPointer` per reader, replaced with `swap` + `retire`.
pub struct Haphazard(haphazard::AtomicPtr<Timed>);

/// A reader's own hazard pointer.
pub struct HazardVisitor<'a> {
    cell: &'a Haphazard,
    hazard: HazardPointer<'static>,
}

impl Visitor for HazardVisitor<'_> {
    fn visit(&mut self, f: impl FnOnce(&Timed)) {
        if let Some(value) = self.cell.0.safe_load(&mut self.hazard) {
            f(value);
        }
        self.hazard.reset_protection();
    }
}

impl TimedCell for Haphazard {
    const NAME: &'static str = "haphazard";

    fn new(initial: Timed) -> Self {
        Self(haphazard::AtomicPtr::from(Box::new(initial)))
    }

    fn visitor(&self) -> impl Visitor + '_ {
        HazardVisitor {
            cell: self,
            hazard: HazardPointer::new(),
        }
    }

    fn replace(&self, new: Timed) {
        if let Some(old) = self.0.swap(Box::new(new)) {
            // SAFETY: the swap unlinked `old` and only this call got it, so it is retired once,
            // into the global domain, whose hazard pointers protect every load of this cell.
            unsafe { old.retire() };
        }
    }

    fn clean_up(self) {
        let last = self.0.load_ptr();
        // SAFETY: `self` is owned here: no thread reads the cell any more (visitors borrow
        // it), and the last value is retired once, into the domain that protected its loads.
        unsafe { haphazard::Domain::global().retire_ptr::<Timed, Box<Timed>>(last) };
        reclaim_everything();
    }
}

/// arc-swap: `load` to read, `store` to replace; a value is dropped with its last `Arc`.
pub struct ArcSwapCell(ArcSwap<Timed>);

impl Visitor for Stateless<'_, ArcSwapCell> {
    fn visit(&mut self, f: impl FnOnce(&Timed)) {
        f(&self.0.0.load());
    }
}

impl TimedCell for ArcSwapCell {
    const NAME: &'static str = "arc-swap";

    fn new(initial: Timed) -> Self {
        Self(ArcSwap::from_pointee(initial))
    }

    fn visitor(&self) -> impl Visitor + '_ {
        Stateless(self)
    }

    fn replace(&self, new: Timed) {
        self.0.store(Arc::new(new));
    }

    fn clean_up(self) {}
}

/// crossbeam-epoch: `pin` + `load` to read, `swap` + `defer_destroy` to replace.
pub struct EpochCell(Atomic<Timed>);

impl Visitor for Stateless<'_, EpochCell> {
    fn visit(&mut self, f: impl FnOnce(&Timed)) {
        let guard = epoch::pin();
        let current = self.0.0.load(Ordering::Acquire, &guard);
        // SAFETY: values of the cell are only destroyed through `defer_destroy` after being
        // unlinked, so one loaded under a pin stays valid while the pin lasts; the cell is never
        // null.
        f(unsafe { current.deref() });
    }
}

impl TimedCell for EpochCell {
    const NAME: &'static str = "crossbeam-epoch";

    fn new(initial: Timed) -> Self {
        Self(Atomic::new(initial))
    }

    fn visitor(&self) -> impl Visitor + '_ {
        Stateless(self)
    }

    fn replace(&self, new: Timed) {
        let guard = epoch::pin();
        let old = self.0.swap(Owned::new(new), Ordering::AcqRel, &guard);
        // SAFETY: the swap unlinked `old`, so no later pin can load it, and only this call got
        // it: it is destroyed once, after every pin that could see it has ended.
        unsafe { guard.defer_destroy(old) };
    }

    fn clean_up(self) {
        // SAFETY: `self` is owned here: no thread can load the cell any more, and every
        // visitor's pin of it has ended (visitors borrow the cell).
        drop(unsafe {
            self.0
                .load(Ordering::Relaxed, epoch::unprotected())
                .into_owned()
        });
        // Each flush hands this thread's garbage to the global queue and collects some of it.
        for _ in 0..1024 {
            epoch::pin().flush();
        }
    }
}

/// seize: a `Collector` beside a std `AtomicPtr`; `enter` + `protect` to read, `swap` +
/// `retire` with `reclaim::boxed` to replace.
pub struct SeizeCell {
    slot: std::sync::atomic::AtomicPtr<Timed>,
    collector: Collector,
}

impl Visitor for Stateless<'_, SeizeCell> {
    fn visit(&mut self, f: impl FnOnce(&Timed)) {
        let guard = self.0.collector.enter();
        let current = guard.protect(&self.0.slot, Ordering::Acquire);
        // SAFETY: values of `slot` are only freed through `collector.retire` after being
        // unlinked, so one protected by an entered guard stays valid while the guard lives; the
        // slot is never null.
        f(unsafe { &*current });
    }
}

impl TimedCell for SeizeCell {
    const NAME: &'static str = "seize";

    fn new(initial: Timed) -> Self {
        Self {
            slot: std::sync::atomic::AtomicPtr::new(Box::into_raw(Box::new(initial))),
            collector: Collector::new(),
        }
    }

    fn visitor(&self) -> impl Visitor + '_ {
        Stateless(self)
    }

    fn replace(&self, new: Timed) {
        let old = self
            .slot
            .swap(Box::into_raw(Box::new(new)), Ordering::AcqRel);
        // SAFETY: the swap unlinked `old` (a `Box` allocation), and only this call got it, so it
        // is retired once, with the reclaimer for boxes, into the collector guarding the slot.
        unsafe { self.collector.retire(old, reclaim::boxed) };
    }

    fn clean_up(mut self) {
        // SAFETY: `self` is owned here: no guard of this collector is alive (guards borrow the
        // cell), so the current value is unreachable by anyone else; it came from
        // `Box::into_raw`.
        drop(unsafe { Box::from_raw(*self.slot.get_mut()) });
        // The collector, dropped next, frees everything retired into it.
    }
}

/// What one run measured: the times to free of the values dropped by the end of the grace
/// period, sorted, and how many retired values were not.
pub struct Outcome {
    /// Times to free, in nanoseconds, sorted.
    pub freed: Vec<u64>,
    /// Retired values still undropped at the end of the grace period.
    pub lost: usize,
    /// How long the run took, grace period included.
    pub took: Duration,
}

impl Outcome {
    /// The `p`-th percentile (nearest rank) of the times to free, if any value was freed.
    #[must_use]
    pub fn percentile(&self, p: usize) -> Option<Duration> {
        let rank = (self.freed.len() * p).div_ceil(100).max(1);
        self.freed.get(rank - 1).map(|&ns| Duration::from_nanos(ns))
    }

    /// The longest time to free, if any value was freed.
    #[must_use]
    pub fn max(&self) -> Option<Duration> {
        self.freed.last().map(|&ns| Duration::from_nanos(ns))
    }
}

/// Waits until `deadline`: sleeps while it is more than a millisecond away, then yields.
fn wait_until(deadline: Instant) {
    loop {
        let now = Instant::now();
        let Some(left) = deadline.checked_duration_since(now) else {
            return;
        };
        if left > Duration::from_millis(1) {
            thread::sleep(left - Duration::from_micros(500));
        } else {
            thread::yield_now();
        }
    }
}

/// A reader's next hold, 1–10 µs (xorshift, so the holds vary without a dependency).
fn next_hold(state: &mut u64) -> Duration {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    Duration::from_nanos(1_000 + *state % 9_001)
}

/// Runs `C` for `count` replacements at `per_second`, then idles for `grace`.
///
/// The calling thread is the writer (it also makes and cleans up the cell); one scoped thread
/// reads, from before the first replacement until the end of the grace period.
///
/// # Panics
///
/// If `per_second` is 0.
#[must_use]
pub fn run<C: TimedCell>(count: usize, per_second: u32, grace: Duration) -> Outcome {
    let timeline = Timeline::leaked(count + 1);
    C::prepare();
    let cell = C::new(timeline.value(0));
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let tick = Duration::from_secs(1) / per_second;
    let outcome = thread::scope(|scope| {
        scope.spawn(|| {
            let mut visitor = cell.visitor();
            let mut state = 0x9e37_79b9_7f4a_7c15_u64;
            while !stop.load(Ordering::Relaxed) {
                let hold = next_hold(&mut state);
                visitor.visit(|value| {
                    let held = Instant::now();
                    while held.elapsed() < hold {
                        std::hint::spin_loop();
                    }
                    value.timeline.guard_dropping(value.seq);
                });
            }
        });
        for seq in 1..=count {
            wait_until(started + tick * u32::try_from(seq).unwrap_or(u32::MAX));
            cell.replace(timeline.value(seq));
            timeline.retired(seq - 1);
        }
        // Idle: the writer retires nothing more and calls nothing.
        thread::sleep(grace);
        let times = timeline.times_to_free(count);
        let took = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        let lost = times.iter().filter(|time| time.is_none()).count();
        let mut freed: Vec<u64> = times.into_iter().flatten().collect();
        freed.sort_unstable();
        Outcome { freed, lost, took }
    });
    cell.clean_up();
    let left = count - timeline.dropped_of(count);
    if left != 0 {
        eprintln!(
            "  (note: {} left {left} retired values undropped after its clean-up)",
            C::NAME
        );
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let outcome = Outcome {
            freed: (1..=200).collect(),
            lost: 0,
            took: Duration::ZERO,
        };
        assert_eq!(outcome.percentile(50), Some(Duration::from_nanos(100)));
        assert_eq!(outcome.percentile(99), Some(Duration::from_nanos(198)));
        assert_eq!(outcome.max(), Some(Duration::from_nanos(200)));
        let none = Outcome {
            freed: Vec::new(),
            lost: 3,
            took: Duration::ZERO,
        };
        assert_eq!(none.percentile(50), None);
    }

    #[test]
    fn every_contender_times_its_values() {
        // The runs free everything they retire: no other test's payloads may be freed meanwhile.
        let _serial = crate::payload::counting_lock();
        // arc-swap and hazptr with its reclaimer free every value within the grace period; the
        // others may leave some for their clean-up.
        let grace = Duration::from_millis(300);
        assert_eq!(run::<ArcSwapCell>(20, 1000, grace).lost, 0);
        assert_eq!(run::<Hazptr<true>>(20, 1000, grace).lost, 0);
        for lost in [
            run::<Hazptr<false>>(20, 1000, grace).lost,
            run::<Haphazard>(20, 1000, grace).lost,
            run::<EpochCell>(20, 1000, grace).lost,
            run::<SeizeCell>(20, 1000, grace).lost,
        ] {
            assert!(lost <= 20);
        }
    }
}
