//! The vector's storage, shared by [`Vector`](super::Vector) and its raw-`haphazard` baseline:
//! elements as 8 possibly-uninitialised bytes, tagged slots, and the buckets that hold them.
//! Nothing here is reclaimed through hazard pointers: buckets live as long as the vector.

#[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
mod cmpxchg16b;

use core::fmt;
use core::mem::MaybeUninit;
use core::ptr;
use std::sync::atomic::Ordering;

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

/// What a vector can hold: any `Copy` type of at most 8 bytes.
///
/// Padding is fine (`(u8, u16)`, `Option<u32>`, a struct of a `u8` and a `u32`), and so are
/// zero-sized types and any alignment: a slot keeps an element's bytes as they are, uninitialised
/// padding included, and never reads them as an integer.
///
/// The size limit is checked when a vector of the type is built (`Vector::new`): a larger type
/// fails to compile there with "vector elements are at most 8 bytes". A vector of a type that
/// may not move between threads (a raw pointer, say) works, but stays on its thread: a vector is
/// `Send` and `Sync` only when its elements are `Send`, since any thread sharing it may pop
/// them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a vector element",
    label = "not a `Copy` type",
    note = "vector elements are `Copy` values of at most 8 bytes (padding allowed), copied in and out of their slots: store any other value elsewhere and push an index to it"
)]
pub trait Element: Copy {
    /// Fails to evaluate, so fails the build, for a type larger than a slot's 8 bytes. One
    /// constant per type, so a vector of a too large type reports one error, wherever it is
    /// used first.
    #[doc(hidden)]
    const FITS_IN_A_SLOT: () = assert!(
        size_of::<Self>() <= 8,
        "vector elements are at most 8 bytes: store a larger value behind an index or a pointer"
    );
}

impl<T: Copy> Element for T {}

/// An element's 8 bytes in a slot: its own bytes, then zeros.
///
/// The bytes under an element's padding are uninitialised, so `Bits` is a `MaybeUninit`: it is
/// copied, stored and loaded as it is, and read back only as the element ([`from_bits`]), never
/// as an integer (which would be undefined behaviour) and never compared.
#[derive(Clone, Copy)]
pub struct Bits(MaybeUninit<u64>);

impl fmt::Debug for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bytes may be uninitialised: they cannot be printed.
        f.write_str("Bits(..)")
    }
}

/// The [`Bits`] that represent `value` in a slot.
#[inline]
pub(crate) fn to_bits<T: Element>(value: T) -> Bits {
    let () = T::FITS_IN_A_SLOT;
    let mut bits = MaybeUninit::<u64>::zeroed();
    // SAFETY: `T` fits in the 8 bytes of `bits` (checked above), and `write_unaligned` needs no
    // alignment. The bytes it writes under `T`'s padding become uninitialised, which
    // `MaybeUninit` allows.
    unsafe { bits.as_mut_ptr().cast::<T>().write_unaligned(value) };
    Bits(bits)
}

/// The value that [`to_bits`] turned into `bits`.
///
/// # Safety
///
/// `bits` was returned by `to_bits::<T>`, possibly copied through a slot since (so its first
/// `size_of::<T>()` bytes are a valid `T`).
#[inline]
pub(crate) unsafe fn from_bits<T: Element>(bits: Bits) -> T {
    let () = T::FITS_IN_A_SLOT;
    // SAFETY: `T` fits in the 8 bytes (checked above); they start with the bytes of a valid `T`,
    // uninitialised exactly where `T` has padding (the caller's promise; copies and slots keep
    // bytes as they are), and `read_unaligned` needs no alignment. `T: Copy`, so reading it out
    // of a copy of its bytes is a plain copy.
    unsafe { bits.0.as_ptr().cast::<T>().read_unaligned() }
}

/// What a slot holds: an element's bits and the sequence number of the write that stored them.
///
/// The tag makes a helper's compare-and-swap ABA-free: a slot's tag only grows (each write
/// stores the sequence number of its descriptor, and descriptors are numbered in the order they
/// are installed), so a slow helper whose expected value was overwritten can never see it come
/// back, even when the same element is pushed again at the same index.
///
/// The tag also names the bits: one write stores one `new` value, whichever thread makes it, and
/// tag 0 (never written) goes with zeros. So two slot values with the same tag are the same
/// value, and comparing tags compares values, which `Bits` cannot do.
#[derive(Clone, Copy, Debug)]
pub struct Tagged {
    /// The sequence number of the write that stored `bits` (0: never written).
    pub tag: u64,
    /// The element, as [`to_bits`] encodes it.
    pub bits: Bits,
}

impl Tagged {
    /// A never-written slot's value.
    const EMPTY: Self = Self {
        tag: 0,
        bits: Bits(MaybeUninit::new(0)),
    };
}

/// One element's place: a [`Tagged`] value, read and compare-and-swapped as one.
///
/// The element's bytes may be uninitialised (padding), so no integer atomic can hold them. On
/// x86-64 a slot is 16 bytes accessed by `lock cmpxchg16b` in inline assembly (`cmpxchg16b.rs`,
/// which says why no library type fits), lock-free. Where that assembly does not run, the slot
/// is a lock around the value: under Miri (which cannot execute inline assembly) and other
/// architectures a `std` `Mutex`, under `--cfg loom` (which has no 128-bit atomic) a loom
/// `Mutex`, so that loom models still see (and permute) every slot access. The algorithm is
/// the same on every path.
pub struct Slot {
    #[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
    word: cmpxchg16b::AtomicHalves,
    #[cfg(loom)]
    word: loom::sync::Mutex<Tagged>,
    #[cfg(all(not(loom), any(miri, not(target_arch = "x86_64"))))]
    word: std::sync::Mutex<Tagged>,
}

#[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
impl Tagged {
    /// The two halves of a slot word: the bits at the lower address, then the tag.
    fn pack(self) -> cmpxchg16b::Halves {
        [self.bits.0, MaybeUninit::new(self.tag)]
    }

    /// The value [`pack`](Self::pack) turned into `halves`.
    fn unpack(halves: cmpxchg16b::Halves) -> Self {
        Self {
            // SAFETY: a slot word only ever holds halves made by `pack` (`Slot::new` stores
            // `EMPTY`'s, a swap stores `new`'s), and `pack` puts an initialised `u64` (`tag`) in
            // the upper half; loads and swaps move the bytes as they are.
            tag: unsafe { halves[1].assume_init() },
            bits: Bits(halves[0]),
        }
    }
}

impl Slot {
    fn new() -> Self {
        #[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
        let word = cmpxchg16b::AtomicHalves::new(Tagged::EMPTY.pack());
        #[cfg(loom)]
        let word = loom::sync::Mutex::new(Tagged::EMPTY);
        #[cfg(all(not(loom), any(miri, not(target_arch = "x86_64"))))]
        let word = std::sync::Mutex::new(Tagged::EMPTY);
        Self { word }
    }

    /// The slot's current value.
    #[inline]
    pub fn load(&self) -> Tagged {
        #[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
        {
            Tagged::unpack(self.word.load())
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri), not(loom))))]
        {
            *self.word.lock().expect("a slot's lock is never poisoned")
        }
    }

    /// Stores `new` if the slot still holds `current` (a value loaded from this slot); `true` if
    /// it did.
    ///
    /// Values are compared by tag (see [`Tagged`]): the lock path compares tags only. The
    /// atomic path compares all 16 bytes, uninitialised ones as whatever bits the CPU holds;
    /// `current` was loaded from the slot, so an unchanged slot holds those very bits and the
    /// swap succeeds. Should a swap ever fail with `current`'s tag still in the slot, only
    /// uninitialised bytes differed: it is retried with what the slot held, so the result
    /// depends on the tag alone.
    #[inline]
    pub fn compare_exchange(&self, current: Tagged, new: Tagged) -> bool {
        #[cfg(all(target_arch = "x86_64", not(miri), not(loom)))]
        {
            let mut expected = current.pack();
            loop {
                match self.word.compare_exchange(expected, new.pack()) {
                    Ok(_) => return true,
                    Err(held) => {
                        let held = Tagged::unpack(held);
                        if held.tag != current.tag {
                            return false;
                        }
                        expected = held.pack();
                    }
                }
            }
        }
        #[cfg(not(all(target_arch = "x86_64", not(miri), not(loom))))]
        {
            let mut word = self.word.lock().expect("a slot's lock is never poisoned");
            let swapped = word.tag == current.tag;
            if swapped {
                *word = new;
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
