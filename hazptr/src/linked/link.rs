//! Marked links: the pointer type of linked structures (lists, stacks, queues, hash buckets),
//! with ownership in the types.
//!
//! - A [`Head`] is the root of a chain of nodes. It owns the first node; each node's link owns
//!   the node after it. Dropping the head frees every node still linked (nothing else can reach
//!   them then: every reference into the chain borrows the head).
//! - An [`Owned`] is a node not yet published: its value can be read and changed freely, and
//!   it is published only by [`Cursor::insert`](crate::Cursor::insert) or
//!   [`Head::push_front`], which link it to the successor they choose and take it by value (a
//!   node cannot be published twice). A failed insertion hands it back, with no successor.
//! - A link carries a mark bit in its low bit (nodes are at least pointer-aligned). Marking a
//!   node's own link deletes the node logically (Harris 2001); the mark is permanent, and only a
//!   marked node can be unlinked, by the one compare-and-exchange that replaces it with its
//!   successor in the link before it; that thread retires it. Protection always publishes the
//!   unmarked address, which is what retirement compares with.
//!
//! What every operation keeps true, and what the traversal's validation relies on
//! (`cursor.rs`):
//!
//! 1. An unmarked link of a linked node (or the head) holds a linked node or null.
//! 2. A node is held by at most one unmarked link: its predecessor's (or the head). Other links
//!    that hold it are marked and frozen (those of deleted predecessors).
//! 3. A node leaves the chain only by the compare-and-exchange of that unmarked link, after its
//!    own link was marked; it is retired by that thread, once, and never linked again.
//! 4. A marked link of a linked node holds a linked node or null: its successor when it was
//!    marked, or the node that replaced it ([`Cursor::replace`](crate::Cursor::replace): the
//!    one exchange that marks a node's link also points it at its replacement, whose link holds
//!    the old successor). That node can be deleted, and so unlinked, only once the marked node
//!    was unlinked (a marked link is frozen, and only an unmarked link can be the one of
//!    invariant 3), so it stays linked as long as the marked node does; a replacement is held by
//!    no unmarked link until the marked node is unlinked, and then by the link that held it.
//!
//! Hence: if a link reads unmarked and holds `n` after a hazard pointer published `n`, then `n`
//! was not retired when it was published, and stays allocated while the hazard protects it.
//! And a chain's drop, which follows every link from the head, marked or not, meets each linked
//! node once.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr;
use core::sync::atomic::Ordering;

use crate::reclaim::domain::Global;

use crate::protect::hazard_cache::StaticDomain;
use crate::reclaim::sync::AtomicPtr;

/// A node of a chain: a value and the link to its successor. Allocated as a `Box`, by
/// [`Owned::new`] (or in an anchored chain's index, `anchor.rs`); never moved once published.
///
/// `repr(C)`, the link first: a walk reads the link of every node it passes and the start of
/// its value, which then share a cache line (and, in an index slot, the line of the slot's
/// state).
#[repr(C)]
pub(crate) struct Node<T, F> {
    pub(crate) next: Link<T, F>,
    pub(crate) value: T,
}

/// An atomic pointer to a `Node<T, F>`, with a mark bit in its lowest bit. It owns the node it
/// holds (see the module documentation) but never frees it: a node's link is dropped with the
/// node, when the node is reclaimed, and its successor lives on. Only [`Head`]'s drop frees a
/// chain.
pub(crate) struct Link<T, F> {
    ptr: AtomicPtr<Node<T, F>>,
    _family: PhantomData<fn() -> F>,
}

/// The mark bit, in the low bit of a node's address (a node holds an atomic pointer, so it is at
/// least pointer-aligned).
const MARK: usize = 1;

/// Whether `ptr` carries the mark.
#[inline]
pub(crate) fn is_marked<N>(ptr: *mut N) -> bool {
    ptr.addr() & MARK != 0
}

/// `ptr` without the mark: the node's address.
#[inline]
pub(crate) fn unmarked<N>(ptr: *mut N) -> *mut N {
    ptr.map_addr(|addr| addr & !MARK)
}

/// `ptr` with the mark.
#[inline]
pub(crate) fn marked<N>(ptr: *mut N) -> *mut N {
    ptr.map_addr(|addr| addr | MARK)
}

impl<T, F> Link<T, F> {
    const ALIGNED: () = assert!(
        core::mem::align_of::<Node<T, F>>() > MARK,
        "a node's address has a free low bit for the mark"
    );

    /// A link holding `ptr` (null, or a node it owns).
    pub(crate) fn new(ptr: *mut Node<T, F>) -> Self {
        let () = Self::ALIGNED;
        Self {
            ptr: AtomicPtr::new(ptr),
            _family: PhantomData,
        }
    }

    /// The value, with its mark (`Acquire`: the node it holds was published with `Release`).
    #[inline]
    pub(crate) fn load(&self) -> *mut Node<T, F> {
        self.ptr.load(Ordering::Acquire)
    }

    /// Replaces `current` by `new` (both compared and stored with their marks).
    #[inline]
    pub(crate) fn compare_exchange(
        &self,
        current: *mut Node<T, F>,
        new: *mut Node<T, F>,
    ) -> Result<(), *mut Node<T, F>> {
        self.ptr
            .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
    }

    /// Publishes `node` in this link, linked to the node the link held: a push in front. Reads
    /// no node, so it needs no hazard pointer; retires nothing.
    pub(crate) fn push(&self, node: Owned<T, F>) {
        let mut first = self.load();
        let node = node.into_raw_linked_to(first);
        loop {
            match self.compare_exchange(first, node) {
                // `node`'s link now owns `first`; this link owns `node`.
                Ok(()) => return,
                Err(actual) => {
                    first = actual;
                    // SAFETY: the exchange failed, so `node` is still unpublished and ours.
                    unsafe { (*node).next.set_unpublished(first) };
                }
            }
        }
    }

    /// Sets the link of a node nobody else can see yet (an [`Owned`]).
    #[inline]
    fn set_unpublished(&mut self, ptr: *mut Node<T, F>) {
        self.ptr.store(ptr, Ordering::Relaxed);
    }
}

/// Links `node`, which nobody else can see yet and which is not an [`Owned`] (memory its caller
/// keeps, such as an anchor in its chain's index), to `next`.
///
/// # Safety
///
/// `node` is allocated, initialized, and not published: no other thread reads it.
pub(crate) unsafe fn link_unpublished<T, F>(node: *mut Node<T, F>, next: *mut Node<T, F>) {
    // SAFETY: the caller's promise: this thread alone reaches the node.
    unsafe { (*node).next.set_unpublished(next) };
}

/// Retires `node`, which left its chain, into `F`'s domain, dropping it there (with its value,
/// and its link, which frees nothing) once no hazard pointer protects it.
///
/// # Safety
///
/// `node` was allocated by [`Owned::new`] and was unlinked by the caller's successful
/// compare-and-exchange (invariant 3 of the module documentation): it is retired once, and no new
/// protection of it can be validated.
pub(crate) unsafe fn retire<T: Send + 'static, F: StaticDomain>(node: *mut Node<T, F>) {
    // SAFETY: `node` came from `Owned::new` (a `Box`), was unlinked by the caller and is
    // retired once (the caller's promise); `retire_node::<T, F>` retires it into `F`'s static
    // domain, the domain of every hazard pointer that protects nodes of this family.
    unsafe { crate::reclaim::reclaimer::retire_static(node, F::domain(), retire_node::<T, F>) };
}

/// Retires `node` (a `*mut Node<T, F>`) into `F`'s domain at once.
///
/// # Safety
///
/// As for [`retire`]; in the asymmetric mode, after a heavy barrier that followed its unlink.
unsafe fn retire_node<T: Send + 'static, F: StaticDomain>(node: *mut ()) {
    let node = node.cast::<Node<T, F>>();
    // SAFETY: `node` came from a `Box<Node<T, F>>` (which `Reclaimed` frees as one), left every
    // link a traversal validates against, and is retired once, into `F`'s one domain, the
    // domain of every hazard pointer that protects nodes of this family: the caller's promise and
    // `StaticDomain`'s contract. `F`'s domain is static, and `T: 'static`, so the node stays
    // valid until it is reclaimed. (The batch runs this in a section and counts it.)
    unsafe { crate::reclaim::domain::engine_retire(node, F::domain()) };
}

/// A node that is not published yet: a value of a chain, owned by the caller.
///
/// Made with [`Owned::new`], published (at most once: it is taken by value) by
/// [`Cursor::insert`](crate::Cursor::insert) or [`Head::push_front`]. Until then it is a plain
/// box: read and change its value freely, or take it back with [`into_inner`](Self::into_inner).
/// A failed insertion hands it back, linked to nothing.
///
/// ```
/// use hazptr::{Head, Owned};
///
/// let head: Head<String> = Head::new();
/// let mut node = Owned::new("draft".to_string());
/// node.push_str(" 2");
/// head.push_front(node);
/// assert_eq!(head.cursor().seek(|_| true).map(String::as_str), Some("draft 2"));
/// ```
pub struct Owned<T, F = Global>(Box<Node<T, F>>);

impl<T, F> Owned<T, F> {
    /// A new node holding `value`, linked to nothing.
    #[must_use]
    pub fn new(value: T) -> Self {
        Self(Box::new(Node {
            value,
            next: Link::new(ptr::null_mut()),
        }))
    }

    /// The value, and the node freed.
    #[must_use]
    pub fn into_inner(self) -> T {
        self.0.value
    }

    /// Links the node to `next` and gives up the box: what a publishing compare-and-exchange
    /// stores. [`from_unpublished`](Self::from_unpublished) takes it back if the exchange fails.
    pub(crate) fn into_raw_linked_to(mut self, next: *mut Node<T, F>) -> *mut Node<T, F> {
        self.0.next.set_unpublished(next);
        Box::into_raw(self.0)
    }

    /// The node a failed publication gives back, linked to nothing again.
    ///
    /// # Safety
    ///
    /// `node` came from [`into_raw_linked_to`](Self::into_raw_linked_to) and was not published
    /// (the exchange that would have published it failed), so the caller owns it alone.
    pub(crate) unsafe fn from_unpublished(node: *mut Node<T, F>) -> Self {
        // SAFETY: the caller's promise: a box nobody else knows of.
        let mut node = Self(unsafe { Box::from_raw(node) });
        node.0.next.set_unpublished(ptr::null_mut());
        node
    }
}

impl<T, F> Deref for Owned<T, F> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T, F> DerefMut for Owned<T, F> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0.value
    }
}

impl<T: fmt::Debug, F> fmt::Debug for Owned<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owned").field(&self.0.value).finish()
    }
}

/// The root of a chain of nodes holding `T`s, whose unlinked nodes are retired into `F`'s
/// static domain (the global domain by default, or a
/// [`static_unique_domain!`](crate::static_unique_domain) family): the head of a list, a stack,
/// a hash bucket.
///
/// It owns the chain: dropping it frees every node still linked, at once (every reference into
/// the chain borrows the head, so none is left). Nodes unlinked before were retired and are
/// freed by a later reclamation. Read and change the chain with a [`Cursor`](crate::Cursor)
/// (from [`cursor`](Self::cursor)), which holds at most three hazard pointers however far it
/// walks, look a node up with [`find`](Self::find), and push in front with
/// [`push_front`](Self::push_front).
///
/// With [`Owned`] and [`Cursor`](crate::Cursor), it is a toolkit for linked structures without
/// `unsafe` (Harris–Michael lists, Michael's hash maps) that keeps ownership straight: a node is
/// linked by one link, retired once, by the thread that unlinked it, and freed only when no
/// hazard pointer protects it; the chain left when the head drops is freed with it.
///
/// It is `Send` when `T` is, and `Sync` when `T` is `Send + Sync`: another thread may read the
/// values, and drop the ones it unlinks.
///
/// ```
/// use hazptr::{Head, Owned};
///
/// let stack: Head<u32> = Head::new();
/// stack.push_front(Owned::new(1));
/// stack.push_front(Owned::new(2));
/// let mut cursor = stack.cursor();
/// assert_eq!(cursor.seek(|_| true), Some(&2)); // the first node
/// assert!(cursor.remove());                    // marked, unlinked and retired
/// assert_eq!(cursor.seek(|_| true), Some(&1));
/// ```
///
/// Michael's hash map, with a fixed number of buckets, each a chain sorted by key; its `get`
/// is a [`find`](Self::find), whose guard keeps the entry readable through a removal:
///
/// ```
/// use std::hash::{BuildHasher, Hash, RandomState};
/// use hazptr::{Head, Owned, Protected};
///
/// struct Map<K, V> {
///     buckets: Vec<Head<(K, V)>>,
///     hasher: RandomState,
/// }
///
/// impl<K: Ord + Hash + Send + Sync + 'static, V: Send + Sync + 'static> Map<K, V> {
///     fn new(buckets: usize) -> Self {
///         let buckets = (0..buckets).map(|_| Head::new()).collect();
///         Self { buckets, hasher: RandomState::new() }
///     }
///
///     fn bucket(&self, key: &K) -> &Head<(K, V)> {
///         let len = self.buckets.len() as u64;
///         &self.buckets[(self.hasher.hash_one(key) % len) as usize]
///     }
///
///     /// Inserts if the key is absent; gives the value back if it is present.
///     fn insert(&self, key: K, value: V) -> Result<(), V> {
///         let mut cursor = self.bucket(&key).cursor();
///         let mut node = Owned::new((key, value));
///         loop {
///             if cursor.seek(|(k, _)| *k >= node.0).is_some_and(|(k, _)| *k == node.0) {
///                 return Err(node.into_inner().1);
///             }
///             match cursor.insert(node) {
///                 Ok(()) => return Ok(()),
///                 Err(back) => node = back, // the bucket changed there: seek again
///             }
///         }
///     }
///
///     fn get(&self, key: &K) -> Option<Protected<'_, (K, V)>> {
///         self.bucket(key).find(|(k, _)| k >= key).filter(|entry| entry.0 == *key)
///     }
///
///     fn remove(&self, key: &K) -> bool {
///         let mut cursor = self.bucket(key).cursor();
///         while cursor.seek(|(k, _)| k >= key).is_some_and(|(k, _)| k == key) {
///             if cursor.remove() {
///                 return true;
///             }
///         }
///         false
///     }
/// }
///
/// let map = Map::new(8);
/// std::thread::scope(|s| {
///     for t in 0..2 {
///         let map = &map;
///         s.spawn(move || (0..100).for_each(|k| map.insert(2 * k + t, k).unwrap()));
///     }
/// });
/// let entry = map.get(&7).unwrap();
/// assert!(map.remove(&7));
/// assert_eq!(entry.1, 3); // still readable: the guard protects it
/// assert!(map.get(&7).is_none());
/// assert_eq!(map.insert(8, 0), Err(0));
/// ```
pub struct Head<T, F = Global> {
    link: Link<T, F>,
    /// Owns `Node<T, F>`s (for the drop check), and opts out of the automatic `Send` and `Sync`,
    /// which an `AtomicPtr` would give for every `T`: see the implementations below.
    _owns: PhantomData<(Box<Node<T, F>>, *const ())>,
}

// SAFETY: the head owns its nodes, so sending it sends the `T`s (dropped by the receiver).
unsafe impl<T: Send, F> Send for Head<T, F> {}

// SAFETY: through `&Head`, threads read the `T`s at the same time (`T: Sync`) and retire the
// nodes they unlink, which whichever thread reclaims then drops (`T: Send`).
unsafe impl<T: Send + Sync, F> Sync for Head<T, F> {}

impl<T, F> Head<T, F> {
    /// An empty chain.
    #[must_use]
    pub fn new() -> Self {
        Self {
            link: Link::new(ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// The root link, for the cursor.
    #[inline]
    pub(crate) fn link(&self) -> &Link<T, F> {
        &self.link
    }

    /// Links `first` from the root of a chain nobody else can see yet (`&mut`).
    ///
    /// # Safety
    ///
    /// The chain is empty, and `first` is allocated, initialized and unpublished: its owner
    /// frees it, and the nodes it links, the way it frees this chain's (an anchored chain's
    /// index holds its anchors).
    pub(crate) unsafe fn set_first_unpublished(&mut self, first: *mut Node<T, F>) {
        debug_assert!(
            self.is_empty(),
            "only an empty chain gets a first node this way"
        );
        self.link.set_unpublished(first);
    }

    /// Whether no node is linked now (marked nodes not yet unlinked count as linked).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.link.load().is_null()
    }

    /// Publishes `node` in front of the chain, linked to the node the head held (a Treiber
    /// stack's push). Frees and retires nothing; needs no hazard pointer, since it reads no node.
    pub fn push_front(&self, node: Owned<T, F>) {
        self.link.push(node);
    }
}

impl<T, F> Default for Head<T, F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, F> Drop for Head<T, F> {
    fn drop(&mut self) {
        // `&mut self`: no cursor or guard borrows the head, so no thread reads the chain.
        let mut next = unmarked(self.link.load());
        while !next.is_null() {
            // SAFETY: every node of the chain came from `Owned::new` (a `Box`), is held by exactly
            // one link of the chain (invariant 2: the marked links holding it belong to unlinked
            // nodes, which are not in the chain) and was never retired (invariant 3), so it is
            // freed here once.
            let node = unsafe { Box::from_raw(next) };
            next = unmarked(node.next.load());
            drop(node);
        }
    }
}

impl<T, F> fmt::Debug for Head<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Head")
            .field("first", &unmarked(self.link.load()))
            .finish()
    }
}
