//! The table of a [`HashMap`]: where a key's walk starts (its bucket, or the nearest one made
//! it splits from), the buckets' making and filters, and the table's growth.

use core::hash::{BuildHasher, Hash};
use core::sync::atomic::Ordering;

use super::{EAGER_BYTES, Entry, GROWTH_CHECK, HashMap, LOAD_FACTOR, SMALL, Start, order};
use crate::linked::anchor::{Anchor, AnchoredHead, Indexed};

/// The split-order key of an entry whose key hashes to `hash`: odd, after its bucket's anchor.
#[inline]
pub(super) fn regular_key(hash: u64) -> u64 {
    (hash | 1 << 63).reverse_bits()
}

/// The bits of a hash a bucket number is taken from (its low bits, masked by the caller).
#[inline]
fn low_bits(hash: u64) -> usize {
    // Truncating the hash is intended: callers keep its low bits.
    #[allow(clippy::cast_possible_truncation)]
    let bits = hash as usize;
    bits
}

/// The filter bits of a key hashing to `hash`: two of the bucket filter's bits (a Bloom filter
/// with two probes), picked by the hash's high 16-bit halves (a bucket number takes the low
/// bits), each scaled to the filter's width; they may coincide. Two probes rule out about four
/// times as many absent keys as one while a bucket holds a few keys (the common case at one
/// key per bucket), and fewer once it holds more than about twenty.
#[inline]
fn filter_bits(hash: u64) -> u32 {
    let width = u64::from(AnchoredHead::<u64, ()>::SUMMARY_BITS);
    let probe = |half: u64| 1 << (((half & 0xffff) * width) >> 16);
    probe(hash >> 32) | probe(hash >> 48)
}

/// The split-order key of bucket `bucket`'s anchor: even.
#[inline]
pub(super) fn anchor_key(bucket: usize) -> u64 {
    (bucket as u64).reverse_bits()
}

/// The bucket `bucket` splits from when the table doubles: `bucket` without its highest bit.
#[inline]
pub(super) fn parent(bucket: usize) -> usize {
    bucket & !(1 << (usize::BITS - 1 - bucket.leading_zeros()))
}

/// The chain of a table of `buckets` made for `capacity` entries: the anchors of its first
/// buckets (all of them, as many as [`EAGER_BYTES`] pays for), in split order, each bucket's
/// after the one before; none for a capacity of 0 (`new` allocates nothing).
pub(super) fn made_at_start<K, V>(
    capacity: usize,
    buckets: usize,
) -> AnchoredHead<u64, Entry<K, V>> {
    let anchor = core::mem::size_of::<super::Node<K, V>>() + core::mem::size_of::<usize>();
    let affordable = EAGER_BYTES / anchor;
    if capacity == 0 || affordable == 0 {
        return AnchoredHead::new();
    }
    // A power of two: the buckets of a table that size, which every larger table's split from.
    let made = buckets.min(1 << affordable.ilog2());
    AnchoredHead::split_ordered(made.trailing_zeros(), anchor_key)
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    /// Where an insertion of `key` walks from: the anchor of its bucket, made first if it is not
    /// yet (or, while another thread makes it, the nearest bucket made that it splits from; the
    /// head for bucket 0), with its split-order key. The key's filter bits are set first (see
    /// [`mark`](Self::mark)), before the insertion links anything.
    #[inline]
    pub(super) fn locate_for_insert<Q: Hash + ?Sized>(&self, key: &Q) -> Start<'_, K, V> {
        let hash = self.hasher.hash_one(key);
        let buckets = self.buckets.load(Ordering::Relaxed);
        let bucket = low_bits(hash) & (buckets - 1);
        let anchor = match self.chain.anchor(bucket) {
            Some(anchor) => Some(anchor),
            None => self.make_bucket(bucket),
        };
        self.mark(hash, bucket, buckets);
        (regular_key(hash), anchor)
    }

    /// Where a lookup or a removal of `key` walks from, with its split-order key: the anchor of
    /// its bucket, else of the nearest bucket made that it splits from (a lookup allocates
    /// nothing, and an unmade bucket holds only entries inserted before the table last
    /// doubled, which its parent's walk passes); `None` for the head (no bucket made yet, or
    /// bucket 0 being made). `None` at all when the filter of the bucket it would walk from
    /// rules the key out: the key is absent.
    ///
    /// The filter is used only if every bucket passed on the way was empty: while a bucket is
    /// being made, an insertion may have linked an entry after it that only its filter counts.
    ///
    /// A bucket found empty that the table had from the start ends the lookup too: every
    /// insertion saw a table at least that large, so made the bucket its key's hash ends in
    /// there, with every bucket it splits from, this one included if the key's hash ends in
    /// it; no entry of such a key was ever inserted. (A lookup of an absent key whose bucket is
    /// not made, half of them in a table a quarter empty, then reads one word, not two.)
    #[allow(clippy::inline_always)] // into `get`, `remove` and `update`: every lookup's start
    #[inline(always)]
    pub(super) fn locate<Q: Hash + ?Sized>(&self, key: &Q) -> Option<Start<'_, K, V>> {
        let hash = self.hasher.hash_one(key);
        let buckets = self.buckets.load(Ordering::Relaxed);
        let mut bucket = low_bits(hash) & (buckets - 1);
        let mut filtered = true;
        loop {
            match self.chain.indexed(bucket) {
                Indexed::Ready { anchor, summary } => {
                    let bits = filter_bits(hash);
                    if filtered && summary & bits != bits {
                        return None;
                    }
                    return Some((regular_key(hash), Some(anchor)));
                }
                Indexed::Making { .. } => filtered = false,
                Indexed::Empty if filtered && bucket < self.initial => return None,
                Indexed::Empty => {}
            }
            if bucket == 0 {
                return Some((regular_key(hash), None));
            }
            bucket = parent(bucket);
        }
    }

    /// Sets `hash`'s filter bits in its bucket `bucket` (of a table of `buckets`) and in every
    /// bucket it splits into on `hash`'s way that is made or being made (they are made
    /// parent first, so the first one empty ends the way).
    ///
    /// Why no lookup misses an entry, as long as it walks from a bucket made whose filter it
    /// may use (see [`locate`](Self::locate)): the entry's insertion set its bits (before
    /// linking it) in its bucket, which a later lookup passes or walks from, and in every
    /// bucket made by then that the lookup could walk from instead. A bucket made later, which
    /// this loop found empty, copies its ancestors' filters once it is being made
    /// ([`inherited`](Self::inherited)); and of "set the bits here, then find that bucket empty"
    /// and "start making that bucket, then read the filter here", at least one sees the other
    /// (the index fences both: [`AnchoredHead::add_summary`]).
    fn mark(&self, hash: u64, bucket: usize, buckets: usize) {
        let bits = filter_bits(hash);
        self.chain.add_summary(bucket, bits);
        let (mut mask, mut at) = (buckets - 1, bucket);
        while mask != usize::MAX {
            mask = mask << 1 | 1;
            let next = low_bits(hash) & mask;
            if next != at {
                if !self.chain.add_summary(next, bits) {
                    return;
                }
                at = next;
            }
        }
    }

    /// The filter a bucket being made starts with: its ancestors', up to the nearest one made
    /// (their entries that follow its anchor count in its filter from then on). None for a
    /// bucket the table had from the start: every insertion saw a table at least that large,
    /// so an entry whose hash ends in this bucket was inserted through it or a bucket that
    /// splits from it, never through an ancestor (whose own entries' bits would only make the
    /// filter rule out fewer keys).
    fn inherited(&self, mut bucket: usize) -> u32 {
        if bucket < self.initial {
            return 0;
        }
        let mut bits = 0;
        while bucket != 0 {
            bucket = parent(bucket);
            match self.chain.indexed(bucket) {
                Indexed::Ready { summary, .. } => return bits | summary,
                Indexed::Making { summary } => bits |= summary,
                Indexed::Empty => {}
            }
        }
        bits
    }

    /// Makes bucket `bucket`'s anchor (its parents' first), linked after its parent's, with its
    /// [inherited](Self::inherited) filter: the anchor, or where to walk from instead while
    /// another thread is making it (its parent's anchor; `None`, the head, for bucket 0).
    #[cold]
    #[inline(never)]
    fn make_bucket(&self, bucket: usize) -> Option<Anchor<'_, u64, Entry<K, V>>> {
        let from = if bucket == 0 {
            None
        } else {
            let parent = parent(bucket);
            match self.chain.anchor(parent) {
                Some(anchor) => Some(anchor),
                None => self.make_bucket(parent),
            }
        };
        let key = anchor_key(bucket);
        self.chain
            .make_anchor_summarized(
                bucket,
                key,
                from,
                |item| order(item) >= key,
                || self.inherited(bucket),
            )
            .or(from)
    }

    /// Doubles the table, from `buckets`, while it holds more than [`LOAD_FACTOR`] of the `len`
    /// entries per bucket.
    #[cold]
    #[inline(never)]
    pub(super) fn grow(&self, len: usize, mut buckets: usize) {
        while len > buckets.saturating_mul(LOAD_FACTOR) && buckets < 1 << (usize::BITS - 2) {
            match self.buckets.compare_exchange(
                buckets,
                buckets * 2,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => buckets *= 2,
                Err(now) => buckets = now,
            }
        }
    }

    /// Counts an insertion, and grows the table if it is due (the length summed once).
    #[inline]
    pub(super) fn inserted(&self) {
        let stripe = self.len.add(1);
        let buckets = self.buckets.load(Ordering::Relaxed);
        if stripe % GROWTH_CHECK == 0 || buckets < SMALL {
            let len = self.len.sum();
            if len > buckets.saturating_mul(LOAD_FACTOR) {
                self.grow(len, buckets);
            }
        }
    }
}
