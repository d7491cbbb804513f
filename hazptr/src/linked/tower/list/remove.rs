//! [`TowerList`]'s removals: marking a tower top-down, unlinking it with the predecessors a
//! search kept, and the clean-up search that unlinks it wherever it still is (see `tower.rs`'s
//! documentation).

use core::ptr;
use core::sync::atomic::Ordering;

use super::TowerList;
use crate::linked::link::{is_marked, marked, unmarked};
use crate::linked::tower::{Kept, Restart, Tower, TowerRef, Walker, protect, publish, publish_in};
use crate::protect::hazard_cache::CachedHazard;
use crate::reclaim::barrier::LightFence;
use crate::reclaim::domain::Global;

impl<K: Send + Sync + 'static, V: Send + Sync + 'static> TowerList<K, V> {
    /// Marks `tower`'s links top-down; whether this call marked the bottom one (the removal).
    ///
    /// # Safety
    ///
    /// `tower` is a tower of this list this thread protects.
    pub(super) unsafe fn mark(tower: *mut Tower<K, V>) -> bool {
        // SAFETY: the caller's promise.
        let tower = unsafe { &*tower };
        for l in (0..tower.height as usize).rev() {
            let link = &tower.next(l);
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

    /// Removes `entry`'s tower, if no other thread did: marks it, then unlinks it everywhere;
    /// returns a guard of it that holds a unit of its count (so that it can be cloned), or
    /// `None` if it was removed already. `entry` should be of this list: another list's tower
    /// would be marked there (and unlinked by that list's next search), and counted out of this
    /// one: wrong, not unsound.
    pub(crate) fn remove_entry<'a>(
        &'a self,
        entry: &TowerRef<'a, K, V>,
    ) -> Option<TowerRef<'a, K, V>>
    where
        K: Ord,
    {
        let tower = entry.tower.as_ptr();
        // SAFETY: `entry` protects it, and borrows its list for `'a`.
        let removed = unsafe { Self::counted(tower) };
        // SAFETY: as above.
        if !unsafe { Self::mark(tower) } {
            // Removed by another thread: `removed` gives its unit back.
            return None;
        }
        self.len.fetch_sub(1, Ordering::AcqRel);
        self.unlink_everywhere(&entry.tower().key);
        Some(removed)
    }

    /// Removes the first tower whose key does not satisfy `go_right`, if its key satisfies
    /// `is_key`, and returns it (still readable through the guard): one search, which keeps the
    /// predecessors of the towers it meets satisfying `is_key` at levels 1 to 4, then the mark,
    /// then an exchange per level with those predecessors (Fraser's and crossbeam's removal); a
    /// level whose exchange fails, or whose predecessor was not kept, leaves the rest to
    /// [`unlink_everywhere`](Self::unlink_everywhere). `None` if there is no such tower.
    pub(crate) fn remove_first(
        &self,
        mut go_right: impl FnMut(&K) -> bool,
        is_key: impl Fn(&K) -> bool,
    ) -> Option<TowerRef<'_, K, V>>
    where
        K: Ord,
    {
        let fence = LightFence::for_walk();
        let mut hazards = [CachedHazard::acquire(), CachedHazard::acquire()];
        let mut kept: [Kept<K, V>; 4] = core::array::from_fn(|_| Kept::new());
        loop {
            for level in &mut kept {
                level.curr = ptr::null_mut();
            }
            // `on_curr`: which of `hazards` protects `curr` (the other protects `pred`).
            let (pred, curr, _on_curr) =
                self.search(&mut hazards, &mut go_right, fence, |l, pred, curr| {
                    // SAFETY: `curr` is null or protected by the walk.
                    let candidate =
                        unsafe { curr.as_ref() }.is_some_and(|tower| is_key(&tower.key));
                    let Some(level) = kept.get_mut(l.wrapping_sub(1)).filter(|_| candidate) else {
                        return Ok(());
                    };
                    level.pred = pred;
                    level.curr = curr;
                    if !pred.is_null() {
                        publish_in(&mut level.on_pred, pred.cast_mut().cast(), fence);
                    }
                    publish_in(&mut level.on_curr, curr.cast(), fence);
                    // SAFETY: `pred` is null or protected; validated as in `find_path`.
                    if unsafe { self.link(pred, l) }.load() == curr {
                        Ok(())
                    } else {
                        Err(Restart)
                    }
                });
            // SAFETY: `curr` is null or protected by one of `hazards`, validated at level 0.
            let tower = unsafe { curr.as_ref() }?;
            if !is_key(&tower.key) {
                return None;
            }
            // A unit of its count for the guard returned, taken before the mark (if another
            // thread removed it since it was validated, the mark below fails).
            // SAFETY: protected by one of `hazards`, a tower of this list.
            let removed = unsafe { Self::counted(curr) };
            // SAFETY: as just said.
            if !unsafe { Self::mark(curr) } {
                // Removed by another thread since (`removed` gives its unit back): look again.
                continue;
            }
            self.len.fetch_sub(1, Ordering::AcqRel);
            let pred_at = |l: usize| match l {
                0 => Some(pred),
                _ => kept.get(l - 1).filter(|k| k.curr == curr).map(|k| k.pred),
            };
            // SAFETY: `curr` is protected by one of `hazards` (and `removed`'s unit) and was
            // marked by this thread; `pred` by the other, the kept predecessors by their own
            // hazard pointers.
            let unlinked = unsafe { self.unlink_with(curr, pred_at) };
            if !unlinked {
                self.unlink_everywhere(&tower.key);
            }
            return Some(removed);
        }
    }

    /// Unlinks `tower`, which this thread marked, from each of its levels, top-down, with one
    /// exchange of the predecessor `pred_at(l)` gives (null: the head); whether every level went
    /// so. It stops at the first level without a predecessor, or whose predecessor no longer
    /// holds the tower unmarked (the caller then runs the clean-up search).
    ///
    /// # Safety
    ///
    /// `tower` is a tower of this list, protected by this thread and marked by it; each
    /// predecessor given is null or a tower of this list protected by this thread.
    pub(super) unsafe fn unlink_with(
        &self,
        tower: *mut Tower<K, V>,
        pred_at: impl Fn(usize) -> Option<*const Tower<K, V>>,
    ) -> bool {
        // SAFETY: the caller's promise: protected.
        let node = unsafe { &*tower };
        for l in (0..node.height as usize).rev() {
            let Some(pred) = pred_at(l) else {
                return false;
            };
            // Marked: its link at `l` is frozen.
            let succ = unmarked(node.next(l).load());
            // SAFETY: `pred` is null or protected. If it still holds `tower` unmarked, it is
            // linked at `l`, and so is `tower`, which this exchange unlinks (invariant 3).
            if unsafe { self.link(pred, l) }
                .compare_exchange(tower, succ)
                .is_err()
            {
                return false;
            }
            // SAFETY: this thread's exchange unlinked it from `l`, and it is still protected.
            unsafe { Self::release(tower, 1) };
        }
        true
    }

    /// Unlinks every marked tower with key `key`, at every level: a search for `key` that, at
    /// each level, also walks the run of towers with that key (a removed tower may stand
    /// anywhere in it: see the module documentation). Every tower with key `key` marked before
    /// the call, and linked at a level when the search passes it, has left that level when
    /// this returns.
    pub(super) fn unlink_everywhere(&self, key: &K)
    where
        K: Ord,
    {
        let fence = LightFence::for_walk();
        let mut hazards = [CachedHazard::acquire(), CachedHazard::acquire()];
        let mut scan: Option<[CachedHazard<Global>; 2]> = None;
        let mut equal = |k: &K| k == key;
        self.search(&mut hazards, &mut |k| k < key, fence, |l, pred, curr| {
            // SAFETY: `curr` is null or protected by the walk.
            if unsafe { curr.as_ref() }.is_none_or(|tower| tower.key != *key) {
                return Ok(());
            }
            // Walk the run of equal keys from its first tower, with hazard pointers of its own:
            // the first published while the walk's still protects it, then validated by
            // `pred`'s link still holding it unmarked.
            let [a, b] =
                scan.get_or_insert_with(|| [CachedHazard::acquire(), CachedHazard::acquire()]);
            let mut w = Walker {
                pred: curr,
                curr: ptr::null_mut(),
                hazards: [a.hazard_pointer(), b.hazard_pointer()],
                c: 1,
            };
            publish(w.on_pred(), curr.cast(), fence);
            // SAFETY: `pred` is null or protected by the walk.
            if unsafe { self.link(pred, l) }.load() != curr {
                return Err(Restart);
            }
            // SAFETY: `curr` is protected (by `w.on_pred` now).
            let first = protect(unsafe { &*curr }.next(l), w.on_curr(), fence);
            if is_marked(first) {
                return Err(Restart);
            }
            w.curr = first;
            // SAFETY: `w.pred` was reached at `l` and is protected; its link held `w.curr`
            // unmarked after `w.on_curr` was published.
            unsafe { self.walk_level(l, &mut w, &mut equal, fence, false) }
        });
    }
}
