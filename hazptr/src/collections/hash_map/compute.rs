//! The map's general read-modify-write: [`HashMap::compute`], which decides from what a key
//! holds whether to insert, replace, remove or do nothing, in one atomic step, and the
//! operations built on it ([`HashMap::update_or_insert_with`], [`HashMap::remove_if`]). What
//! std's and dashmap's `entry` API does with a lock held, done as papaya does without one: the
//! closure runs on the entry read, and the change it asks for lands only if the entry is still
//! the one it read; otherwise it runs again on the entry there now.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};

use super::{Entry, HashMap, Ref, current_entry, entry, seek_entry};
use crate::linked::anchor::Item;
use crate::linked::link::Owned;

/// What a [`HashMap::compute`] closure asks for, given what the key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation<V, T> {
    /// Insert this value: in place of the key's value if it is present, as a new entry if not.
    Insert(V),
    /// Remove the key's entry (if the key is absent, nothing changes:
    /// [`Compute::Absent`]).
    Remove,
    /// Change nothing, and hand this back ([`Compute::Aborted`]).
    Abort(T),
}

/// What a [`HashMap::compute`] did. Each entry comes as a guard, which keeps it readable (a
/// replaced or removed one is retired, and freed once no guard reads it).
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum Compute<'a, K, V, T> {
    /// The key was absent; its entry was inserted.
    Inserted(Ref<'a, K, V>),
    /// The key's value was replaced.
    Updated {
        /// The entry replaced.
        old: Ref<'a, K, V>,
        /// The entry that replaced it.
        new: Ref<'a, K, V>,
    },
    /// The key's entry was removed.
    Removed(Ref<'a, K, V>),
    /// The closure asked to remove a key that was absent: nothing changed.
    Absent,
    /// The closure aborted with this value: nothing changed.
    Aborted(T),
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    /// Reads what `key` holds, asks `compute` what to do with it, and does it atomically: the
    /// change lands only if the key still holds what `compute` was shown (the same entry, or
    /// still nothing); if another thread changed it meanwhile, `compute` is asked again about
    /// what it holds now. So `compute` may run more than once, and should only decide: each
    /// answer it gives but the last is dropped unused.
    ///
    /// `compute` is shown the key and value present (`None` if absent) and answers with an
    /// [`Operation`]. An [`Insert`](Operation::Insert) of a present key makes a new entry with
    /// the `key` given here (the old entry keeps its own, for the readers that hold it). This is
    /// the map's `entry` API: std's `entry(k).and_modify(f).or_insert(v)`, `or_insert_with`,
    /// `Occupied::remove` and the like are each one `compute`, or the shorthands
    /// [`update_or_insert_with`](Self::update_or_insert_with), [`update`](Self::update),
    /// [`get_or_insert_with`](Self::get_or_insert_with) and [`remove_if`](Self::remove_if).
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    /// use hazptr::collections::hash_map::{Compute, Operation};
    ///
    /// let stock = HashMap::new();
    /// // Take one item out of stock: the last one removes the entry; none left, give up.
    /// let take = |entry: Option<(&&str, &u32)>| match entry {
    ///     Some((_, 1)) => Operation::Remove,
    ///     Some((_, n)) => Operation::Insert(n - 1),
    ///     None => Operation::Abort("sold out"),
    /// };
    /// stock.insert("pear", 2);
    /// assert!(matches!(stock.compute("pear", take), Compute::Updated { .. }));
    /// assert!(matches!(stock.compute("pear", take), Compute::Removed(old) if *old == 1));
    /// assert_eq!(stock.compute("pear", take), Compute::Aborted("sold out"));
    /// ```
    pub fn compute<T>(
        &self,
        key: K,
        mut compute: impl FnMut(Option<(&K, &V)>) -> Operation<V, T>,
    ) -> Compute<'_, K, V, T> {
        self.compute_reusing(key, |current, _unused| compute(current))
    }

    /// [`compute`](Self::compute), which also lends `compute` the value of its last answer for
    /// an absent key that did not land (an insertion another thread's change defeated), to
    /// reuse.
    fn compute_reusing<T>(
        &self,
        key: K,
        mut compute: impl FnMut(Option<(&K, &V)>, &mut Option<V>) -> Operation<V, T>,
    ) -> Compute<'_, K, V, T> {
        let (mut cursor, order, mut present) = self.seek(&key);
        // The caller's key, until an entry made with it lands; and the value of the last answer
        // for an absent key that did not.
        let mut key = Some(key);
        let mut unused = None;
        loop {
            let current = match cursor.current() {
                Some(Item::Value(at)) if present => Some((&at.key, &at.value)),
                _ => None,
            };
            let operation = compute(current, &mut unused);
            let node = match operation {
                Operation::Abort(value) => return Compute::Aborted(value),
                Operation::Remove if !present => return Compute::Absent,
                Operation::Remove => {
                    if cursor.remove() {
                        self.len.add(-1);
                        return Compute::Removed(current_entry(cursor));
                    }
                    None
                }
                Operation::Insert(value) => {
                    let Some(key) = key.take() else {
                        unreachable!("the caller's key is back after each attempt");
                    };
                    let node = Owned::new(Item::Value(Entry::new(order, key, value)));
                    if present {
                        match cursor.replace(node) {
                            Ok(new) => {
                                return Compute::Updated {
                                    old: current_entry(cursor),
                                    new: Ref::new(new),
                                };
                            }
                            Err(back) => Some((back, false)),
                        }
                    } else {
                        match cursor.insert_protected(node) {
                            Ok(new) => {
                                self.inserted();
                                return Compute::Inserted(Ref::new(new));
                            }
                            Err(back) => Some((back, true)),
                        }
                    }
                }
            };
            // Another thread changed the key (or the link before it) first: take the key back
            // (and the value, if it was for an absent key: the caller may reuse it), and look
            // again.
            if let Some((node, absent)) = node {
                let Item::Value(back) = node.into_inner() else {
                    unreachable!("an entry");
                };
                key = Some(back.key);
                if absent {
                    unused = Some(back.value);
                }
            }
            let Some(probe) = key.as_ref() else {
                unreachable!("the caller's key is back");
            };
            present = seek_entry(&mut cursor, order, probe);
        }
    }

    /// Replaces the value of `key` by `update(&value)` if the key is present, or inserts
    /// `make()` if not, atomically (as [`compute`](Self::compute): `update` may run more than
    /// once, on each value that won meanwhile; `make` runs at most once, and its value is kept
    /// across attempts). The value now there, as a guard.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let words = HashMap::new();
    /// for word in "the cat saw the dog".split(' ') {
    ///     words.update_or_insert_with(word, |n| n + 1, || 1);
    /// }
    /// assert_eq!(*words.get("the").unwrap(), 2);
    /// assert_eq!(*words.get("cat").unwrap(), 1);
    /// ```
    pub fn update_or_insert_with(
        &self,
        key: K,
        mut update: impl FnMut(&V) -> V,
        make: impl FnOnce() -> V,
    ) -> Ref<'_, K, V> {
        let mut make = Some(make);
        let computed = self.compute_reusing(key, |current, unused| match current {
            Some((_, value)) => Operation::<V, ()>::Insert(update(value)),
            // An unused value is one this closure answered for an absent key: `make`'s.
            None => Operation::Insert(unused.take().unwrap_or_else(|| {
                let Some(make) = make.take() else {
                    unreachable!("made once: its value is kept until it lands");
                };
                make()
            })),
        });
        match computed {
            Compute::Inserted(new) | Compute::Updated { new, .. } => new,
            Compute::Removed(_) | Compute::Absent | Compute::Aborted(()) => {
                unreachable!("every answer inserts")
            }
        }
    }

    /// [`update_or_insert_with`](Self::update_or_insert_with) with `value` to insert.
    pub fn update_or_insert(&self, key: K, update: impl FnMut(&V) -> V, value: V) -> Ref<'_, K, V> {
        self.update_or_insert_with(key, update, || value)
    }

    /// Removes `key` if `remove(&key, &value)` says so, atomically: the entry removed is the one
    /// `remove` said yes to (if another thread replaces or removes it first, `remove` is asked
    /// about the entry there now). `Ok` with the entry removed, as a guard, or `Ok(None)` if the
    /// key is absent; `Err` with the entry kept if `remove` said no.
    ///
    /// # Errors
    ///
    /// The entry `remove` kept, as a guard.
    ///
    /// ```
    /// use hazptr::collections::HashMap;
    ///
    /// let map = HashMap::new();
    /// map.insert(1, "a");
    /// assert_eq!(map.remove_if(&1, |_, v| *v == "b").map_err(|kept| *kept), Err("a"));
    /// assert_eq!(map.remove_if(&1, |_, v| *v == "a").map(|r| r.as_deref().copied()), Ok(Some("a")));
    /// assert!(map.remove_if(&1, |_, _| true).unwrap().is_none());
    /// ```
    pub fn remove_if<Q>(
        &self,
        key: &Q,
        mut remove: impl FnMut(&K, &V) -> bool,
    ) -> Result<Option<Ref<'_, K, V>>, Ref<'_, K, V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some((mut cursor, order, mut present)) = self.seek_present(key) else {
            return Ok(None);
        };
        loop {
            if !present {
                return Ok(None);
            }
            let Some(at) = cursor.current() else {
                unreachable!("the cursor stands at the entry");
            };
            let at = entry(at);
            if !remove(&at.key, &at.value) {
                return Err(current_entry(cursor));
            }
            if cursor.remove() {
                self.len.add(-1);
                return Ok(Some(current_entry(cursor)));
            }
            // Replaced or removed first by another thread: ask about what is there now.
            present = seek_entry(&mut cursor, order, key);
        }
    }
}
