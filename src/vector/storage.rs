//! The vector's storage, shared by [`Vector`](super::Vector) and its raw-`haphazard` baseline:
//! elements encoded as 64 bits, tagged slots, and the buckets that hold them. Nothing here is
//! reclaimed through hazard pointers: buckets live as long as the vector.

use core::ptr;
use std::sync::atomic::Ordering;

use bytemuck::NoUninit;

#[cfg(loom)]
use loom::sync::atomic::AtomicPtr;
#[cfg(not(loom))]
use std::sync::atomic::AtomicPtr;

/// The most buckets a vector has; bucket `i` holds `FIRST_BUCKET_LEN << i` slots.
pub const BUCKETS: usize = 60;

/// The length of bucket 0.
const FIRST_BUCKET_LEN: usize = 8;

/// The most elements a vector holds: `8 · (2^60 − 1)` on 64-bit targets, which fill all
/// `BUCKETS`; half the address space on smaller ones.
pub const MAX_LEN: usize = (usize::MAX >> 1) - (FIRST_BUCKET_LEN - 1);

/// What a vector can hold: a `Copy` type without padding or uninitialised bytes
/// ([`bytemuck::NoUninit`]), that may move between threads, of at most 8 bytes.
///
/// The size limit is checked when a vector of the type is built (`Vector::new`): a larger type
/// fails to compile there with "vector elements are at most 8 bytes". A padded type, such as
/// `(u8, u16)`, fails the `NoUninit` bound: its padding bytes cannot be read as integers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a vector element",
    label = "not a `Copy` type of at most 8 bytes without padding",
    note = "vector elements are `Copy + Send` and free of padding (`bytemuck::NoUninit`): add explicit fields for the padding, or store the value elsewhere and push an index"
)]
pub trait Element: Copy + NoUninit + Send {
    /// Fails to evaluate, so fails the build, for a type larger than a slot's 8 bytes. One
    /// constant per type, so a vector of a too large type reports one error, wherever it is
    /// used first.
    #[doc(hidden)]
    const FITS_IN_A_SLOT: () = assert!(
        size_of::<Self>() <= 8,
        "vector elements are at most 8 bytes: store a larger value behind an index or a pointer"
    );
}

impl<T: Copy + NoUninit + Send> Element for T {}

/// The 64 bits that represent `value` in a slot (its bytes, then zeros).
#[inline]
pub(crate) fn to_bits<T: Element>(value: T) -> u64 {
    let () = T::FITS_IN_A_SLOT;
    let mut bytes = [0; 8];
    bytes[..size_of::<T>()].copy_from_slice(bytemuck::bytes_of(&value));
    u64::from_ne_bytes(bytes)
}

/// The value that [`to_bits`] turned into `bits`.
///
/// # Safety
///
/// `bits` was returned by `to_bits::<T>` (so its first `size_of::<T>()` bytes are a valid `T`).
#[inline]
pub(crate) unsafe fn from_bits<T: Element>(bits: u64) -> T {
    let () = T::FITS_IN_A_SLOT;
    let bytes = bits.to_ne_bytes();
    // SAFETY: `T` fits in the 8 bytes (checked above); they start with the bytes of a valid `T`
    // (the caller's promise), and `read_unaligned` needs no alignment. `T: Copy`, so reading it
    // out of a byte copy is a plain copy.
    unsafe { ptr::read_unaligned(bytes.as_ptr().cast::<T>()) }
}

/// What a slot holds: an element's bits and the sequence number of the write that stored them.
///
/// The tag makes a helper's compare-and-swap ABA-free: a slot's tag only grows (each write
/// stores the sequence number of its descriptor, and descriptors are numbered in the order they
/// are installed), so a slow helper whose expected value was overwritten can never see it come
/// back, even when the same element is pushed again at the same index.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Tagged {
    /// The sequence number of the write that stored `bits` (0: never written).
    pub tag: u64,
    /// The element, as [`to_bits`] encodes it.
    pub bits: u64,
}

impl Tagged {
    fn pack(self) -> u128 {
        (u128::from(self.tag) << 64) | u128::from(self.bits)
    }

    #[allow(clippy::cast_possible_truncation)] // the truncations split the halves on purpose
    fn unpack(word: u128) -> Self {
        Self {
            tag: (word >> 64) as u64,
            bits: word as u64,
        }
    }
}

/// One element's place: a 128-bit atomic holding a [`Tagged`] value.
///
/// `portable_atomic::AtomicU128` is lock-free on x86-64 (`cmpxchg16b`, detected at run time) and
/// aarch64. Under `--cfg loom`, where no 128-bit atomic exists, a slot is a loom `Mutex`, so that
/// loom models still see (and permute) every slot access.
pub struct Slot {
    #[cfg(not(loom))]
    word: portable_atomic::AtomicU128,
    #[cfg(loom)]
    word: loom::sync::Mutex<u128>,
}

impl Slot {
    fn new() -> Self {
        #[cfg(not(loom))]
        let word = portable_atomic::AtomicU128::new(0);
        #[cfg(loom)]
        let word = loom::sync::Mutex::new(0);
        Self { word }
    }

    /// The slot's current value.
    #[inline]
    pub fn load(&self) -> Tagged {
        #[cfg(not(loom))]
        let word = self.word.load(Ordering::Acquire);
        #[cfg(loom)]
        let word = *self.word.lock().expect("a slot's lock is never poisoned");
        Tagged::unpack(word)
    }

    /// Stores `new` if the slot still holds `current`; `true` if it did.
    #[inline]
    pub fn compare_exchange(&self, current: Tagged, new: Tagged) -> bool {
        #[cfg(not(loom))]
        {
            self.word
                .compare_exchange(
                    current.pack(),
                    new.pack(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        }
        #[cfg(loom)]
        {
            let mut word = self.word.lock().expect("a slot's lock is never poisoned");
            let swapped = *word == current.pack();
            if swapped {
                *word = new.pack();
            }
            swapped
        }
    }
}

/// The two-level storage: up to `BUCKETS` buckets, bucket `i` holding `8 · 2^i` slots, each
/// allocated on first use and installed once by compare-and-swap from null. Buckets are never
/// replaced, so a slot reference lives as long as the `Buckets`; they are freed by its `Drop`.
pub struct Buckets {
    /// Each non-null pointer is the first slot of a `Box<[Slot]>` of `bucket_len(i)` slots,
    /// leaked into the pointer and owned by `self`.
    heads: [AtomicPtr<Slot>; BUCKETS],
}

/// The number of slots in bucket `bucket`.
const fn bucket_len(bucket: usize) -> usize {
    FIRST_BUCKET_LEN << bucket
}

/// The bucket and the offset in it of element `index` (the paper's `hibit` arithmetic).
fn position(index: usize) -> (usize, usize) {
    assert!(
        index < MAX_LEN,
        "vector index {index} is beyond its capacity {MAX_LEN}"
    );
    let shifted = index + FIRST_BUCKET_LEN;
    let high_bit = usize::BITS - 1 - shifted.leading_zeros();
    let bucket = high_bit - FIRST_BUCKET_LEN.trailing_zeros();
    (bucket as usize, shifted ^ (1 << high_bit))
}

impl Buckets {
    /// No bucket allocated yet.
    pub fn new() -> Self {
        Self {
            heads: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// The slot of element `index`, if its bucket is allocated.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`MAX_LEN`].
    #[inline]
    pub fn slot(&self, index: usize) -> Option<&Slot> {
        let (bucket, offset) = position(index);
        let head = self.heads[bucket].load(Ordering::Acquire);
        if head.is_null() {
            return None;
        }
        // SAFETY: a non-null head is the first of `bucket_len(bucket)` initialised slots (the
        // `Acquire` load pairs with the `AcqRel` exchange that published them), freed only by
        // `Drop`, which cannot run while `&self` is borrowed; `offset < bucket_len(bucket)` by
        // `position`'s arithmetic.
        Some(unsafe { &*head.add(offset) })
    }

    /// The slot of element `index`, whose bucket is allocated (every index below a vector's size,
    /// or at a pending write, has its bucket).
    ///
    /// # Panics
    ///
    /// If the bucket is not allocated: the vector's invariant is broken.
    #[inline]
    pub fn element(&self, index: usize) -> &Slot {
        self.slot(index)
            .expect("the bucket of every element and pending write is allocated")
    }

    /// The slot of element `index`, allocating its bucket if needed.
    ///
    /// # Panics
    ///
    /// If `index` is not below [`MAX_LEN`].
    #[inline]
    pub fn slot_or_allocate(&self, index: usize) -> &Slot {
        if let Some(slot) = self.slot(index) {
            return slot;
        }
        self.allocate(position(index).0);
        self.slot(index).expect("`allocate` installed the bucket")
    }

    /// Allocates every bucket that elements `0..len` need.
    ///
    /// # Panics
    ///
    /// If `len` exceeds [`MAX_LEN`].
    pub fn reserve(&self, len: usize) {
        if let Some(last) = len.checked_sub(1) {
            let (last_bucket, _) = position(last);
            for bucket in 0..=last_bucket {
                if self.heads[bucket].load(Ordering::Acquire).is_null() {
                    self.allocate(bucket);
                }
            }
        }
    }

    /// The number of slots allocated so far.
    pub fn capacity(&self) -> usize {
        (0..BUCKETS)
            .filter(|&bucket| !self.heads[bucket].load(Ordering::Acquire).is_null())
            .map(bucket_len)
            .sum()
    }

    /// Installs bucket `bucket` unless another thread did first (then frees this thread's).
    #[cold]
    fn allocate(&self, bucket: usize) {
        let slots: Box<[Slot]> = (0..bucket_len(bucket)).map(|_| Slot::new()).collect();
        let head = Box::into_raw(slots).cast::<Slot>();
        if self.heads[bucket]
            .compare_exchange(ptr::null_mut(), head, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: `head` came from `Box::into_raw` of a slice of `bucket_len(bucket)` slots
            // just above, and losing the race means it was never published.
            drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(head, bucket_len(bucket))) });
        }
    }
}

impl Default for Buckets {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Buckets {
    fn drop(&mut self) {
        for (bucket, head) in self.heads.iter().enumerate() {
            let head = head.load(Ordering::Relaxed);
            if !head.is_null() {
                // SAFETY: a non-null head came from `Box::into_raw` of `bucket_len(bucket)`
                // slots in `allocate`; `&mut self` means no slot reference is alive, and each
                // head is freed once.
                drop(unsafe {
                    Box::from_raw(ptr::slice_from_raw_parts_mut(head, bucket_len(bucket)))
                });
            }
        }
    }
}
