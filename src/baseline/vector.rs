//! [`crate::vector::Vector`] written against raw `haphazard`: the same algorithm, storage
//! (`Buckets`) and descriptors, with the hazard-pointer handling the derive generates there
//! written by hand here: a `HazardPointer` per operation, the `unsafe` `AtomicPtr::load`, the
//! `Acquire` fence and `unsafe` retirement after an exchange, and a `Drop` that retires the last
//! descriptor.

use core::marker::PhantomData;
use core::ptr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use haphazard::{AtomicPtr, Domain, HazardPointer};

use crate::vector::{
    Buckets, Checkpoint, Counters, Descriptor, DescriptorCounters, Element, Hook, NoHook, Tagged,
    WriteDescriptor, from_bits, to_bits,
};

#[cfg(loom)]
use loom::sync::atomic::fence;
#[cfg(not(loom))]
use std::sync::atomic::fence;

/// The family of every baseline vector's own domain.
pub struct BaselineFamily;

/// The lock-free vector of [`crate::vector`], with hand-written hazard-pointer code.
pub struct Vector<T, H = NoHook> {
    domain: Domain<BaselineFamily>,
    /// Never null; every value is protected by hazard pointers of `domain` and retired into it.
    descriptor: AtomicPtr<Descriptor, BaselineFamily>,
    buckets: Buckets,
    counters: Arc<Counters>,
    hook: H,
    /// `Send` and `Sync` exactly when `T: Send`, as in [`crate::vector::Vector`].
    element: PhantomData<std::sync::Mutex<T>>,
}

impl<T: Element> Default for Vector<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Element> Vector<T> {
    /// An empty vector.
    #[must_use]
    pub fn new() -> Self {
        Self::with_hook(NoHook)
    }
}

impl<T: Element, H: Hook> Vector<T, H> {
    /// An empty vector that reports its checkpoints to `hook`. Test instrumentation only.
    #[doc(hidden)]
    pub fn with_hook(hook: H) -> Self {
        let () = T::FITS_IN_A_SLOT;
        let counters = Arc::new(Counters::default());
        Self {
            domain: Domain::new(&BaselineFamily),
            descriptor: AtomicPtr::from(Box::new(Descriptor::new(0, 0, None, &counters))),
            buckets: Buckets::new(),
            counters,
            hook,
            element: PhantomData,
        }
    }

    /// A hazard pointer of this vector's domain.
    fn hazard(&self) -> HazardPointer<'_, BaselineFamily> {
        HazardPointer::new_in_domain(&self.domain)
    }

    /// The current descriptor, protected by `hazard`.
    fn protect<'hp>(&self, hazard: &'hp mut HazardPointer<'_, BaselineFamily>) -> &'hp Descriptor {
        // SAFETY: descriptors of this field are retired only into `self.domain` (by `install`
        // and `Drop`), and `hazard` is a hazard pointer of `self.domain`.
        unsafe { self.descriptor.load(hazard) }.expect("the descriptor is never null")
    }

    /// Replaces `current` by `next` and retires it, or gives `next` back.
    fn install(&self, current: &Descriptor, next: Box<Descriptor>) -> Result<(), Box<Descriptor>> {
        let replaced = self
            .descriptor
            .compare_exchange(ptr::from_ref(current).cast_mut(), next)?
            .expect("the descriptor is never null");
        // `compare_exchange` only releases: acquire what the thread that installed `current`
        // wrote, before another thread reclaims it.
        fence(Ordering::Acquire);
        self.counters.retired.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the exchange unlinked `current`, so no new protection of it can validate; only
        // this thread's exchange got it, so it is retired once; its domain is `self.domain`.
        unsafe { replaced.retire_in(&self.domain) };
        Ok(())
    }

    /// Appends `value`.
    ///
    /// # Panics
    ///
    /// If the vector is full, or a bucket cannot be allocated.
    pub fn push(&self, value: T) {
        let bits = to_bits(value);
        let mut hazard = self.hazard();
        let mut spare = None;
        loop {
            let current = self.protect(&mut hazard);
            current.complete_write(&self.buckets, &self.hook);
            let location = current.size;
            let old = self.buckets.slot_or_allocate(location).load();
            let new = Tagged {
                tag: current.seq + 1,
                bits,
            };
            let write = WriteDescriptor::new(location, old, new);
            let next = current.successor(location + 1, Some(write), spare.take());
            match self.install(current, next) {
                Ok(()) => {
                    self.hook.reached(Checkpoint::PushInstalled { location });
                    self.protect(&mut hazard)
                        .complete_write(&self.buckets, &self.hook);
                    return;
                }
                Err(unused) => spare = Some(unused),
            }
        }
    }

    /// Removes and returns the last element, or `None` if the vector is empty.
    pub fn pop(&self) -> Option<T> {
        let mut hazard = self.hazard();
        let mut spare = None;
        loop {
            let current = self.protect(&mut hazard);
            current.complete_write(&self.buckets, &self.hook);
            let Some(location) = current.size.checked_sub(1) else {
                if let Some(spare) = spare {
                    self.counters.discarded.fetch_add(1, Ordering::Relaxed);
                    drop(spare);
                }
                return None;
            };
            let last = self.buckets.element(location).load();
            let next = current.successor(location, None, spare.take());
            match self.install(current, next) {
                // SAFETY: as in `crate::vector::Vector::pop`: the slot below the size holds
                // `to_bits::<T>` of the element pushed there, unchanged since it was read.
                Ok(()) => return Some(unsafe { from_bits(last.bits) }),
                Err(unused) => spare = Some(unused),
            }
        }
    }

    /// The element at `index`, or `None` if `index` is out of bounds.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<T> {
        let mut hazard = self.hazard();
        let current = self.protect(&mut hazard);
        if index >= current.size {
            return None;
        }
        current.complete_write(&self.buckets, &self.hook);
        let bits = self.buckets.element(index).load().bits;
        // SAFETY: as in `crate::vector::Vector::get`: `index` is below the size and its write is
        // complete, so the slot holds `to_bits::<T>` of an element.
        Some(unsafe { from_bits(bits) })
    }

    /// The number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.protect(&mut self.hazard()).size
    }

    /// Whether the vector has no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Allocates the buckets that `len` elements need in total.
    pub fn reserve(&self, len: usize) {
        self.buckets.reserve(len);
    }

    /// The number of elements the allocated buckets hold.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.buckets.capacity()
    }

    /// Frees the retired descriptors no thread protects any more; returns how many it freed.
    pub fn reclaim(&self) -> usize {
        self.domain.eager_reclaim()
    }

    /// A handle on this vector's descriptor counts, which stays readable after the vector drops.
    #[must_use]
    pub fn descriptor_counters(&self) -> DescriptorCounters {
        DescriptorCounters::new(&self.counters)
    }
}

impl<T, H> Drop for Vector<T, H> {
    fn drop(&mut self) {
        let last = self.descriptor.load_ptr();
        self.counters.retired.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the field owns `last` (never null) and is never used again (`&mut self`,
        // dropping), so it is retired once, into the domain of every protection of it;
        // `self.domain`, dropped right after, frees it.
        unsafe {
            self.domain.retire_ptr::<Descriptor, Box<Descriptor>>(last);
        }
    }
}
