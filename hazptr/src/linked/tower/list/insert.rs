//! [`TowerList::insert`]: linking a tower bottom-up, and the slow inserter's clean-up (see
//! `tower.rs`'s documentation).

use core::sync::atomic::Ordering;

use super::TowerList;
use crate::linked::link::is_marked;
use crate::linked::tower::{INLINE, Kept, Tower, TowerLink, TowerRef, publish, small};
use crate::protect::hazard_cache::CachedHazard;
use crate::reclaim::barrier::LightFence;
use crate::reclaim::domain::Global;
use crate::reclaim::sync::AtomicU32;

impl<K: Send + Sync + 'static, V: Send + Sync + 'static> TowerList<K, V> {
    /// Inserts `key` with the value `value()` makes: the entry, and whether the key was
    /// absent. If it was present and `replace(old value)` holds, the new tower is linked before
    /// the old one, which is then removed (the key is never absent meanwhile); if it does not,
    /// nothing is inserted, `value` is not called (unless an earlier attempt made its tower),
    /// and the entry returned is the present one.
    pub(crate) fn insert(
        &self,
        key: K,
        value: impl FnOnce() -> V,
        replace: impl Fn(&V) -> bool,
    ) -> (TowerRef<'_, K, V>, bool)
    where
        K: Ord,
    {
        let height = self.random_height();
        let fence = LightFence::for_walk();
        let mut hazards = [CachedHazard::acquire(), CachedHazard::acquire()];
        // The levels kept: inline for the towers of up to four levels (all but 1 in 256).
        let mut inline: [Kept<K, V>; 4] = core::array::from_fn(|_| Kept::new());
        let mut heap: Vec<Kept<K, V>> = Vec::new();
        let path: &mut [Kept<K, V>] = if height <= inline.len() {
            &mut inline[..height]
        } else {
            heap.extend((0..height).map(|_| Kept::new()));
            &mut heap
        };
        let mut pending = Pending::Key(key, value);
        let (tower, old) = loop {
            let c = self.find_path(&mut hazards, &mut |k| k < pending.key(), path, fence);
            let succ = path[0].curr;
            // SAFETY: `succ` is null or protected by `hazards[c]`.
            let existing = unsafe { succ.as_ref() }
                .is_some_and(|tower| tower.key == *pending.key())
                .then_some(succ);
            // SAFETY: as above.
            if let Some(existing) = existing.filter(|old| !replace(unsafe { &(**old).value })) {
                let [a, b] = hazards;
                let hazard = if c == 0 { a } else { b };
                // SAFETY: `hazard` protects `existing`, validated at level 0.
                return (unsafe { Self::guard(existing, hazard) }, false);
            }
            let tower = pending.take_tower(height);
            // Not published: a plain store would do; the atomic's store is what there is.
            tower.next(0).0.store(succ, Ordering::Relaxed);
            let raw = Box::into_raw(tower);
            // Counted before it is linked, so that a remover's decrement never comes first.
            self.len.fetch_add(1, Ordering::AcqRel);
            // SAFETY: `path[0].pred` is null or protected by `hazards[1 - c]`.
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
        let mut on_tower = CachedHazard::acquire();
        publish(on_tower.hazard_pointer(), tower.cast(), fence);
        // SAFETY: protected, and not retired before `release` below.
        let entry = unsafe { Self::guard(tower, on_tower) };
        let mut inserted = true;
        if let Some(old) = old {
            // SAFETY: `hazards` still protect `old` (the successor at level 0).
            if unsafe { Self::mark(old) } {
                // Replaced: one tower of the key went in, one went out. Unlink the old one with
                // the predecessors at hand: the new tower at level 0 (linked right before it),
                // the kept ones above; the clean-up search only if one of them no longer holds
                // it.
                self.len.fetch_sub(1, Ordering::AcqRel);
                let pred_at = |l: usize| match l {
                    0 => Some(tower.cast_const()),
                    _ => path
                        .get(l)
                        .filter(|kept| kept.curr == old)
                        .map(|kept| kept.pred),
                };
                // SAFETY: `old` is protected by `hazards`, and marked by this thread; the new
                // tower by `entry`, the kept predecessors by their own hazard pointers.
                if !unsafe { self.unlink_with(old, pred_at) } {
                    self.unlink_everywhere(&entry.tower().key);
                }
                inserted = false;
            }
        }
        let linked = self.link_upper_levels(tower, &mut hazards, path, fence);
        if linked > 1 && Self::removed_after_link(entry.tower()) {
            // A remover may have searched past the levels linked after its mark.
            self.unlink_everywhere(&entry.tower().key);
        }
        // SAFETY: the inserter's share: itself, and the levels it never linked.
        unsafe { Self::release(tower, 1 + height - linked) };
        (entry, inserted)
    }

    /// Links `tower` (linked at level 0) at levels `1..path.len()`, bottom-up, searching again
    /// whenever a level's exchange fails; stops at the first level whose link is marked (the
    /// tower was removed). How many levels are linked, level 0 included.
    fn link_upper_levels(
        &self,
        tower: *mut Tower<K, V>,
        hazards: &mut [CachedHazard<Global>; 2],
        path: &mut [Kept<K, V>],
        fence: LightFence,
    ) -> usize
    where
        K: Ord,
    {
        // SAFETY: the inserter's share of `refs` keeps `tower` allocated (not retired).
        let node = unsafe { &*tower };
        for l in 1..path.len() {
            loop {
                let (pred, succ) = (path[l].pred, path[l].curr);
                let own = node.next(l);
                let current = own.load();
                // Only the remover writes this link while the tower is not linked at `l`: a
                // failed exchange means it was marked.
                if is_marked(current) || own.compare_exchange(current, succ).is_err() {
                    return l;
                }
                // SAFETY: `pred` is null or protected by `path[l].on_pred`, and `succ` by
                // `path[l].on_curr` (so its address was not reused).
                if unsafe { self.link(pred, l) }
                    .compare_exchange(succ, tower)
                    .is_ok()
                {
                    break;
                }
                self.find_path(hazards, &mut |k| *k < node.key, path, fence);
            }
        }
        path.len()
    }

    /// Whether `tower`'s bottom link is marked, read by a read-modify-write: ordered after this
    /// thread's upper-level links, and against the remover's mark (one of the two sees the
    /// other: either this reads the mark, or the remover's mark, and so its clean-up search,
    /// comes after these links).
    fn removed_after_link(tower: &Tower<K, V>) -> bool {
        let link = &tower.next(0);
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
    #[allow(clippy::unnecessary_box_returns)] // the box goes on to be published as is
    fn take_tower(&mut self, height: usize) -> Box<Tower<K, V>> {
        match core::mem::replace(self, Self::Taken) {
            Self::Key(key, value) => Box::new(Tower {
                key,
                height: small(height),
                refs: AtomicU32::new(small(height + 1)),
                low: core::array::from_fn(|_| TowerLink::null()),
                high: (height > INLINE)
                    .then(|| Box::new(core::array::from_fn(|_| TowerLink::null()))),
                value: value(),
            }),
            Self::Tower(tower) => tower,
            Self::Taken => unreachable!("a pending insertion has a key"),
        }
    }
}
