//! [`TowerList`]: the skip list itself, on the towers, links, guards and walk of `tower.rs`
//! (see its documentation for the algorithm and its invariants): its searches and lookups here,
//! insertion in `list/insert.rs`, removals in `list/remove.rs`.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering;

use super::{
    INLINE, Kept, MAX_HEIGHT, Restart, Tower, TowerLink, TowerRef, Walker, protect, publish,
    publish_in, retire, small,
};
use crate::linked::link::{is_marked, unmarked};
use crate::protect::hazard_cache::CachedHazard;
use crate::reclaim::barrier::LightFence;
use crate::reclaim::domain::Global;
use crate::reclaim::sync::AtomicUsize;

mod insert;
mod remove;

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
            unsafe { (*pred).next(l) }
        }
    }

    /// A random height, geometric with p = 1/4 (as in Pugh's paper; fewer levels to walk down
    /// and to link than p = 1/2, for as many towers visited), at most [`MAX_HEIGHT`].
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
        (bits.trailing_ones() as usize / 2 + 1).min(MAX_HEIGHT)
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
    /// Takes `n` off `tower`'s count, retiring it if that made it zero (a revived count, with
    /// `tower.rs`'s `REVIVED` set, never does: its retirement is still pending).
    ///
    /// # Safety
    ///
    /// `tower` is a tower of this list, protected by this thread, held by its inserter, or
    /// held by a guard's unit, and `n` is what the caller owes it: one for the level it just
    /// unlinked, the inserter's share (see the module documentation), or the guard's unit.
    #[inline]
    unsafe fn release(tower: *mut Tower<K, V>, n: usize) {
        // SAFETY: the caller's promise: allocated.
        let n = small(n);
        if unsafe { &*tower }.refs.fetch_sub(n, Ordering::AcqRel) == n {
            // SAFETY: the count reached zero here: linked nowhere, its inserter is done, no
            // retirement of it pending (a pending one keeps the count zero or revived), and no
            // other thread's `release` saw zero; a guard that takes a unit from zero revives it,
            // and leaves this retirement to free it or hand it back.
            unsafe { retire(tower) };
        }
    }

    /// A guard of `tower` that `hazard` protects.
    ///
    /// # Safety
    ///
    /// `hazard` has protected `tower` since before a moment at which it was not retired, and
    /// `tower` belongs to a list borrowed for `'a`.
    #[inline]
    unsafe fn guard<'a>(
        tower: *mut Tower<K, V>,
        hazard: CachedHazard<Global>,
    ) -> TowerRef<'a, K, V> {
        TowerRef {
            // The caller's promise: protected, so allocated (not null) while `hazard` lives,
            // which is as long as the guard.
            tower: NonNull::new(tower).unwrap_or_else(|| unreachable!("a tower is not null")),
            hazard: Some(hazard),
            release: Self::release,
            _list: PhantomData,
        }
    }

    /// A guard of `tower` that holds a unit of its count (reviving it if it was retired
    /// meanwhile: `tower.rs`'s `REVIVED`).
    ///
    /// # Safety
    ///
    /// `tower` is a tower that this thread protects (with a hazard pointer, or a guard's
    /// unit), of a list borrowed for `'a`.
    #[inline]
    unsafe fn counted<'a>(tower: *mut Tower<K, V>) -> TowerRef<'a, K, V> {
        let tower = NonNull::new(tower).unwrap_or_else(|| unreachable!("a tower is not null"));
        // SAFETY: the caller's promise; `release` is this list's.
        unsafe { TowerRef::counted(tower, Self::release) }
    }

    /// Walks level `l` from where `w` stands: past marked towers, unlinking them, and past
    /// unmarked towers whose key satisfies `go_right`; stops at the first unmarked tower whose
    /// key does not (or at the end), which `w.curr` then holds, with `w.pred` its predecessor at
    /// `l`. `known_stop`: `go_right` is already known false for `w.curr`.
    ///
    /// # Safety
    ///
    /// `w.pred` is null or a tower reached at level `l`, protected by `w.on_pred`; `w.curr` is
    /// null or the tower `w.pred`'s link at `l` held unmarked after `w.on_curr` was published
    /// on it.
    #[allow(clippy::inline_always)] // each level of each search: the hot loop
    #[inline(always)]
    unsafe fn walk_level(
        &self,
        l: usize,
        w: &mut Walker<'_, K, V>,
        go_right: &mut impl FnMut(&K) -> bool,
        fence: LightFence,
        known_stop: bool,
    ) -> Result<(), Restart> {
        // One loop per kind of level, each with its link's place known: inline, or in the
        // tower's second allocation.
        if l < INLINE {
            // SAFETY: the caller's promise.
            unsafe { self.walk_level_with(l, |t| &t.low[l], w, go_right, fence, known_stop) }
        } else {
            // SAFETY: the caller's promise.
            unsafe {
                self.walk_level_with(l, |t| t.high(l - INLINE), w, go_right, fence, known_stop)
            }
        }
    }

    /// [`walk_level`](Self::walk_level), reading a tower's link at `l` with `link_of`.
    ///
    /// # Safety
    ///
    /// As for `walk_level`; `link_of(t)` is `t.next(l)`.
    #[allow(clippy::inline_always)] // each level of each search: the hot loop
    #[inline(always)]
    unsafe fn walk_level_with(
        &self,
        l: usize,
        link_of: impl Fn(&Tower<K, V>) -> &TowerLink<K, V>,
        w: &mut Walker<'_, K, V>,
        go_right: &mut impl FnMut(&K) -> bool,
        fence: LightFence,
        mut known_stop: bool,
    ) -> Result<(), Restart> {
        loop {
            // SAFETY: the caller's promise, and each move below keeps it: `w.on_curr` has
            // protected `w.curr` since before it was validated as linked at `l`.
            let Some(tower) = (unsafe { w.curr.as_ref() }) else {
                return Ok(());
            };
            let next = link_of(tower).load();
            if is_marked(next) {
                // Deleted at `l`: unlink it from `pred`, which must still hold it.
                // SAFETY: `w.pred` is null or protected by `w.on_pred`.
                let pred_link = unsafe { self.link(w.pred, l) };
                if pred_link.compare_exchange(w.curr, unmarked(next)).is_err() {
                    return Err(Restart);
                }
                // SAFETY: this thread's exchange unlinked it from level `l` (invariant 3), and
                // `w.on_curr` still protects it.
                unsafe { Self::release(w.curr, 1) };
                let succ = protect(pred_link, w.on_curr(), fence);
                if is_marked(succ) {
                    // `pred` was deleted meanwhile.
                    return Err(Restart);
                }
                w.curr = succ;
                known_stop = false;
                continue;
            }
            if known_stop || !go_right(&tower.key) {
                return Ok(());
            }
            if !next.is_null() {
                // The old predecessor's hazard pointer is the spare.
                publish(w.on_pred(), next.cast(), fence);
                if link_of(tower).load() != next {
                    // Marked or changed since read; `pred` lost its protection: start again.
                    return Err(Restart);
                }
            }
            // `curr`'s link held `next` unmarked after the publication: `curr` had not left `l`,
            // so `next` was linked at `l`. `curr` becomes the predecessor.
            w.pred = w.curr;
            w.curr = next;
            w.c ^= 1;
        }
    }

    /// Moves `w` down from level `l + 1` to `l`: `w.curr` becomes the tower `w.pred`'s link at
    /// `l` holds, protected. Whether `go_right` is known false for the new `w.curr` (the same
    /// tower as above).
    ///
    /// # Safety
    ///
    /// As for [`walk_level`](Self::walk_level) at level `l + 1`, after it stopped.
    #[allow(clippy::inline_always)] // each level of each search
    #[inline(always)]
    unsafe fn descend(
        &self,
        l: usize,
        w: &mut Walker<'_, K, V>,
        fence: LightFence,
    ) -> Result<bool, Restart> {
        // SAFETY: `w.pred` is null or protected by `w.on_pred`.
        let link = unsafe { self.link(w.pred, l) };
        if link.load() == w.curr {
            // The same tower as above (or the end), already protected by `w.on_curr`, and held
            // unmarked by `pred` at `l`: `pred` had not left `l` (it was linked at `l + 1`, so
            // had been at `l`), and neither had `curr`.
            return Ok(!w.curr.is_null());
        }
        let curr = protect(link, w.on_curr(), fence);
        if is_marked(curr) {
            // `pred` is deleted at `l`: only a walk from the top can go on.
            return Err(Restart);
        }
        w.curr = curr;
        Ok(false)
    }

    /// A search from the top with the two hazard pointers of `hazards`: at each level, walks
    /// (see [`walk_level`](Self::walk_level)), then calls `at_level(l, pred, curr)`, with both
    /// protected and validated at `l`; starts again whenever a walk or `at_level` asks. Returns
    /// where it stopped at level 0, and which of `hazards` protects `curr` (the other protects
    /// `pred`).
    #[allow(clippy::inline_always)] // into each public search, with its fence
    #[inline(always)]
    fn search(
        &self,
        hazards: &mut [CachedHazard<Global>; 2],
        go_right: &mut impl FnMut(&K) -> bool,
        fence: LightFence,
        mut at_level: impl FnMut(usize, *const Tower<K, V>, *mut Tower<K, V>) -> Result<(), Restart>,
    ) -> (*const Tower<K, V>, *mut Tower<K, V>, usize) {
        'restart: loop {
            let [a, b] = &mut *hazards;
            let mut w = Walker {
                pred: ptr::null(),
                curr: ptr::null_mut(),
                hazards: [a.hazard_pointer(), b.hazard_pointer()],
                c: 1,
            };
            let top = self.top.load(Ordering::Relaxed);
            // The head is never marked and holds only linked towers: protecting from it needs
            // no other validation.
            w.curr = protect(&self.head[top - 1], w.on_curr(), fence);
            let mut known_stop = false;
            for l in (0..top).rev() {
                if l + 1 < top {
                    // SAFETY: `w` stands where `walk_level` stopped at `l + 1`.
                    match unsafe { self.descend(l, &mut w, fence) } {
                        Ok(known) => known_stop = known,
                        Err(Restart) => continue 'restart,
                    }
                }
                // SAFETY: `w` was set from the head, or by `descend` to level `l`.
                if unsafe { self.walk_level(l, &mut w, go_right, fence, known_stop) }.is_err() {
                    continue 'restart;
                }
                if at_level(l, w.pred, w.curr).is_err() {
                    continue 'restart;
                }
            }
            return (w.pred, w.curr, w.c & 1);
        }
    }

    /// A search that keeps only the bottom level, one body per barrier mode: the first
    /// unmarked tower whose key does not satisfy `go_right` (`Ok`), or the last that does
    /// (`Err`), as `pick_pred` says, with the hazard pointer protecting it.
    #[inline]
    fn find(
        &self,
        go_right: &mut impl FnMut(&K) -> bool,
        pick_pred: bool,
    ) -> Option<TowerRef<'_, K, V>> {
        let mut hazards = [CachedHazard::acquire(), CachedHazard::acquire()];
        let (pred, curr, on_curr) = match LightFence::for_walk() {
            LightFence::Compiler => {
                self.search(&mut hazards, go_right, LightFence::Compiler, |_, _, _| {
                    Ok(())
                })
            }
            LightFence::PerStep => self.search(
                &mut hazards,
                go_right,
                LightFence::PerStep,
                |_, _, _| Ok(()),
            ),
        };
        let [a, b] = hazards;
        let (on_curr, on_pred) = if on_curr == 0 { (a, b) } else { (b, a) };
        let (tower, hazard) = if pick_pred {
            (pred.cast_mut(), on_pred)
        } else {
            (curr, on_curr)
        };
        if tower.is_null() {
            return None;
        }
        // SAFETY: `hazard` protects `tower`, validated at level 0 (see `search`).
        Some(unsafe { Self::guard(tower, hazard) })
    }

    /// A search from the top that keeps every level below `path.len()`: `path[l]` the
    /// predecessor and successor at level `l`. Those of level 0 are protected by `hazards`
    /// (the successor by `hazards[c]`, `c` returned; the predecessor by the other); those of the
    /// levels above by hazard pointers of their own.
    ///
    /// The kept hazard pointers are published while the walk's still protect the two towers,
    /// then validated as a step is: the predecessor's link at `l` read again, found holding the
    /// successor unmarked (so neither was retired when published).
    fn find_path(
        &self,
        hazards: &mut [CachedHazard<Global>; 2],
        go_right: &mut impl FnMut(&K) -> bool,
        path: &mut [Kept<K, V>],
        fence: LightFence,
    ) -> usize {
        let keep = path.len();
        self.raise_top(keep);
        let (pred, curr, c) = self.search(hazards, go_right, fence, |l, pred, curr| {
            let Some(kept) = path.get_mut(l).filter(|_| l > 0) else {
                return Ok(());
            };
            kept.pred = pred;
            kept.curr = curr;
            if !pred.is_null() {
                publish_in(&mut kept.on_pred, pred.cast_mut().cast(), fence);
            }
            if !curr.is_null() {
                publish_in(&mut kept.on_curr, curr.cast(), fence);
            }
            // SAFETY: `pred` is null or protected (by the walk's hazard pointer, and now by
            // `kept.on_pred`).
            if unsafe { self.link(pred, l) }.load() == curr {
                Ok(())
            } else {
                Err(Restart)
            }
        });
        path[0].pred = pred;
        path[0].curr = curr;
        c
    }

    /// The first tower whose key does not satisfy `go_right`, protected: a lower bound.
    pub(crate) fn first_where(
        &self,
        mut go_right: impl FnMut(&K) -> bool,
    ) -> Option<TowerRef<'_, K, V>> {
        self.find(&mut go_right, false)
    }

    /// The last tower whose key satisfies `go_right`, protected: an upper bound.
    pub(crate) fn last_where(
        &self,
        mut go_right: impl FnMut(&K) -> bool,
    ) -> Option<TowerRef<'_, K, V>> {
        self.find(&mut go_right, true)
    }

    /// The tower after `entry`'s, the first with a greater key: read from `entry`'s bottom link
    /// while that is unmarked (a step of a walk), else found by a search.
    ///
    /// `entry` should be of this list (the collections keep each entry with its list). The
    /// result borrows for the lifetime of both: the step reads `entry`'s list, so a caller that
    /// mixed lists still could not drop that list while the result lives.
    pub(crate) fn next_after<'a>(&'a self, entry: &TowerRef<'a, K, V>) -> Option<TowerRef<'a, K, V>>
    where
        K: Ord,
    {
        let link = &entry.tower().next(0);
        let next = link.load();
        if !is_marked(next) {
            if next.is_null() {
                return None;
            }
            let mut hazard = CachedHazard::acquire();
            publish(hazard.hazard_pointer(), next.cast(), LightFence::for_walk());
            if link.load() == next {
                // `entry`'s tower was linked at level 0 (unmarked) after the publication, so
                // `next` was linked too.
                // SAFETY: as just said: protected from a moment it was linked.
                let found = unsafe { &*next };
                if !is_marked(found.next(0).load()) && found.key > entry.tower().key {
                    // SAFETY: as above.
                    return Some(unsafe { Self::guard(next, hazard) });
                }
            }
        }
        let key = &entry.tower().key;
        self.first_where(|k| k <= key)
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
                let after = tower.next(l).load();
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
