//! Towers: the nodes of a lock-free skip list, each linked at several levels, retired exactly
//! once after it has left every level, and freed only when no hazard pointer protects it.
//!
//! The algorithm is Fraser's ("Practical lock-freedom", 2004, §4.3.3) as Herlihy, Lev,
//! Luchangco and Shavit restate it ("A Simple Optimistic Skiplist Algorithm", 2007, and
//! *The Art of Multiprocessor Programming*, §14.4, `LockFreeSkipList`): a tower is linked
//! bottom-up, marked top-down (the mark of its bottom link is its logical deletion and decides
//! the one remover), and unlinked level by level by whichever search meets it marked. Where it
//! departs, for hazard pointers (Michael 2004) instead of a garbage collector:
//!
//! - **Retirement by count.** A tower's `refs` starts at `height + 1`: one per level, and one
//!   for its inserter. The thread whose exchange unlinks it from a level takes one off; the
//!   inserter, when it is done, takes off its own and one for each level it never linked (it
//!   stops linking once the tower is marked). A guard may hold one too ([`TowerRef`]: the
//!   guards a removal returns, and clones), taken by a thread that protects the tower and
//!   given back when it is dropped. The thread whose `release` takes the count to zero retires
//!   the tower: then it is linked at no level, and never will be again (each level is linked
//!   at most once, by its inserter, before the inserter lets go), so no new protection of it can
//!   be validated. This is the hazard libcds's `SkipListMap` and crossbeam-skiplist's `base.rs`
//!   also meet (a slow inserter linking an upper level after the tower was unlinked there);
//!   here it costs nothing on a read.
//! - **Revival.** A lookup's guard (a hazard pointer) of a tower retired since may still be
//!   cloned into a guard with a unit: a unit taken from a zero count sets [`REVIVED`], and the
//!   retirement's drop, once no hazard pointer protects the tower, finds units held and hands
//!   the tower back to them instead of freeing it; their last `release` retires it again. So at
//!   most one retirement of a tower is pending at a time, and it is freed once. (A second
//!   hazard pointer could not do this: a reclamation already scanning could miss it.)
//! - **The slow inserter cleans up after itself.** An inserter that linked an upper level and
//!   then finds the tower marked (a read-modify-write of its bottom link, which orders it
//!   against the remover's mark) unlinks it everywhere itself; otherwise the remover's own
//!   search, which runs after its mark, sees the link. Either way a removed tower leaves every
//!   level before both threads return.
//! - **Bounded hazard pointers.** A lookup holds two (the predecessor and the current tower at
//!   the level it walks), hands one to the guard it returns, and needs no cursor: a step protects
//!   the successor, then finds the current tower's link still holding it, unmarked. An
//!   insertion of a tower of height `h` holds the walking two (which also keep level 0's
//!   predecessor and successor), two per level from 1 to `h - 1` (the predecessor and
//!   successor it will link between) and one for the entry it returns: `2 * h + 1`, at most
//!   `2 * MAX_HEIGHT + 1` (65; 3 for three towers in four, since heights are geometric with
//!   p = 1/4). A removal by key holds the walking two, two more per level from 1 to 4 at which
//!   it meets the key (it unlinks with those predecessors, one exchange per level, as Fraser's
//!   and crossbeam-skiplist's removals do), and, when an exchange fails, the four of the
//!   clean-up search: at most 14. An iterator holds one per end besides the entries it yields.
//!   Every tower is retired through `retire_static`, the batch whose heavy barrier lets each
//!   publication above be followed by a compiler fence only (`reclaim/barrier.rs`).
//! - **Equal keys.** `insert` replaces a key's tower by linking the new tower *before* the old
//!   one and then removing the old one, so the key is never absent in between; for that moment
//!   two towers share a key, and a late upper-level link may order them differently at
//!   different levels. Searches compare keys strictly, so this changes no lookup; the clean-up
//!   search scans the whole run of equal keys at each level, so it finds the removed tower
//!   wherever it stands in the run.
//!
//! What every operation keeps true (the analogue of `link.rs`'s invariants, level by level):
//!
//! 1. A tower is linked at level `l` only if it was linked at every level below `l` before
//!    (bottom-up linking), at most once per level; its link at `l` is set, while it is not
//!    linked there, only by its inserter, and marked only by threads removing it (the inserter's
//!    read-modify-write of its bottom link writes back the value it read).
//! 2. An unmarked link at level `l` of the head, or of a tower linked at `l`, holds a tower
//!    linked at `l`, or null; a tower is held by at most one unmarked link per level.
//! 3. A tower leaves level `l` only by the compare-and-exchange of that unmarked link, after its
//!    own link at `l` was marked. It is retired once, when `refs` reaches zero (see above).
//!
//! Hence the validation every step makes: if a tower `p` was reached at level `l` (from the
//! head, from a tower whose unmarked link at `l` held it after its protection was published, or
//! by descending from a level above, where it was linked, so it had been linked at `l`), and
//! `p`'s link at `l` reads unmarked and holds `n` after `n`'s hazard pointer was published,
//! then `p` had not left level `l`, so `n` was linked at `l`, not retired, and stays allocated
//! while the hazard protects it.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering;

use haphazard::HazardPointer;

use crate::linked::link::{is_marked, unmarked};
use crate::protect::hazard_cache::{CachedHazard, StaticDomain};
use crate::reclaim::barrier::LightFence;
use crate::reclaim::domain::Global;
use crate::reclaim::section::Reclaimed;
use crate::reclaim::sync::{AtomicPtr, AtomicU32};

pub(crate) mod list;

/// The most levels a tower has. With p = 1/4 per level, 32 levels index 4^32 keys without
/// losing the logarithmic search. (Three under loom, whose models stay tiny.)
#[cfg(not(loom))]
pub(crate) const MAX_HEIGHT: usize = 32;
#[cfg(loom)]
pub(crate) const MAX_HEIGHT: usize = 3;

/// A tower: a key, a value, and its links, one per level up to `height`. Allocated as a `Box`
/// (the lowest [`INLINE`] links inline; the others, for the few taller towers, in a boxed
/// array), never moved once published.
///
/// `repr(C)`: the key and the inline links come first, what a search reads at each step (32
/// bytes for `u64` keys, which a 16-byte-aligned allocation puts in one cache line three times
/// in four); the count, the upper links and the value after them.
#[repr(C)]
pub(crate) struct Tower<K, V> {
    key: K,
    /// The links of levels `0..INLINE` (all a tower has, for 63 towers in 64).
    low: [TowerLink<K, V>; INLINE],
    height: u32,
    /// Levels still linked, plus one while its inserter works on it (see the module
    /// documentation); the thread that takes it to zero retires the tower.
    refs: AtomicU32,
    /// The links of levels `INLINE..height` (and unused ones up to [`MAX_HEIGHT`]), for the
    /// towers that have them.
    high: Option<Box<[TowerLink<K, V>; MAX_HEIGHT - INLINE]>>,
    value: V,
}

/// How many levels a tower holds inline. The others go in a second allocation (a fixed array
/// behind a thin pointer), made for one tower in 4^`INLINE` (64): those few towers are the ones
/// every search passes first, so they stay in cache, while the many low towers stay small
/// (56 bytes for `u64` keys and values, where a fixed array of [`MAX_HEIGHT`] links made every
/// tower 288 bytes, and a lookup among 100,000 keys 1.6 times slower). Under loom, 1 of 3, so
/// that the models' two-level towers have a boxed level.
#[cfg(not(loom))]
const INLINE: usize = 3;
#[cfg(loom)]
const INLINE: usize = 1;

impl<K, V> Tower<K, V> {
    /// The link at level `INLINE + i`, of a tower taller than that.
    #[allow(clippy::inline_always)] // every step of every walk at the upper levels
    #[inline(always)]
    fn high(&self, i: usize) -> &TowerLink<K, V> {
        match &self.high {
            Some(high) => &high[i],
            None => unreachable!("only a tower taller than INLINE is walked at its level"),
        }
    }

    /// The link at level `l` (below `height`).
    #[allow(clippy::inline_always)] // every step of every walk
    #[inline(always)]
    fn next(&self, l: usize) -> &TowerLink<K, V> {
        if l < INLINE {
            &self.low[l]
        } else {
            self.high(l - INLINE)
        }
    }
}

/// A tower's height or count, which [`MAX_HEIGHT`] keeps small.
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| unreachable!("at most MAX_HEIGHT + 1"))
}

/// An atomic pointer to a tower, with the mark in its lowest bit (a tower holds atomics, so it
/// is at least pointer-aligned). It owns nothing by itself: the list's drop frees the towers
/// still linked, and retirement the others.
struct TowerLink<K, V>(AtomicPtr<Tower<K, V>>);

impl<K, V> TowerLink<K, V> {
    const ALIGNED: () = assert!(
        core::mem::align_of::<Tower<K, V>>() > 1,
        "a tower's address has a free low bit for the mark"
    );

    fn null() -> Self {
        let () = Self::ALIGNED;
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// The value, with its mark (`Acquire`: a tower is published with `Release`).
    #[inline]
    fn load(&self) -> *mut Tower<K, V> {
        self.0.load(Ordering::Acquire)
    }

    /// Replaces `current` by `new`, marks included.
    #[inline]
    fn compare_exchange(
        &self,
        current: *mut Tower<K, V>,
        new: *mut Tower<K, V>,
    ) -> Result<(), *mut Tower<K, V>> {
        self.0
            .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
    }
}

/// One hazard pointer kept for later, taken from the thread's cache when it first protects a
/// tower.
type Slot = Option<CachedHazard<Global>>;

/// A hazard pointer of the global domain, as a walk uses it.
type Hazard = HazardPointer<'static, Global>;

/// A walk must start again from the top: a link it relied on changed under it.
struct Restart;

/// Publishes `tower` in the hazard pointer of `slot` (taken from the thread's cache if the slot
/// has none), then fences (see [`publish`]).
#[inline]
fn publish_in(slot: &mut Slot, tower: *mut (), fence: LightFence) {
    if let Some(hazard) = slot {
        publish(hazard.hazard_pointer(), tower, fence);
    } else {
        publish(fill(slot), tower, fence);
    }
}

/// Publishes `tower` in `hazard`, then fences, so that the caller's next read of a link
/// validates it: a compiler fence in the asymmetric mode, since every tower is retired through
/// `retire_static`'s batch, which runs the heavy barrier before any scan; `SeqCst` otherwise.
#[allow(clippy::inline_always)] // once per tower visited: the walk's hot loop
#[inline(always)]
fn publish(hazard: &mut Hazard, tower: *mut (), fence: LightFence) {
    hazard.protect_raw(tower);
    fence.after_publish();
}

/// Takes a hazard pointer for an empty slot, out of line.
#[cold]
#[inline(never)]
fn fill(slot: &mut Slot) -> &mut Hazard {
    slot.insert(CachedHazard::acquire()).hazard_pointer()
}

/// Protects the tower `link` holds with `hazard`: publishes it, then reads `link` again until it
/// holds the same value. Returns that value, mark included (null at once, unprotected). Whether
/// the tower was linked when published is the caller's to establish from the mark.
#[allow(clippy::inline_always)] // the walk's hot loop
#[inline(always)]
fn protect<K, V>(
    link: &TowerLink<K, V>,
    hazard: &mut Hazard,
    fence: LightFence,
) -> *mut Tower<K, V> {
    let mut value = link.load();
    loop {
        if unmarked(value).is_null() {
            return value;
        }
        publish(hazard, unmarked(value).cast(), fence);
        let again = link.load();
        if again == value {
            return value;
        }
        value = again;
    }
}

/// A walk down the levels: `pred` (null: the head), whose link at the current level held `curr`
/// (null: the end) unmarked when last read, each protected by its hazard pointer once validated
/// (see the module documentation). The two hazard pointers are borrowed; `c` says which one
/// protects `curr` (the other protects `pred`), and a move flips it: the hot loop flips a bit,
/// not two guards.
struct Walker<'w, K, V> {
    pred: *const Tower<K, V>,
    curr: *mut Tower<K, V>,
    hazards: [&'w mut Hazard; 2],
    c: usize,
}

impl<K, V> Walker<'_, K, V> {
    /// The hazard pointer on `curr`.
    #[allow(clippy::inline_always)] // the walk's hot loop
    #[inline(always)]
    fn on_curr(&mut self) -> &mut Hazard {
        self.hazards[self.c & 1]
    }

    /// The hazard pointer on `pred`.
    #[allow(clippy::inline_always)] // the walk's hot loop
    #[inline(always)]
    fn on_pred(&mut self) -> &mut Hazard {
        self.hazards[(self.c ^ 1) & 1]
    }
}

/// A level an insertion keeps: the predecessor and successor it will link between, each
/// protected by a hazard pointer of its own (see [`TowerList::find_path`](list::TowerList::find_path)).
struct Kept<K, V> {
    pred: *const Tower<K, V>,
    curr: *mut Tower<K, V>,
    on_pred: Slot,
    on_curr: Slot,
}

impl<K, V> Kept<K, V> {
    fn new() -> Self {
        Self {
            pred: ptr::null(),
            curr: ptr::null_mut(),
            on_pred: None,
            on_curr: None,
        }
    }
}

/// Retires `tower` into the global domain, through the batch of the asymmetric barrier.
///
/// # Safety
///
/// `tower` came from a `Box`, is linked at no level and never will be (its `refs` reached zero
/// in this thread's hands), and is retired once.
unsafe fn retire<K: Send + 'static, V: Send + 'static>(tower: *mut Tower<K, V>) {
    // SAFETY: the caller's promise; `retire_tower::<K, V>` retires it into the global domain, the
    // domain of every hazard pointer that protects towers.
    unsafe {
        crate::reclaim::reclaimer::retire_static(tower, Global::domain(), retire_tower::<K, V>);
    }
}

/// Retires `tower` (a `*mut Tower<K, V>`) into the global domain at once.
///
/// # Safety
///
/// As for [`retire`]; in the asymmetric mode, after a heavy barrier that followed its last
/// unlink.
unsafe fn retire_tower<K: Send + 'static, V: Send + 'static>(tower: *mut ()) {
    // SAFETY: a `Box<Tower<K, V>>`, unlinked everywhere, with one retirement pending (this one),
    // into the global domain, whose hazard pointers are the only ones that protect towers;
    // `K, V: 'static`, so the tower stays valid until it is reclaimed, on any thread.
    // `RetiredTower`'s drop frees it through `Reclaimed`, or hands it back (uncounted) to the
    // guards that revived it.
    unsafe {
        crate::reclaim::domain::engine_retire_as::<_, RetiredTower<K, V>, _>(
            tower.cast::<Tower<K, V>>(),
            Global::domain(),
        );
    }
}

/// A retired tower as the engine holds it. Its drop, run once the engine found no hazard
/// pointer on the tower, frees it (through [`Reclaimed`], as every retired value), unless a
/// guard revived it meanwhile ([`REVIVED`]): then it clears the bit and leaves the tower to
/// its guards, whose last unit retires it again.
struct RetiredTower<K, V>(NonNull<Tower<K, V>>);

// SAFETY: `into_raw` and `from_raw` pass the pointer through, once each way; the drop either
// frees it as `Reclaimed` does (the `Box` it came from, `retire_tower`'s promise) or leaves it
// allocated to the guards that hold units of it.
unsafe impl<K, V> haphazard::raw::Pointer<Tower<K, V>> for RetiredTower<K, V> {
    fn into_raw(self) -> *mut Tower<K, V> {
        self.0.as_ptr()
    }

    unsafe fn from_raw(ptr: *mut Tower<K, V>) -> Self {
        Self(NonNull::new(ptr).unwrap_or_else(|| unreachable!("a tower is not null")))
    }
}

impl<K, V> core::ops::Deref for RetiredTower<K, V> {
    type Target = Tower<K, V>;

    fn deref(&self) -> &Tower<K, V> {
        // SAFETY: retired, so allocated until this wrapper's drop frees it.
        unsafe { self.0.as_ref() }
    }
}

impl<K, V> Drop for RetiredTower<K, V> {
    fn drop(&mut self) {
        let tower = self.0.as_ptr();
        // SAFETY: retired and not freed: allocated. No hazard pointer protects it (the engine's
        // scan found none, and none can be validated on it since: it is linked nowhere), so
        // only guards that hold units may still use it.
        let refs = &unsafe { &*tower }.refs;
        // `Acquire`: after every unit given back (their `release` is `AcqRel`), and after every
        // unit a hazard-protected guard took (its hazard pointer was cleared after, and the scan
        // that found it cleared is ordered after that).
        let mut v = refs.load(Ordering::Acquire);
        loop {
            if v & !REVIVED == 0 {
                // No unit held, no hazard pointer: nothing can reach it any more.
                // SAFETY: from a `Box`, retired once (this retirement), freed once, here.
                drop(unsafe {
                    <Reclaimed<Tower<K, V>> as haphazard::raw::Pointer<_>>::from_raw(tower)
                });
                return;
            }
            // Revived: its guards' last unit retires it again (the count is not zero, and no
            // retirement is pending once the bit is clear).
            match refs.compare_exchange_weak(v, v & !REVIVED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    Global::domain().counters.count_withdrawn();
                    return;
                }
                Err(actual) => v = actual,
            }
        }
    }
}

/// A tower's entry, protected: its key and value stay readable (and the tower allocated) for as
/// long as the guard lives, even once the tower is removed and retired. It borrows the list, so
/// the list cannot be dropped meanwhile.
///
/// What protects the tower is either a hazard pointer (a lookup's guard: no write to the tower)
/// or one unit of the tower's count (`refs`), taken while this thread protected the tower and
/// given back when the guard is dropped: the tower is then not freed before that (nor retired,
/// unless it was already: then it is revived, see the module documentation). The guards a
/// removal returns, and every clone, hold a unit, so that a guard of a removed tower can still
/// be cloned (a hazard pointer could not be validated on a tower already retired).
///
/// It may move to another thread (its hazard pointer is then returned to that thread's cache,
/// and its unit given back there) when `K` and `V` are `Send` and `Sync`: it lends `&K` and
/// `&V`, and a tower that its drop lets be retired is dropped by a reclamation on any thread.
pub(crate) struct TowerRef<'a, K, V> {
    /// The tower, as the list's links hold it: the pointer its `Box` was turned into, which the
    /// retirement that frees it needs (one derived from a `&Tower` could not free it).
    tower: NonNull<Tower<K, V>>,
    /// The hazard pointer that protects the tower; `None`: the guard holds a unit of its count.
    hazard: Option<CachedHazard<Global>>,
    /// The list's `release`, which gives a unit back (retiring the tower at zero).
    release: unsafe fn(*mut Tower<K, V>, usize),
    /// Borrows the list, which owns the tower, for `'a`, and lends `&K` and `&V`.
    _list: PhantomData<&'a Tower<K, V>>,
}

// SAFETY: a guard lends `&K` and `&V` to the thread that holds it (`Sync`); its drop may give
// back the last unit of a tower's count, and so have the tower retired, and dropped by a later
// reclamation on any thread (`Send`). Its hazard pointer goes back to the cache of the thread
// that drops it, which any thread may.
unsafe impl<K: Send + Sync, V: Send + Sync> Send for TowerRef<'_, K, V> {}

// SAFETY: `&TowerRef` only reads the key and the value (`Sync`), and clones, which take a unit
// of the count; the last unit may be given back by another thread (`Send`, as above).
unsafe impl<K: Send + Sync, V: Send + Sync> Sync for TowerRef<'_, K, V> {}

/// The bit of a tower's `refs` that says a retirement of it is pending although guards hold
/// units: a hazard-protected guard took a unit after the count reached zero (so after the tower
/// was retired, or as it was). `RetiredTower`'s drop then clears it instead of freeing the
/// tower, and the guards' last unit retires the tower again. While a retirement is pending, the
/// count is zero or this bit is set; a `release` never takes a count with the bit to zero.
const REVIVED: u32 = 1 << 31;

/// The most a tower's count may reach through clones of its guards: beyond, the process
/// aborts, as `Arc::clone` does, rather than let the count reach [`REVIVED`] and free a tower
/// in use.
const MAX_COUNT: u32 = REVIVED / 2;

/// Adds a unit to `tower`'s count, reviving it if the count is zero (a retirement of it is
/// pending, or about to be: the unit keeps its drop from freeing it). The unit keeps the tower
/// from being freed, and from a new retirement, until it is given back.
///
/// The caller protects the tower (a hazard pointer, or a unit of its own): it is allocated.
fn take_count<K, V>(tower: &Tower<K, V>) {
    let mut v = tower.refs.load(Ordering::Relaxed);
    loop {
        if v & !REVIVED >= MAX_COUNT {
            std::process::abort();
        }
        let taken = if v == 0 { REVIVED | 1 } else { v + 1 };
        // `Relaxed`, as `Arc::clone`'s increment: the unit is given back by a `release`, whose
        // decrement orders everything this thread did with the tower before a retirement, and a
        // pending retirement's drop is ordered after this by the protection the caller holds.
        match tower
            .refs
            .compare_exchange_weak(v, taken, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => return,
            Err(actual) => v = actual,
        }
    }
}

impl<K, V> TowerRef<'_, K, V> {
    /// The tower.
    #[inline]
    fn tower(&self) -> &Tower<K, V> {
        // SAFETY: protected (by the hazard pointer or the unit) for as long as `self` lives.
        unsafe { self.tower.as_ref() }
    }

    /// The key.
    #[inline]
    pub(crate) fn key(&self) -> &K {
        &self.tower().key
    }

    /// The value.
    #[inline]
    pub(crate) fn value(&self) -> &V {
        &self.tower().value
    }

    /// Whether the entry was removed (its bottom link is marked).
    #[inline]
    pub(crate) fn is_removed(&self) -> bool {
        is_marked(self.tower().next(0).load())
    }

    /// A second guard of the same tower, with a hazard pointer of its own; `None` if a
    /// retirement of the tower may be pending (then it was removed, and left every level).
    ///
    /// The new hazard pointer is published, then the tower's count read: if it is neither zero
    /// nor [`REVIVED`], no retirement of the tower was pending then (one is made only after the
    /// count reached zero, and stays pending until its drop clears the bit), so every
    /// reclamation that may free it runs its scan after this publication.
    pub(crate) fn try_clone(&self) -> Option<Self> {
        let mut hazard = CachedHazard::acquire();
        hazard.hazard_pointer().protect_raw(self.tower.as_ptr());
        LightFence::for_walk().after_publish();
        let refs = self.tower().refs.load(Ordering::Acquire);
        if refs == 0 || refs & REVIVED != 0 {
            return None;
        }
        Some(Self {
            tower: self.tower,
            hazard: Some(hazard),
            release: self.release,
            _list: PhantomData,
        })
    }

    /// A second guard of the same tower that holds a unit of its count, which keeps it
    /// allocated even if it was removed and retired since this guard protected it: a unit
    /// taken then revives it (see [`REVIVED`]).
    pub(crate) fn count(&self) -> Self {
        // SAFETY: `self` protects the tower, a tower of the list it borrows for `'a`.
        unsafe { Self::counted(self.tower, self.release) }
    }

    /// A guard of `tower` that holds a unit of its count, given back with `release`.
    ///
    /// # Safety
    ///
    /// `tower` is protected by this thread (a hazard pointer, or a guard's unit) and belongs to
    /// a list borrowed for `'a`, whose `release` is `release`.
    unsafe fn counted(
        tower: NonNull<Tower<K, V>>,
        release: unsafe fn(*mut Tower<K, V>, usize),
    ) -> Self {
        // SAFETY: the caller's promise: protected, so allocated now; with the unit, until the
        // guard gives it back.
        take_count(unsafe { tower.as_ref() });
        Self {
            tower,
            hazard: None,
            release,
            _list: PhantomData,
        }
    }
}

impl<K, V> Drop for TowerRef<'_, K, V> {
    fn drop(&mut self) {
        if self.hazard.is_none() {
            // SAFETY: this guard holds a unit of the tower's count (which keeps it allocated),
            // given back once, here, with the list's own
            // `release`; the tower is not used after it.
            unsafe { (self.release)(self.tower.as_ptr(), 1) };
        }
    }
}
