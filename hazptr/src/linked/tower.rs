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
//!   stops linking once the tower is marked). The thread that takes the count to zero retires
//!   the tower: then it is linked at no level, and never will be again (each level is linked
//!   at most once, by its inserter, before the inserter lets go), so no new protection of it can
//!   be validated. This is the hazard libcds's `SkipListMap` and crossbeam-skiplist's `base.rs`
//!   also meet (a slow inserter linking an upper level after the tower was unlinked there);
//!   here it costs nothing on a read.
//! - **The slow inserter cleans up after itself.** An inserter that linked an upper level and
//!   then finds the tower marked (a read-modify-write of its bottom link, which orders it
//!   against the remover's mark) unlinks it everywhere itself; otherwise the remover's own
//!   search, which runs after its mark, sees the link. Either way a removed tower leaves every
//!   level before both threads return.
//! - **Bounded hazard pointers.** A lookup holds two (the predecessor and the current tower at
//!   the level it walks), hands one to the guard it returns, and needs no cursor: a step protects
//!   the successor, then finds the current tower's link still holding it, unmarked. An
//!   insertion of a tower of height `h` holds two per level below `h` (the predecessor and
//!   successor it will link between) plus the walking two: at most `2 * MAX_HEIGHT + 2`
//!   (66; expected 6, since heights are geometric with p = 1/2). A removal's clean-up search
//!   holds four.
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
//!    linked there, only by its inserter, and marked only by its remover.
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
use core::ptr;
use core::sync::atomic::Ordering;

use haphazard::HazardPointer;

use crate::linked::link::{is_marked, marked, unmarked};
use crate::protect::hazard_cache::{CachedHazard, StaticDomain};
use crate::reclaim::barrier::LightFence;
use crate::reclaim::domain::Global;
use crate::reclaim::sync::{AtomicPtr, AtomicUsize};

/// The most levels a tower has. With p = 1/2 per level, 32 levels index 2^32 keys without
/// losing the logarithmic search. (Three under loom, whose models stay tiny.)
#[cfg(not(loom))]
pub(crate) const MAX_HEIGHT: usize = 32;
#[cfg(loom)]
pub(crate) const MAX_HEIGHT: usize = 3;

/// A tower: a key, a value, and its links, one per level up to `height`. Allocated as one
/// `Box` (the links inline, a fixed array of [`MAX_HEIGHT`] of which only `height` are used),
/// never moved once published.
///
/// `repr(C)`: the key, the count and the lowest links share the first cache line, which is
/// what a search reads; the value comes last.
#[repr(C)]
pub(crate) struct Tower<K, V> {
    key: K,
    height: usize,
    /// Levels still linked, plus one while its inserter works on it (see the module
    /// documentation); the thread that takes it to zero retires the tower.
    refs: AtomicUsize,
    next: [TowerLink<K, V>; MAX_HEIGHT],
    value: V,
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

/// One hazard pointer of a walk, taken from the thread's cache when it first protects a tower.
type Slot = Option<CachedHazard<Global>>;

/// Where a walk stands at one level: `pred` (null: the head), whose link at the level held
/// `curr` unmarked when last read, and `curr` (null: the end), each protected by its slot once
/// validated (see the module documentation).
struct At<K, V> {
    pred: *const Tower<K, V>,
    curr: *mut Tower<K, V>,
    pred_hazard: Slot,
    curr_hazard: Slot,
}

impl<K, V> At<K, V> {
    fn new() -> Self {
        Self {
            pred: ptr::null(),
            curr: ptr::null_mut(),
            pred_hazard: None,
            curr_hazard: None,
        }
    }
}

/// A walk must start again from the top: a link it relied on changed under it.
struct Restart;

/// Publishes `tower` in the hazard pointer of `slot` (taken from the thread's cache if the slot
/// has none), then fences, so that the caller's next read of a link validates it: a compiler
/// fence in the asymmetric mode, since every tower is retired through `retire_static`'s batch,
/// which runs the heavy barrier before any scan; `SeqCst` otherwise.
#[allow(clippy::inline_always)] // once per tower visited: the walk's hot loop
#[inline(always)]
fn publish<K, V>(slot: &mut Slot, tower: *mut Tower<K, V>, fence: LightFence) {
    if let Some(hazard) = slot {
        hazard.hazard_pointer().protect_raw(tower);
    } else {
        fill(slot).protect_raw(tower);
    }
    fence.after_publish();
}

/// Takes a hazard pointer for an empty slot, out of the walk's loop.
#[cold]
#[inline(never)]
fn fill(slot: &mut Slot) -> &mut HazardPointer<'static, Global> {
    slot.insert(CachedHazard::acquire()).hazard_pointer()
}

/// Protects the tower `link` holds with `slot`: publishes it, then reads `link` again until it
/// holds the same value. Returns that value, mark included (null at once, unprotected). Whether
/// the tower was linked when published is the caller's to establish from the mark.
#[allow(clippy::inline_always)] // the walk's hot loop
#[inline(always)]
fn protect<K, V>(link: &TowerLink<K, V>, slot: &mut Slot, fence: LightFence) -> *mut Tower<K, V> {
    let mut value = link.load();
    loop {
        if unmarked(value).is_null() {
            return value;
        }
        publish(slot, unmarked(value), fence);
        let again = link.load();
        if again == value {
            return value;
        }
        value = again;
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
    // SAFETY: a `Box<Tower<K, V>>` (which `Reclaimed` frees as one), unlinked everywhere, retired
    // once into the global domain, whose hazard pointers are the only ones that protect towers;
    // `K, V: 'static`, so the tower stays valid until it is reclaimed, on any thread.
    unsafe { crate::reclaim::domain::engine_retire(tower.cast::<Tower<K, V>>(), Global::domain()) };
}

/// A tower's entry, protected: its key and value stay readable (and the tower allocated) for as
/// long as the guard lives, even once the tower is removed and retired. It borrows the list, so
/// the list cannot be dropped meanwhile.
///
/// It may move to another thread (its hazard pointer is then returned to that thread's cache)
/// when `K` and `V` are `Sync`: it only lends `&K` and `&V`.
pub(crate) struct TowerRef<'a, K, V> {
    tower: &'a Tower<K, V>,
    _hazard: CachedHazard<Global>,
}

impl<K, V> TowerRef<'_, K, V> {
    /// Wraps a tower `hazard` protects.
    ///
    /// # Safety
    ///
    /// `hazard` has protected `tower` since before a moment at which it was not retired, and
    /// `tower` belongs to a list borrowed for `'a`.
    #[inline]
    unsafe fn new(tower: *mut Tower<K, V>, hazard: CachedHazard<Global>) -> Self {
        Self {
            // SAFETY: the caller's promise: protected, so allocated while `hazard` lives, which
            // is as long as `self`.
            tower: unsafe { &*tower },
            _hazard: hazard,
        }
    }

    /// The key.
    #[inline]
    pub(crate) fn key(&self) -> &K {
        &self.tower.key
    }

    /// The value.
    #[inline]
    pub(crate) fn value(&self) -> &V {
        &self.tower.value
    }

    /// Whether the entry was removed (its bottom link is marked).
    #[inline]
    pub(crate) fn is_removed(&self) -> bool {
        is_marked(self.tower.next[0].load())
    }

    /// A second guard of the same tower, with a hazard pointer of its own; `None` if the tower
    /// was already retired (then it was removed, and left every level).
    ///
    /// The new hazard pointer is published, then the tower's count read: if it is not zero,
    /// the tower was not retired then (it is retired only after its count reached zero), so
    /// every reclamation that may free it runs its scan after this publication.
    pub(crate) fn try_clone(&self) -> Option<Self> {
        let tower = ptr::from_ref(self.tower).cast_mut();
        let mut hazard = CachedHazard::acquire();
        hazard.hazard_pointer().protect_raw(tower);
        LightFence::for_walk().after_publish();
        if self.tower.refs.load(Ordering::Acquire) == 0 {
            return None;
        }
        // SAFETY: `hazard` was published while the tower was not retired (see above); the list
        // stays borrowed for `'a`, as `self`'s.
        Some(unsafe { Self::new(tower, hazard) })
    }
}

/// A lock-free skip list of towers: the toolkit piece under
/// [`SkipMap`](crate::collections::SkipMap) and [`SkipSet`](crate::collections::SkipSet).
///
/// Its operations take closures over keys (`go_right(key)`: the search moves past towers whose
/// key satisfies it; a sorted list's searches pass `key < k` or `key <= k`), so that a
/// collection can look up by any `Borrow`ed form. Every entry it lends is a [`TowerRef`] with a
/// hazard pointer of its own. It owns its towers: dropping it frees every tower still linked at
/// any level (no guard exists then: they borrow it); removed towers are retired into the global
/// domain and freed by a later reclamation once no guard protects them. Sound in any safe
/// caller's hands: the closures only read keys, and a panic in one (or in `K`'s `Ord`) leaves
/// the list consistent.
pub(crate) struct TowerList<K, V> {
    head: [TowerLink<K, V>; MAX_HEIGHT],
    /// How many levels any tower reached: where searches start (a hint; never lower than the
    /// tallest linked tower, since an inserter raises it before linking).
    top: AtomicUsize,
    /// Towers linked and not removed (transiently more, while an insertion is linking).
    len: AtomicUsize,
    /// Under loom, heights come from this counter: a model must be deterministic.
    #[cfg(loom)]
    seed: AtomicUsize,
    /// Owns the towers (for the drop check) and opts out of the automatic `Send` and `Sync`
    /// (see below).
    _owns: PhantomData<(Box<Tower<K, V>>, *const ())>,
}

// SAFETY: the list owns its towers, so sending it sends the `K`s and `V`s.
unsafe impl<K: Send, V: Send> Send for TowerList<K, V> {}

// SAFETY: through `&TowerList`, threads read keys and values at once (`Sync`), and retire the
// towers they unlink, which the reclaiming thread drops (`Send`).
unsafe impl<K: Send + Sync, V: Send + Sync> Sync for TowerList<K, V> {}

impl<K, V> TowerList<K, V> {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self {
            head: core::array::from_fn(|_| TowerLink::null()),
            top: AtomicUsize::new(1),
            len: AtomicUsize::new(0),
            #[cfg(loom)]
            seed: AtomicUsize::new(0),
            _owns: PhantomData,
        }
    }

    /// Towers linked and not removed.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// The link at level `l` of `pred`, or of the head if `pred` is null.
    ///
    /// # Safety
    ///
    /// `pred` is null or a tower of this list that a hazard pointer of this thread protects.
    #[inline]
    unsafe fn link(&self, pred: *const Tower<K, V>, l: usize) -> &TowerLink<K, V> {
        if pred.is_null() {
            &self.head[l]
        } else {
            // SAFETY: the caller's promise: protected, so allocated.
            unsafe { &(*pred).next[l] }
        }
    }

    /// A random height, geometric with p = 1/2, at most [`MAX_HEIGHT`].
    #[cfg(not(loom))]
    #[allow(clippy::unused_self)] // the loom version uses the list's counter
    fn random_height(&self) -> usize {
        use core::cell::Cell;
        std::thread_local! {
            static SEED: Cell<u64> = const { Cell::new(0) };
        }
        let bits = SEED
            .try_with(|seed| {
                let mut x = seed.get();
                if x == 0 {
                    // A per-thread seed: the address of the thread-local, mixed.
                    x = (ptr::from_ref(seed).addr() as u64 | 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                }
                // xorshift64
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                seed.set(x);
                x
            })
            .unwrap_or(1);
        (bits.trailing_ones() as usize + 1).min(MAX_HEIGHT)
    }

    /// Under loom: heights 1, 2, 1, 2, … from a counter, so that a model is deterministic and
    /// its towers have upper levels.
    #[cfg(loom)]
    fn random_height(&self) -> usize {
        (self.seed.fetch_add(1, Ordering::Relaxed) % 2 + 1).min(MAX_HEIGHT)
    }

    /// Raises `top` to `height`.
    fn raise_top(&self, height: usize) {
        if self.top.load(Ordering::Relaxed) < height {
            self.top.fetch_max(height, Ordering::Relaxed);
        }
    }
}

impl<K: Send + Sync + 'static, V: Send + Sync + 'static> TowerList<K, V> {
    /// Takes `n` off `tower`'s count, retiring it if that made it zero.
    ///
    /// # Safety
    ///
    /// `tower` is a tower of this list, protected by this thread or held by its inserter, and
    /// `n` is what the caller owes it: one for the level it just unlinked, or the inserter's
    /// share (see the module documentation).
    #[inline]
    unsafe fn release(tower: *mut Tower<K, V>, n: usize) {
        // SAFETY: the caller's promise: allocated.
        if unsafe { &*tower }.refs.fetch_sub(n, Ordering::AcqRel) == n {
            // SAFETY: the count reached zero here: linked nowhere, its inserter is done, and no
            // other thread saw zero.
            unsafe { retire(tower) };
        }
    }

    /// Starts a walk at level `l` from the head, which is never marked and holds only linked
    /// towers, so protecting its successor needs no other validation.
    #[allow(clippy::inline_always)] // each search's start
    #[inline(always)]
    fn start(&self, l: usize, at: &mut At<K, V>, fence: LightFence) {
        at.pred = ptr::null();
        at.curr = protect(&self.head[l], &mut at.curr_hazard, fence);
    }

    /// Walks level `l` from `at`: past marked towers, unlinking them, and past unmarked towers
    /// whose key satisfies `go_right`; stops at the first unmarked tower whose key does not (or
    /// at the end), which `at.curr` then holds, with `at.pred` its predecessor at `l`.
    /// `known_stop`: `go_right` is already known false for `at.curr`.
    ///
    /// # Safety
    ///
    /// `at.pred` is null or a tower reached at level `l`, protected by `at.pred_hazard`; `at.curr`
    /// is null or the tower `at.pred`'s link at `l` held unmarked after `at.curr_hazard` was
    /// published on it.
    #[allow(clippy::inline_always)] // each level of each search: the hot loop
    #[inline(always)]
    unsafe fn walk_level(
        &self,
        l: usize,
        at: &mut At<K, V>,
        go_right: &mut impl FnMut(&K) -> bool,
        fence: LightFence,
        mut known_stop: bool,
    ) -> Result<(), Restart> {
        loop {
            // SAFETY: the caller's promise, and each move below keeps it: `at.curr_hazard` has
            // protected `at.curr` since before it was validated as linked at `l`.
            let Some(tower) = (unsafe { at.curr.as_ref() }) else {
                return Ok(());
            };
            let next = tower.next[l].load();
            if is_marked(next) {
                // Deleted at `l`: unlink it from `pred`, which must still hold it.
                // SAFETY: `at.pred` is null or protected by `at.pred_hazard`.
                let pred_link = unsafe { self.link(at.pred, l) };
                if pred_link.compare_exchange(at.curr, unmarked(next)).is_err() {
                    return Err(Restart);
                }
                // SAFETY: this thread's exchange unlinked it from level `l` (invariant 3), and
                // `at.curr_hazard` still protects it.
                unsafe { Self::release(at.curr, 1) };
                let succ = protect(pred_link, &mut at.curr_hazard, fence);
                if is_marked(succ) {
                    // `pred` was deleted meanwhile.
                    return Err(Restart);
                }
                at.curr = succ;
                known_stop = false;
                continue;
            }
            if known_stop || !go_right(&tower.key) {
                return Ok(());
            }
            if !next.is_null() {
                // The old predecessor's hazard pointer is the spare.
                publish(&mut at.pred_hazard, next, fence);
                if tower.next[l].load() != next {
                    // Marked or changed since read; `pred` lost its protection: start again.
                    return Err(Restart);
                }
            }
            // `curr`'s link held `next` unmarked after the publication: `curr` had not left `l`,
            // so `next` was linked at `l`. `curr` becomes the predecessor.
            at.pred = at.curr;
            at.curr = next;
            core::mem::swap(&mut at.pred_hazard, &mut at.curr_hazard);
        }
    }

    /// Moves `at` down from level `l + 1` to `l`: `at.curr` becomes the tower `at.pred`'s link at
    /// `l` holds, protected. `fresh`: `at`'s hazard pointers went to a kept level, so `at.pred`
    /// is protected again first. Whether `go_right` is known false for the new `at.curr` (the
    /// same tower as above).
    ///
    /// # Safety
    ///
    /// As for [`walk_level`](Self::walk_level) at level `l + 1`, after it stopped; if `fresh`,
    /// `at.pred` is protected by another hazard pointer of this thread until this returns.
    #[allow(clippy::inline_always)] // each level of each search
    #[inline(always)]
    unsafe fn descend(
        &self,
        l: usize,
        at: &mut At<K, V>,
        fence: LightFence,
        fresh: bool,
    ) -> Result<bool, Restart> {
        // SAFETY: `at.pred` is null or protected (by `at.pred_hazard`, or, if `fresh`, by the
        // kept level's, until the publication below).
        let link = unsafe { self.link(at.pred, l) };
        if fresh {
            if !at.pred.is_null() {
                // Validated below: the read of `pred`'s link at `l` that finds it unmarked comes
                // after this publication, so `pred` was not retired then.
                publish(&mut at.pred_hazard, at.pred.cast_mut(), fence);
            }
        } else if link.load() == at.curr {
            // The same tower as above (or the end), already protected by `at.curr_hazard`, and
            // held unmarked by `pred` at `l`: `pred` had not left `l` (it was linked at `l + 1`,
            // so had been at `l`), and neither had `curr`.
            return Ok(!at.curr.is_null());
        }
        let curr = protect(link, &mut at.curr_hazard, fence);
        if is_marked(curr) {
            // `pred` is deleted at `l`: only a walk from the top can go on.
            return Err(Restart);
        }
        at.curr = curr;
        Ok(false)
    }

    /// A search from the top that keeps only the bottom level: `at.curr` the first unmarked
    /// tower whose key does not satisfy `go_right`, `at.pred` the last that does (null: the
    /// head), both protected and validated at level 0.
    #[allow(clippy::inline_always)] // into each arm of `find`, with its fence
    #[inline(always)]
    fn find_with(&self, go_right: &mut impl FnMut(&K) -> bool, fence: LightFence) -> At<K, V> {
        let mut at = At::new();
        'restart: loop {
            let top = self.top.load(Ordering::Relaxed);
            self.start(top - 1, &mut at, fence);
            let mut known_stop = false;
            for l in (0..top).rev() {
                if l + 1 < top {
                    // SAFETY: `at` stands where `walk_level` stopped at `l + 1`.
                    match unsafe { self.descend(l, &mut at, fence, false) } {
                        Ok(known) => known_stop = known,
                        Err(Restart) => continue 'restart,
                    }
                }
                // SAFETY: `at` was set by `start`, or by `descend` to level `l`.
                if unsafe { self.walk_level(l, &mut at, go_right, fence, known_stop) }.is_err() {
                    continue 'restart;
                }
            }
            return at;
        }
    }

    /// [`find_with`](Self::find_with), one body per barrier mode.
    #[inline]
    fn find(&self, go_right: &mut impl FnMut(&K) -> bool) -> At<K, V> {
        match LightFence::for_walk() {
            LightFence::Compiler => self.find_with(go_right, LightFence::Compiler),
            LightFence::PerStep => self.find_with(go_right, LightFence::PerStep),
        }
    }

    /// A search from the top that keeps every level below `path.len()`: `path[l]` as
    /// [`find_with`](Self::find_with)'s result, at level `l`, each with two hazard pointers.
    fn find_path(
        &self,
        go_right: &mut impl FnMut(&K) -> bool,
        path: &mut [At<K, V>],
        fence: LightFence,
    ) {
        let keep = path.len();
        'restart: loop {
            let top = self.top.load(Ordering::Relaxed).max(keep);
            let mut at = At::new();
            self.start(top - 1, &mut at, fence);
            let mut known_stop = false;
            let mut fresh = false;
            for l in (0..top).rev() {
                if l + 1 < top {
                    // SAFETY: `at` stands where `walk_level` stopped at `l + 1`; if `fresh`,
                    // `path[l + 1]` protects `at.pred`.
                    match unsafe { self.descend(l, &mut at, fence, fresh) } {
                        Ok(known) => known_stop = known,
                        Err(Restart) => continue 'restart,
                    }
                }
                // SAFETY: `at` was set by `start`, or by `descend` to level `l`.
                if unsafe { self.walk_level(l, &mut at, go_right, fence, known_stop) }.is_err() {
                    continue 'restart;
                }
                if l < keep {
                    // Keep this level, hazard pointers included; the walk goes on from the same
                    // predecessor with new ones.
                    let next = At {
                        pred: at.pred,
                        curr: at.curr,
                        pred_hazard: None,
                        curr_hazard: None,
                    };
                    path[l] = core::mem::replace(&mut at, next);
                    fresh = true;
                }
            }
            return;
        }
    }

    /// The first tower whose key does not satisfy `go_right`, protected: a lower bound.
    pub(crate) fn first_where(
        &self,
        mut go_right: impl FnMut(&K) -> bool,
    ) -> Option<TowerRef<'_, K, V>> {
        let mut at = self.find(&mut go_right);
        if at.curr.is_null() {
            return None;
        }
        let hazard = at.curr_hazard.take()?;
        // SAFETY: `hazard` protects `at.curr`, validated at level 0 (see `find_with`).
        Some(unsafe { TowerRef::new(at.curr, hazard) })
    }

    /// The last tower whose key satisfies `go_right`, protected: an upper bound.
    pub(crate) fn last_where(
        &self,
        mut go_right: impl FnMut(&K) -> bool,
    ) -> Option<TowerRef<'_, K, V>> {
        let mut at = self.find(&mut go_right);
        if at.pred.is_null() {
            return None;
        }
        let hazard = at.pred_hazard.take()?;
        // SAFETY: `hazard` protects `at.pred`, validated at level 0 (see `find_with`).
        Some(unsafe { TowerRef::new(at.pred.cast_mut(), hazard) })
    }

    /// The tower after `entry`'s, the first with a greater key: read from `entry`'s bottom link
    /// while that is unmarked (a step of a walk), else found by a search.
    pub(crate) fn next_after(&self, entry: &TowerRef<'_, K, V>) -> Option<TowerRef<'_, K, V>>
    where
        K: Ord,
    {
        let link = &entry.tower.next[0];
        let next = link.load();
        if !is_marked(next) {
            if next.is_null() {
                return None;
            }
            let mut slot: Slot = None;
            publish(&mut slot, next, LightFence::for_walk());
            if link.load() == next {
                // `entry`'s tower was linked at level 0 (unmarked) after the publication, so
                // `next` was linked too.
                // SAFETY: as just said: protected from a moment it was linked.
                let found = unsafe { &*next };
                if !is_marked(found.next[0].load()) && found.key > entry.tower.key {
                    let hazard = slot?;
                    // SAFETY: as above.
                    return Some(unsafe { TowerRef::new(next, hazard) });
                }
            }
        }
        let key = &entry.tower.key;
        self.first_where(|k| k <= key)
    }

    /// Marks `tower`'s links top-down; whether this call marked the bottom one (the removal).
    ///
    /// # Safety
    ///
    /// `tower` is a tower of this list this thread protects.
    unsafe fn mark(tower: *mut Tower<K, V>) -> bool {
        // SAFETY: the caller's promise.
        let tower = unsafe { &*tower };
        for l in (0..tower.height).rev() {
            let link = &tower.next[l];
            let mut next = link.load();
            loop {
                if is_marked(next) {
                    if l == 0 {
                        return false;
                    }
                    break;
                }
                match link.compare_exchange(next, marked(next)) {
                    Ok(()) => break,
                    Err(actual) => next = actual,
                }
            }
        }
        true
    }

    /// Removes `entry`'s tower, if no other thread did: marks it, then unlinks it everywhere.
    pub(crate) fn remove_entry(&self, entry: &TowerRef<'_, K, V>) -> bool
    where
        K: Ord,
    {
        let tower = ptr::from_ref(entry.tower).cast_mut();
        // SAFETY: `entry`'s hazard pointer protects it.
        if !unsafe { Self::mark(tower) } {
            return false;
        }
        self.len.fetch_sub(1, Ordering::AcqRel);
        self.unlink_everywhere(&entry.tower.key);
        true
    }

    /// Unlinks every marked tower with key `key`, at every level: a search for `key` that, at
    /// each level, also walks the run of towers with that key (a removed tower may stand
    /// anywhere in it: see the module documentation). Every tower with key `key` marked before
    /// the call, and linked at a level when the search passes it, has left that level when
    /// this returns.
    fn unlink_everywhere(&self, key: &K)
    where
        K: Ord,
    {
        let fence = LightFence::for_walk();
        let mut before = |k: &K| k < key;
        let mut equal = |k: &K| k == key;
        'restart: loop {
            let top = self.top.load(Ordering::Relaxed);
            let mut at = At::new();
            self.start(top - 1, &mut at, fence);
            for l in (0..top).rev() {
                if l + 1 < top {
                    // SAFETY: `at` stands where `walk_level` stopped at `l + 1`, or at its
                    // predecessor (`at.curr` null) after a scan.
                    if unsafe { self.descend(l, &mut at, fence, false) }.is_err() {
                        continue 'restart;
                    }
                }
                // SAFETY: `at` was set by `start`, or by `descend` to level `l`. (Not
                // `known_stop`: the walk must see `curr`'s mark at `l`.)
                if unsafe { self.walk_level(l, &mut at, &mut before, fence, false) }.is_err() {
                    continue 'restart;
                }
                // SAFETY: `at.curr` is null or protected by `at.curr_hazard`.
                if unsafe { at.curr.as_ref() }.is_some_and(|tower| tower.key == *key) {
                    // Scan the run of equal keys from its first tower, with `curr`'s hazard
                    // pointer as the scan's predecessor's.
                    let mut scan = At {
                        pred: at.curr,
                        curr: ptr::null_mut(),
                        pred_hazard: at.curr_hazard.take(),
                        curr_hazard: None,
                    };
                    // SAFETY: `scan.pred` is protected by `scan.pred_hazard`.
                    let first = protect(
                        unsafe { self.link(scan.pred, l) },
                        &mut scan.curr_hazard,
                        fence,
                    );
                    if is_marked(first) {
                        continue 'restart;
                    }
                    scan.curr = first;
                    // SAFETY: `scan.pred` was reached at `l` and is protected; its link held
                    // `scan.curr` unmarked after the publication.
                    if unsafe { self.walk_level(l, &mut scan, &mut equal, fence, false) }.is_err() {
                        continue 'restart;
                    }
                    // `at.curr` lost its hazard pointer: forget it (`descend` protects anew).
                    at.curr = ptr::null_mut();
                }
            }
            return;
        }
    }

    /// Inserts `key` with the value `value()` makes: the entry, and whether the key was
    /// absent. If it was present: with `replace`, the new tower is linked before the old one,
    /// which is then removed (the key is never absent meanwhile); without, nothing is inserted,
    /// `value` is not called, and the entry returned is the present one.
    pub(crate) fn insert(
        &self,
        key: K,
        value: impl FnOnce() -> V,
        replace: bool,
    ) -> (TowerRef<'_, K, V>, bool)
    where
        K: Ord,
    {
        let height = self.random_height();
        self.raise_top(height);
        let fence = LightFence::for_walk();
        let mut path: Vec<At<K, V>> = (0..height).map(|_| At::new()).collect();
        let mut pending = Pending::Key(key, value);
        let (tower, old) = loop {
            self.find_path(&mut |k| k < pending.key(), &mut path, fence);
            let succ = path[0].curr;
            // SAFETY: `succ` is null or protected by `path[0].curr_hazard`.
            let existing = unsafe { succ.as_ref() }
                .is_some_and(|tower| tower.key == *pending.key())
                .then_some(succ);
            if let (Some(existing), false) = (existing, replace) {
                let Some(hazard) = path[0].curr_hazard.take() else {
                    unreachable!("a tower found is protected");
                };
                // SAFETY: `hazard` protects `existing`, validated at level 0.
                return (unsafe { TowerRef::new(existing, hazard) }, false);
            }
            let tower = pending.take_tower(height);
            // Not published: a plain store would do; the atomic's store is what there is.
            tower.next[0].0.store(succ, Ordering::Relaxed);
            let raw = Box::into_raw(tower);
            // Counted before it is linked, so that a remover's decrement never comes first.
            self.len.fetch_add(1, Ordering::AcqRel);
            // SAFETY: `path[0].pred` is null or protected by `path[0].pred_hazard`.
            let link = unsafe { self.link(path[0].pred, 0) };
            if link.compare_exchange(succ, raw).is_ok() {
                break (raw, existing);
            }
            self.len.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: the exchange failed, so `raw` was not published: still ours alone.
            pending = Pending::Tower(unsafe { Box::from_raw(raw) });
        };
        // Linked at level 0; the inserter's share of `refs` keeps it from retirement until the
        // end, so the guard's hazard pointer needs no validation.
        let mut hazard = CachedHazard::acquire();
        hazard.hazard_pointer().protect_raw(tower);
        fence.after_publish();
        // SAFETY: protected, and not retired before `release` below.
        let entry = unsafe { TowerRef::new(tower, hazard) };
        let mut inserted = true;
        if let Some(old) = old {
            // SAFETY: `path[0].curr_hazard` still protects `old`.
            if unsafe { Self::mark(old) } {
                // Replaced: one tower of the key went in, one went out.
                self.len.fetch_sub(1, Ordering::AcqRel);
                self.unlink_everywhere(&entry.tower.key);
                inserted = false;
            }
        }
        let linked = self.link_upper_levels(tower, height, &mut path, fence);
        if linked > 1 && Self::removed_after_link(entry.tower) {
            // A remover may have searched past the levels linked after its mark.
            self.unlink_everywhere(&entry.tower.key);
        }
        // SAFETY: the inserter's share: itself, and the levels it never linked.
        unsafe { Self::release(tower, 1 + height - linked) };
        (entry, inserted)
    }

    /// Links `tower` (linked at level 0) at levels `1..height`, bottom-up, searching again
    /// whenever a level's exchange fails; stops at the first level whose link is marked (the
    /// tower was removed). How many levels are linked, level 0 included.
    fn link_upper_levels(
        &self,
        tower: *mut Tower<K, V>,
        height: usize,
        path: &mut [At<K, V>],
        fence: LightFence,
    ) -> usize
    where
        K: Ord,
    {
        // SAFETY: the inserter's share of `refs` keeps `tower` allocated (not retired).
        let node = unsafe { &*tower };
        for l in 1..height {
            loop {
                let (pred, succ) = (path[l].pred, path[l].curr);
                let own = &node.next[l];
                let current = own.load();
                // Only the remover writes this link while the tower is not linked at `l`: a
                // failed exchange means it was marked.
                if is_marked(current) || own.compare_exchange(current, succ).is_err() {
                    return l;
                }
                // SAFETY: `pred` is null or protected by `path[l].pred_hazard`, and `succ` by
                // `path[l].curr_hazard` (so its address was not reused).
                if unsafe { self.link(pred, l) }
                    .compare_exchange(succ, tower)
                    .is_ok()
                {
                    break;
                }
                self.find_path(&mut |k| *k < node.key, path, fence);
            }
        }
        height
    }

    /// Whether `tower`'s bottom link is marked, read by a read-modify-write: ordered after this
    /// thread's upper-level links, and against the remover's mark (one of the two sees the
    /// other: either this reads the mark, or the remover's mark, and so its clean-up search,
    /// comes after these links).
    fn removed_after_link(tower: &Tower<K, V>) -> bool {
        let link = &tower.next[0];
        let mut current = link.load();
        loop {
            if is_marked(current) {
                return true;
            }
            match link.compare_exchange(current, current) {
                Ok(()) => return false,
                Err(actual) => current = actual,
            }
        }
    }
}

/// An insertion's key and value before its tower exists, or its tower after a failed exchange.
enum Pending<K, V, F> {
    Key(K, F),
    Tower(Box<Tower<K, V>>),
    /// Only while `take_tower` runs.
    Taken,
}

impl<K, V, F: FnOnce() -> V> Pending<K, V, F> {
    fn key(&self) -> &K {
        match self {
            Self::Key(key, _) => key,
            Self::Tower(tower) => &tower.key,
            Self::Taken => unreachable!("a pending insertion has a key"),
        }
    }

    /// The tower, made (calling the value's closure, once) if it was not yet.
    fn take_tower(&mut self, height: usize) -> Box<Tower<K, V>> {
        match core::mem::replace(self, Self::Taken) {
            Self::Key(key, value) => Box::new(Tower {
                key,
                height,
                refs: AtomicUsize::new(height + 1),
                next: core::array::from_fn(|_| TowerLink::null()),
                value: value(),
            }),
            Self::Tower(tower) => tower,
            Self::Taken => unreachable!("a pending insertion has a key"),
        }
    }
}

impl<K, V> TowerList<K, V> {
    /// Frees every tower still linked at any level, handing the key and value of each present
    /// one (linked and unmarked at level 0) to `keep`, in key order; the others are dropped.
    ///
    /// `&mut self`: no guard borrows the list, no thread walks it, no insertion is under way, so
    /// each tower's count is the number of levels it is linked at. Level by level from the top,
    /// each tower met is counted down, and freed when its last level is passed (its link there
    /// read first); a present tower's last level is level 0, walked in key order.
    fn free_all(&mut self, mut keep: impl FnMut(K, V)) {
        for l in (0..MAX_HEIGHT).rev() {
            let mut next = unmarked(self.head[l].load());
            while !next.is_null() {
                // SAFETY: a tower linked at `l`, not retired (its count is not zero), freed only
                // below, at its last linked level, which is this one or a lower one.
                let tower = unsafe { &*next };
                let after = tower.next[l].load();
                if tower.refs.fetch_sub(1, Ordering::Relaxed) == 1 {
                    // SAFETY: from a `Box`, linked at no level left to walk, never retired.
                    let tower = unsafe { Box::from_raw(next) };
                    if l == 0 && !is_marked(after) {
                        let Tower { key, value, .. } = *tower;
                        keep(key, value);
                    }
                }
                next = unmarked(after);
            }
            self.head[l] = TowerLink::null();
        }
        self.len = AtomicUsize::new(0);
    }

    /// The present entries, in key order, the list emptied.
    pub(crate) fn take_all(&mut self) -> Vec<(K, V)> {
        let mut all = Vec::with_capacity(self.len());
        self.free_all(|key, value| all.push((key, value)));
        all
    }
}

impl<K, V> Drop for TowerList<K, V> {
    fn drop(&mut self) {
        self.free_all(|_, _| ());
    }
}
