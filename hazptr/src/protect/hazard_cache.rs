//! Static domains ([`StaticDomain`]: the global domain and every `static_unique_domain!` family)
//! and their per-thread cache of hazard pointers, one per family.
//!
//! `haphazard` hands out a hazard pointer by taking a record from a domain-wide list guarded by
//! a lock bit (2.5 ns uncontended on our machines, several times more when threads contend) and
//! gives it back on drop. Guards are created on every read, so hazptr keeps a few released
//! hazard pointers per thread and reuses them. A cached hazard pointer protects nothing (its
//! protection is reset before it is cached).
//!
//! The cache sits on the read path of every guard, so it is built to cost a handful of plain
//! loads and stores:
//!
//! - it is a `const`-initialised thread-local whose type needs no `Drop` (the hazard pointers are
//!   held in `MaybeUninit` and `ManuallyDrop`), so reaching it is a plain thread-local address,
//!   with no lazy initialisation or destructor-state check;
//! - the most recently released hazard pointer sits in its own slot, `top`, whose state byte is
//!   the only thing a guard tests: taking is a byte test, two loads and a byte store; returning
//!   is a byte test, two stores and a byte store. The state byte also blocks the slot while the
//!   cache is not open (see below), so a release needs no second check;
//! - several hazard pointers (a `protected!` block with several bindings) are taken and returned
//!   in one thread-local access each way.
//!
//! The records must still go back to the domain when the thread exits. The first time a thread
//! caches a hazard pointer (a cold path), it also touches a second thread-local, [`DrainAtExit`],
//! whose destructor empties the cache and closes it: a hazard pointer released after that (by a
//! guard dropped in another thread-local's destructor) is dropped instead of cached. A thread
//! whose first caching happens in another thread-local's destructor registers [`DrainAtExit`]
//! then, and std runs it after the destructor that registered it; were the registration refused
//! (`DrainAtExit` already destroyed), the cache would close instead of opening.

use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};

use haphazard::HazardPointer;

use crate::reclaim::domain::{Domain, Global};

/// How many released hazard pointers a thread keeps per domain family.
///
/// Every cached hazard pointer keeps a hazard record of the domain busy, and reclamation scans
/// all records, so the cache stays small: enough for a `protected!` block with several bindings
/// plus a few guards held at once.
pub(crate) const CACHE_CAPACITY: usize = 8;

/// A cached hazard pointer: `ManuallyDrop` so that the cache itself needs no destructor (see the
/// module documentation); [`HazardCache::drain_and_close`] drops what is left.
type Cached<F> = Cell<Option<ManuallyDrop<HazardPointer<'static, F>>>>;

/// The released hazard pointers of one thread, for one domain family.
///
/// Used only through [`StaticDomain::with_cache`]; users never name it.
#[doc(hidden)]
pub struct HazardCache<F: StaticDomain> {
    /// The most recently released hazard pointer, when `top_state` is [`TOP_FULL`].
    top: Cell<MaybeUninit<HazardPointer<'static, F>>>,
    /// [`TOP_EMPTY`], [`TOP_FULL`] or [`TOP_BLOCKED`]: the one byte a guard's release tests.
    top_state: Cell<u8>,
    /// How many of `rest` are filled (from the start).
    len: Cell<usize>,
    rest: [Cached<F>; CACHE_CAPACITY - 1],
    /// [`UNREGISTERED`], [`OPEN`] or [`CLOSED`].
    state: Cell<u8>,
}

/// `top` holds nothing; a release may put its hazard pointer there.
const TOP_EMPTY: u8 = 0;
/// `top` holds a hazard pointer.
const TOP_FULL: u8 = 1;
/// The cache is not open ([`UNREGISTERED`] or [`CLOSED`]): every release takes the cold path,
/// which opens the cache or refuses the hazard pointer. This folds the state check into the test
/// of `top` that a release makes anyway.
const TOP_BLOCKED: u8 = 2;

/// Nothing cached yet; the thread's [`DrainAtExit`] is not registered.
const UNREGISTERED: u8 = 0;
/// Caching: the thread's [`DrainAtExit`] will drain the cache when the thread exits.
const OPEN: u8 = 1;
/// Drained at thread exit: nothing is cached any more.
const CLOSED: u8 = 2;

impl<F: StaticDomain> HazardCache<F> {
    /// An empty cache (usable in a `const` thread-local initialiser).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            top: Cell::new(MaybeUninit::uninit()),
            top_state: Cell::new(TOP_BLOCKED),
            len: Cell::new(0),
            rest: [const { Cell::new(None) }; CACHE_CAPACITY - 1],
            state: Cell::new(UNREGISTERED),
        }
    }

    /// The hazard pointer on top of the cache, if there is one.
    #[inline]
    fn take_top(&self) -> Option<HazardPointer<'static, F>> {
        if self.top_state.get() != TOP_FULL {
            return None;
        }
        self.top_state.set(TOP_EMPTY);
        // SAFETY: `TOP_FULL` means that `top` holds a hazard pointer; the state is now empty, so
        // it is moved out once.
        Some(unsafe { self.top.replace(MaybeUninit::uninit()).assume_init() })
    }

    /// Takes a cached hazard pointer, if there is one: the top one, else the newest of the rest.
    #[inline]
    fn pop(&self) -> Option<HazardPointer<'static, F>> {
        self.take_top().or_else(|| self.pop_rest())
    }

    /// Takes the newest hazard pointer below the top, if there is one.
    #[inline]
    fn pop_rest(&self) -> Option<HazardPointer<'static, F>> {
        let len = self.len.get().checked_sub(1)?;
        self.len.set(len);
        self.rest.get(len)?.take().map(ManuallyDrop::into_inner)
    }

    /// Caches `hazard`; hands it back if the cache is closed.
    #[inline]
    fn push(&self, hazard: HazardPointer<'static, F>) -> Option<HazardPointer<'static, F>> {
        if self.top_state.get() != TOP_EMPTY {
            return self.push_cold(hazard);
        }
        self.put_on_top(hazard);
        None
    }

    /// Puts `hazard` in the empty top slot.
    #[inline]
    fn put_on_top(&self, hazard: HazardPointer<'static, F>) {
        debug_assert_eq!(self.top_state.get(), TOP_EMPTY);
        self.top.set(MaybeUninit::new(hazard));
        self.top_state.set(TOP_FULL);
    }

    /// [`push`](Self::push) when the top slot is not empty: moves the top hazard pointer below
    /// it (or drops it, if the rest is full), or opens the cache, then caches `hazard` on top;
    /// hands `hazard` back if the cache is closed.
    #[cold]
    #[inline(never)]
    fn push_cold(&self, hazard: HazardPointer<'static, F>) -> Option<HazardPointer<'static, F>> {
        if let Some(displaced) = self.take_top() {
            let len = self.len.get();
            match self.rest.get(len) {
                Some(free) => {
                    free.set(Some(ManuallyDrop::new(displaced)));
                    self.len.set(len + 1);
                }
                None => drop_hazard(displaced),
            }
        } else if !self.open() {
            return Some(hazard);
        }
        self.put_on_top(hazard);
        None
    }

    /// Caches the hazard pointers in `hazards`, from the first, as long as there is room, moving
    /// each out; returns how many it cached (0 if the cache is closed). No value with a
    /// destructor is live across a call.
    ///
    /// # Safety
    ///
    /// `hazards` hold hazard pointers of this cache's domain; the first `n` (`n` returned) are
    /// not used again.
    #[inline]
    unsafe fn push_all(&self, hazards: &mut [ManuallyDrop<HazardPointer<'static, F>>]) -> usize {
        if self.top_state.get() == TOP_BLOCKED && !self.open() {
            return 0;
        }
        let mut cached = 0;
        for hazard in hazards {
            // SAFETY (both moves): the caller does not use the first `cached` hazard pointers
            // again, and this one is counted in them; each is moved out once, here.
            if self.top_state.get() == TOP_EMPTY {
                self.put_on_top(unsafe { ManuallyDrop::take(hazard) });
            } else {
                let len = self.len.get();
                let Some(free) = self.rest.get(len) else {
                    break;
                };
                free.set(Some(ManuallyDrop::new(unsafe {
                    ManuallyDrop::take(hazard)
                })));
                self.len.set(len + 1);
            }
            cached += 1;
        }
        cached
    }

    /// On the first push of a thread, registers the drain at thread exit and unblocks the top
    /// slot; `false` once closed, or if the drain cannot be registered (the cache then closes:
    /// a hazard pointer nothing would drain must not be cached, or its record would never go
    /// back to the domain).
    #[cold]
    #[inline(never)]
    fn open(&self) -> bool {
        match self.state.get() {
            UNREGISTERED if F::drain_at_thread_exit() => {
                self.state.set(OPEN);
                self.top_state.set(TOP_EMPTY);
                true
            }
            UNREGISTERED => {
                self.state.set(CLOSED);
                false
            }
            state => state == OPEN,
        }
    }

    /// Drops every cached hazard pointer, handing the records back to the domain, and caches
    /// nothing from now on.
    pub fn drain_and_close(&self) {
        self.state.set(CLOSED);
        while let Some(hazard) = self.pop() {
            drop(hazard);
        }
        self.top_state.set(TOP_BLOCKED);
    }

    /// How many hazard pointers are cached.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn len(&self) -> usize {
        self.len.get() + usize::from(self.top_state.get() == TOP_FULL)
    }
}

impl<F: StaticDomain> Default for HazardCache<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// A thread-local whose destructor drains its thread's [`HazardCache`] of `F` (see the module
/// documentation).
#[doc(hidden)]
pub struct DrainAtExit<F: StaticDomain>(PhantomData<F>);

impl<F: StaticDomain> DrainAtExit<F> {
    /// The value of the thread-local.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<F: StaticDomain> Default for DrainAtExit<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: StaticDomain> Drop for DrainAtExit<F> {
    fn drop(&mut self) {
        let _ = F::with_cache(HazardCache::drain_and_close);
    }
}

/// A domain family with exactly one domain, which lives as long as the program: the
/// [global domain](Global), or one declared with [`static_unique_domain!`](crate::static_unique_domain).
///
/// Fields whose family implements `StaticDomain` need no domain of their own: loads take their
/// hazard pointer from a per-thread cache, and `protected!` can read them. Implemented for
/// [`Global`]; [`static_unique_domain!`](crate::static_unique_domain) implements it for the
/// families it declares. Do not implement it by hand.
///
/// ```
/// use hazptr::{Domain, Global, StaticDomain};
///
/// hazptr::static_unique_domain!(static METRICS: Domain<MetricsFamily>);
///
/// fn domain_of<F: StaticDomain>() -> &'static Domain<F> {
///     F::domain()
/// }
/// assert!(std::ptr::eq(domain_of::<Global>(), Domain::global()));
/// assert!(std::ptr::eq(domain_of::<MetricsFamily>(), &METRICS));
/// ```
///
/// # Safety
///
/// `domain()` returns the same domain on every call, and no other `Domain<Self>` ever exists (the
/// promise `haphazard::Singleton` makes), so protecting through it and retiring into it always
/// meet. `with_cache` runs `f` on this thread's cache of this family, which only ever holds hazard
/// pointers of `domain()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the family of a static domain",
    label = "this family has no program-wide domain",
    note = "a `#[hazard]` field without `domain = …`, and every place `protected!` reads, must be of the global domain or of a family declared with `hazptr::static_unique_domain!`",
    note = "a field of a domain stored in the struct names that domain's field with `#[hazard(domain = field_name)]`, and is read with its generated `load_protected_…()`, not with `protected!`"
)]
pub unsafe trait StaticDomain: Sized + Send + Sync + 'static {
    /// Names the bound: the derive checks a concrete family `F` of a field without
    /// `domain = …` with `let () = <F as StaticDomain>::HOLDS;`, which fails exactly when `F` is
    /// not a `StaticDomain`, with this trait's message at `F` (see `InstanceFamily::HOLDS`).
    #[doc(hidden)]
    const HOLDS: () = ();

    /// The one domain of this family.
    fn domain() -> &'static Domain<Self>;

    /// Runs `f` on this thread's hazard-pointer cache of this family; `None` when the thread's
    /// storage is gone (possible only under loom, whose thread-locals have destructors).
    #[doc(hidden)]
    fn with_cache<R>(f: impl FnOnce(&HazardCache<Self>) -> R) -> Option<R>;

    /// Makes sure this thread's cache is drained when the thread exits; `false` if it cannot
    /// (the thread-local whose destructor drains it is already destroyed).
    #[doc(hidden)]
    fn drain_at_thread_exit() -> bool;
}

// SAFETY: `Domain::global()` is a single static; hazptr never creates another `Domain<Global>`,
// and the cache declared here only receives hazard pointers made from `Global::domain()` by
// `CachedHazard` and `HazardSet`.
unsafe impl StaticDomain for Global {
    #[inline]
    fn domain() -> &'static Domain<Self> {
        Domain::global()
    }

    crate::__static_domain_cache!(Global);
}

/// Takes a hazard pointer of `F`'s domain: from this thread's cache when it has one.
///
/// `acquire`, `StaticPlace::load` and the guard's release are `#[inline(always)]`: they
/// are the whole of a protected read besides haphazard's own calls, and with a plain `#[inline]`
/// whether the read inlines into its caller swings with the caller's size (a read that stays a
/// call costs about 20 more instructions: a prologue, an epilogue and spills).
#[allow(clippy::inline_always)]
#[inline(always)]
fn acquire<F: StaticDomain>() -> HazardPointer<'static, F> {
    // One test on the hot path: the top slot's, whose `Some` also proves the hazard pointer
    // valid. The cold path returns a plain hazard pointer, so nothing downstream tests again.
    match F::with_cache(HazardCache::take_top) {
        Some(Some(hazard)) => hazard,
        _ => acquire_cold(),
    }
}

/// [`acquire`] with nothing on top of the cache: a hazard pointer from the rest of the cache, or
/// a new one.
#[cold]
#[inline(never)]
fn acquire_cold<F: StaticDomain>() -> HazardPointer<'static, F> {
    F::with_cache(HazardCache::pop_rest)
        .flatten()
        .unwrap_or_else(new_hazard)
}

/// A new hazard pointer: takes a record from the domain (a lock-bit-guarded list), which is what
/// the cache exists to avoid.
#[cold]
#[inline(never)]
fn new_hazard<F: StaticDomain>() -> HazardPointer<'static, F> {
    HazardPointer::new_in_domain(&F::domain().engine)
}

/// Ends the protection of `hazard`, a hazard pointer of `F`'s one domain (`StaticDomain`'s
/// contract), and caches it; if the cache is full or closed, drops it, which hands its record
/// back to the domain. What a [`CachedHazard`] and a one-binding [`HazardSet`] do on drop.
///
/// The hazard pointer is taken by value and goes back into a `ManuallyDrop` until its protection
/// is reset, so no value with a destructor is live across that call; from then on it moves by
/// value (into the cache, or back out of a closed one), so its address is never taken and it
/// stays in registers.
#[allow(clippy::inline_always)] // the read path: see `acquire`
#[inline(always)]
fn release<F: StaticDomain>(hazard: HazardPointer<'static, F>) {
    let mut hazard = ManuallyDrop::new(hazard);
    hazard.reset_protection();
    let hazard = ManuallyDrop::into_inner(hazard);
    // (If the thread's storage is gone, which only loom can show, the closure drops it.)
    if let Some(Some(refused)) = F::with_cache(|cache| cache.push(hazard)) {
        drop_hazard(refused);
    }
}

/// Drops a hazard pointer that was not cached, releasing its record to the domain.
#[cold]
#[inline(never)]
fn drop_hazard<F: StaticDomain>(hazard: HazardPointer<'static, F>) {
    drop(hazard);
}

/// One hazard pointer of a static domain, returned to the per-thread cache when dropped.
///
/// This is what a [`Protected`](crate::Protected) guard holds. It carries the function that
/// releases it (`release::<F>`, set by [`acquire`](Self::acquire)) instead of asking
/// `F: StaticDomain` of its type: so `Protected<'_, T, F>` is well-formed for every family, and
/// the generated methods of a field whose family has no static domain (a mistake the derive's
/// check reports once, at the family) add no errors of their own, neither where they are defined
/// nor where they are called. Where the guard is made and dropped in one function, as on every
/// read, the compiler sees which function it holds and inlines it: the read is the same machine
/// code as with a direct call, give or take a register (45 instructions per read in
/// `bench/callgrind.sh`); the guard is one word larger.
pub(crate) struct CachedHazard<F: 'static> {
    // Only `Drop` takes it out, exactly once.
    hazard: ManuallyDrop<HazardPointer<'static, F>>,
    // `release::<F>`, for the `F: StaticDomain` that `acquire` was called with. It takes
    // the hazard pointer by value: passed by reference, its address would be taken, the guard
    // would stay on the stack, and the call would stay indirect (69 instructions per read).
    release: fn(HazardPointer<'static, F>),
}

impl<F: StaticDomain> CachedHazard<F> {
    /// A hazard pointer from this thread's cache, or a new one.
    #[allow(clippy::inline_always)] // the read path: see `acquire`
    #[inline(always)]
    #[must_use]
    pub(crate) fn acquire() -> Self {
        Self {
            hazard: ManuallyDrop::new(acquire()),
            release: release::<F>,
        }
    }
}

impl<F: 'static> CachedHazard<F> {
    /// The hazard pointer, to protect with. Crate-private: a `&mut HazardPointer` in safe
    /// code's hands could be swapped with one of another domain.
    #[inline]
    pub(crate) fn hazard_pointer(&mut self) -> &mut HazardPointer<'static, F> {
        &mut self.hazard
    }
}

impl<F: 'static> Drop for CachedHazard<F> {
    // Every guard ends here: inlining it into the guard's owner saves a call and a register
    // save/restore per read, a measurable share of a protected load (see BENCHMARKS.md).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn drop(&mut self) {
        // `self.release` is `release::<F>`, for the `F: StaticDomain` whose domain the
        // hazard pointer came from (only `acquire` makes a `CachedHazard`).
        // SAFETY: `drop` runs at most once and `self.hazard` is not used after it, so taking
        // the value out of the `ManuallyDrop` cannot duplicate it.
        (self.release)(unsafe { ManuallyDrop::take(&mut self.hazard) });
    }
}

/// `N` hazard pointers of one static domain, taken from and returned to the per-thread cache in
/// one thread-local access each way. `protected!` keeps one in a hidden local.
///
/// Sound in any hands: its hazard pointers come from `F`'s one domain and go back to it, and it
/// lends them only as opaque `HazardSlot`s.
pub struct HazardSet<F: StaticDomain, const N: usize> {
    // Only `Drop` takes them out, each exactly once.
    hazards: [ManuallyDrop<HazardPointer<'static, F>>; N],
}

impl<F: StaticDomain, const N: usize> HazardSet<F, N> {
    /// `N` hazard pointers, from this thread's cache as far as it goes.
    #[inline]
    #[must_use]
    pub fn acquire() -> Self {
        if N == 1 {
            // A guard's path: the top slot, tested once.
            return Self {
                hazards: core::array::from_fn(|_| ManuallyDrop::new(acquire())),
            };
        }
        // One thread-local access for all `N`; what the cache lacks is made new. The array holds
        // `ManuallyDrop`s, so no drop glue runs on the way.
        let hazards = F::with_cache(|cache| {
            core::array::from_fn(|_| ManuallyDrop::new(cache.pop().unwrap_or_else(new_hazard)))
        });
        Self {
            hazards: hazards
                .unwrap_or_else(|| core::array::from_fn(|_| ManuallyDrop::new(new_hazard()))),
        }
    }

    /// Each hazard pointer, borrowed separately so that each can protect its own binding (with
    /// [`protect`](crate::field::protected::protect)).
    #[inline]
    pub fn slots(&mut self) -> [HazardSlot<'_, F>; N] {
        self.hazards.each_mut().map(|hazard| HazardSlot(hazard))
    }
}

/// One hazard pointer of a [`HazardSet`], lent to protect one value for as long as the set lives.
/// Opaque: safe code must not get a `&mut HazardPointer`, which it could swap with one of another
/// domain (see the README's section on the engine).
pub struct HazardSlot<'s, F: 'static>(&'s mut HazardPointer<'static, F>);

impl<'s, F: 'static> HazardSlot<'s, F> {
    /// The hazard pointer.
    #[inline]
    pub(crate) fn into_hazard_pointer(self) -> &'s mut HazardPointer<'static, F> {
        self.0
    }
}

impl<F: StaticDomain, const N: usize> Drop for HazardSet<F, N> {
    #[inline]
    fn drop(&mut self) {
        if let [hazard] = self.hazards.as_mut_slice() {
            // SAFETY: `drop` runs at most once and nothing reads `self.hazards` afterwards, so
            // taking the value out of the `ManuallyDrop` cannot duplicate it.
            release(unsafe { ManuallyDrop::take(hazard) });
            return;
        }
        for hazard in &mut self.hazards {
            hazard.reset_protection();
        }
        // One thread-local access for all `N`.
        // SAFETY: each came from `F::domain()`; `drop` runs at most once and nothing reads
        // `self.hazards` afterwards, except the ones not cached, dropped just below.
        let cached = F::with_cache(|cache| unsafe { cache.push_all(&mut self.hazards) });
        for hazard in &mut self.hazards[cached.unwrap_or(0)..] {
            // SAFETY: not cached, so still here; moved out once, here.
            drop_hazard(unsafe { ManuallyDrop::take(hazard) });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
