//! [`Head::iter`]: a weakly consistent walk over a chain, yielding a guard per value.
//!
//! It walks with an internal [`Cursor`] (three hazard pointers, unlinking the deleted nodes it
//! meets, as `seek` does) and gives each value it yields a hazard pointer of its own
//! ([`Cursor::guard_current`]), so the guards outlive the walk's moves. When the cursor's walk
//! must start again from the head (the link before a deleted node changed under it), the nodes
//! yielded so far are skipped by address: a node yielded earlier is either still allocated,
//! hence at its own address, or freed, and then its address can only have gone to a node
//! allocated after it, which the iteration may or may not see.
//!
//! Having yielded a node, the walk steps on to its successor at once, without reading it
//! ([`Cursor::step_over`], which asks the processor to start loading it), so the successor's
//! cache miss overlaps the caller's use of the guard, or another chain's walk
//! ([`AnchoredHead::iter_split`](crate::AnchoredHead::iter_split)). An anchored chain's
//! iteration passes its anchors without a guard, and a walk that starts again starts from the
//! last anchor passed; until one does, it remembers only the nodes yielded since that anchor.

use crate::linked::cursor::{Current, Cursor};
use crate::linked::link::{Head, Link};
use crate::protect::guard::Protected;
use crate::protect::hazard_cache::StaticDomain;

impl<T: Send + Sync + 'static, F: StaticDomain> Head<T, F> {
    /// The values of the chain, in order, each as a [`Protected`] guard: the guard keeps its
    /// value readable (and its node allocated) for as long as it lives, even once another
    /// thread removes the node; it borrows the head, which cannot be dropped meanwhile.
    ///
    /// Weakly consistent while other threads insert and remove: it yields every value that is
    /// in the chain for the whole iteration, each value at most once, and may or may not yield
    /// values inserted or removed meanwhile. It is lock-free, like [`Cursor::seek`], and unlinks
    /// (and retires) the deleted nodes it meets.
    ///
    /// Cost: the walk holds three hazard pointers of the thread's cache however long the chain,
    /// and each guard takes one more (from the cache too, while it has some: keep a few guards
    /// at a time, not the whole chain). The iterator remembers the address of each node it
    /// yielded (a `usize` each), to skip them if its walk must start again from the head, which
    /// it does only when another thread changed the link before a deleted node under it.
    ///
    /// ```
    /// use hazptr::{Head, Owned};
    ///
    /// let list: Head<u32> = Head::new();
    /// for value in [3, 2, 1] {
    ///     list.push_front(Owned::new(value));
    /// }
    /// let values: Vec<u32> = list.iter().map(|value| *value).collect();
    /// assert_eq!(values, [1, 2, 3]);
    ///
    /// // A guard outlives the removal of its node.
    /// let first = list.iter().next().unwrap();
    /// let mut cursor = list.cursor();
    /// assert_eq!(cursor.seek(|v| *v == 1), Some(&1));
    /// assert!(cursor.remove());
    /// assert_eq!(*first, 1);
    /// assert_eq!(list.iter().count(), 2);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, F> {
        // SAFETY: the head's own link.
        unsafe { self.iter_from(self.link()) }
    }

    /// [`iter`](Self::iter), walking from `start` instead of the head: the values after it.
    ///
    /// # Safety
    ///
    /// As for [`cursor_from`](Self::cursor_from): `start` is the head's link or the link of a
    /// node of this head's chain that is never deleted.
    pub(crate) unsafe fn iter_from(&self, start: &Link<T, F>) -> Iter<'_, T, F> {
        Iter {
            // SAFETY: the caller's promise.
            cursor: unsafe { self.cursor_from(start) },
            at: At::Start,
            yielded: Vec::new(),
            restarted: false,
        }
    }
}

/// The iterator of [`Head::iter`]: a guard per value, weakly consistent. Not `Send` (it walks
/// with a [`Cursor`]).
pub struct Iter<'h, T, F: StaticDomain> {
    cursor: Cursor<'h, T, F>,
    at: At,
    /// The address of the value of each node yielded, in the order yielded until the walk
    /// first starts again, then sorted (for `binary_search`).
    yielded: Vec<usize>,
    restarted: bool,
}

/// Where the iteration stands.
#[derive(Clone, Copy)]
enum At {
    /// Before the first node.
    Start,
    /// At the node whose value's address this is: the node last yielded, or a node found
    /// deleted or skipped.
    Node(usize),
    /// At a node the cursor moved to without reading it ([`Cursor::step_over`]), past the
    /// node last yielded or skipped.
    Ahead,
    /// Past the last node.
    End,
}

/// The address of a value, which names its node while the node is allocated.
fn address<T>(value: &T) -> usize {
    core::ptr::from_ref(value).addr()
}

impl<T, F: StaticDomain> core::fmt::Debug for Iter<'_, T, F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T, F: StaticDomain> Iter<'_, T, F> {
    /// Whether a node of this value was yielded (looked up only once the walk restarted: until
    /// then the walk only moves forward, past the nodes it yielded).
    fn yielded(yielded: &[usize], restarted: bool, value: &T) -> bool {
        restarted && yielded.binary_search(&address(value)).is_ok()
    }

    fn record(&mut self, address: usize) {
        if self.restarted {
            if let Err(index) = self.yielded.binary_search(&address) {
                self.yielded.insert(index, address);
            }
        } else {
            self.yielded.push(address);
        }
    }
}

impl<'h, T: Send + Sync + 'static, F: StaticDomain> Iterator for Iter<'h, T, F> {
    type Item = Protected<'h, T, F>;

    fn next(&mut self) -> Option<Protected<'h, T, F>> {
        // SAFETY: it names no node.
        match unsafe { self.turn(&mut |_| false) } {
            Turn::Value(guard) => Some(guard),
            Turn::Anchor => unreachable!("no node is an anchor here"),
            Turn::End => None,
        }
    }
}

/// What one turn of an iteration found ([`Iter::turn`]).
pub(crate) enum Turn<G> {
    /// The next value, as a guard.
    Value(G),
    /// An anchor, passed.
    Anchor,
    /// The end.
    End,
}

impl<'h, T: Send + Sync + 'static, F: StaticDomain> Iter<'h, T, F> {
    /// The next value as a guard, or the next anchor, passed: a node that is never deleted
    /// (those whose values `is_anchor` names), which the iteration does not yield, nor take a
    /// hazard pointer of its own for. A walk that must start again starts from the last anchor
    /// passed, and until one does, only the nodes yielded since that anchor are remembered:
    /// walking forward, it left every node yielded before behind the anchor, and walks only go
    /// forward from there. (Once a walk started again it keeps them all: it may meet an anchor
    /// made since, before nodes it yielded.) A turn reads one node the walk had not
    /// read before, so that a caller walking several chains in turn overlaps their misses.
    /// `is_anchor` may be asked about a value more than once.
    ///
    /// # Safety
    ///
    /// `is_anchor` is true only for values of nodes of this chain that are never deleted (as
    /// for the start of [`Head::iter_from`]).
    pub(crate) unsafe fn turn(
        &mut self,
        is_anchor: &mut impl FnMut(&T) -> bool,
    ) -> Turn<Protected<'h, T, F>> {
        loop {
            let (yielded, restarted) = (&self.yielded, self.restarted);
            let moved = match self.at {
                At::End => return Turn::End,
                At::Start => {
                    self.cursor.seek(|_| true);
                    true
                }
                At::Node(last) => self.cursor.advance(&mut |value: &T| {
                    address(value) != last && !Self::yielded(yielded, restarted, value)
                }),
                At::Ahead => true,
            };
            if !moved {
                // The walk must start again from the head: skip what was yielded.
                if !self.restarted {
                    self.restarted = true;
                    self.yielded.sort_unstable();
                }
                let yielded = &self.yielded;
                self.cursor
                    .seek(|value| !Self::yielded(yielded, true, value));
            }
            if let Some(value) = self.cursor.current() {
                // A node stepped onto unread may be one yielded before the walk started again,
                // or an anchor: move past it (a walk that stopped there by `seek` or `advance`
                // already asked the first).
                let anchor = is_anchor(value);
                if anchor || Self::yielded(&self.yielded, self.restarted, value) {
                    let address = address(value);
                    if anchor {
                        // SAFETY: the caller's promise: this node is never deleted.
                        unsafe { self.cursor.rebase() };
                        // Walking forward since the last anchor passed, the walk has left
                        // behind every node it yielded; once it started again, it may meet an
                        // anchor made since before nodes it yielded, so it keeps them.
                        if !self.restarted {
                            self.yielded.clear();
                        }
                    }
                    self.at = if self.cursor.step_over() {
                        At::Ahead
                    } else {
                        At::Node(address)
                    };
                    if anchor {
                        return Turn::Anchor;
                    }
                    continue;
                }
            }
            match self.cursor.guard_current() {
                Current::End => {
                    self.at = At::End;
                    return Turn::End;
                }
                Current::Deleted => {
                    // Removed since the walk reached it: a concurrent removal, which the
                    // iteration need not see. Move past it.
                    let Some(value) = self.cursor.current() else {
                        unreachable!("the cursor stands before a node");
                    };
                    self.at = At::Node(address(value));
                }
                Current::Guard(guard) => {
                    let address = address(&*guard);
                    self.record(address);
                    // On to the next node now, without reading it: its cache miss overlaps
                    // the caller's use of this guard.
                    self.at = if self.cursor.step_over() {
                        At::Ahead
                    } else {
                        At::Node(address)
                    };
                    return Turn::Value(guard);
                }
            }
        }
    }
}

/// `for value in &head`: [`Head::iter`].
impl<'h, T: Send + Sync + 'static, F: StaticDomain> IntoIterator for &'h Head<T, F> {
    type Item = Protected<'h, T, F>;
    type IntoIter = Iter<'h, T, F>;

    fn into_iter(self) -> Iter<'h, T, F> {
        self.iter()
    }
}
