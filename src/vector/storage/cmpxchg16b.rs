//! A 16-byte atomic word whose bytes may be uninitialised, on x86-64: every access is one
//! `lock cmpxchg16b`, written here in inline assembly.
//!
//! Why not a library type: `portable_atomic::AtomicU128` holds a `u128`, and an element's padding
//! bytes cannot be one (making an integer of uninitialised bytes is undefined behaviour);
//! `atomic_maybe_uninit::AtomicMaybeUninit<u128>` holds them, but only when the crate is compiled
//! with the `cmpxchg16b` target feature (`-C target-feature=+cmpxchg16b`), which the default
//! `x86_64-unknown-linux-gnu` target lacks, and which a `RUSTFLAGS` such as the sanitizer
//! script's would drop. This module does what both do (portable-atomic's `atomic128/x86_64.rs`,
//! atomic-maybe-uninit's `arch/x86.rs`): the instruction in `asm!`, detected at run time, with
//! `MaybeUninit<u64>` register operands (allowed since Rust 1.74, rust-lang/rust#114790), so
//! bytes move between memory and registers as they are, uninitialised ones included.
//!
//! Every x86-64 CPU since 2006 has `cmpxchg16b`; [`AtomicHalves::new`] checks it once per word,
//! so no instruction runs on a CPU without it.

use core::arch::asm;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;

/// A 16-byte value as two 8-byte halves, `[0]` at the lower address.
pub type Halves = [MaybeUninit<u64>; 2];

/// A 16-byte, 16-byte-aligned word accessed only atomically.
#[repr(C, align(16))]
pub struct AtomicHalves(UnsafeCell<Halves>);

// SAFETY: after `new`, the cell is only accessed by `lock cmpxchg16b` (in `compare_exchange`,
// which `load` uses), an atomic read-modify-write of all 16 bytes, so shared access from many
// threads races on nothing.
unsafe impl Sync for AtomicHalves {}

impl AtomicHalves {
    /// A word holding `halves`.
    ///
    /// # Panics
    ///
    /// If the CPU lacks `cmpxchg16b` (x86-64 CPUs from before 2006).
    pub fn new(halves: Halves) -> Self {
        assert!(
            std::arch::is_x86_feature_detected!("cmpxchg16b"),
            "the lock-free vector needs the `cmpxchg16b` instruction, which this CPU lacks"
        );
        Self(UnsafeCell::new(halves))
    }

    /// The word's bytes, as they are.
    ///
    /// A compare-and-swap of zeros with zeros: it stores nothing unless the word holds zeros,
    /// and then stores the same zeros; either way it returns what the word held.
    #[inline]
    pub fn load(&self) -> Halves {
        let zeros = [MaybeUninit::new(0); 2];
        let (Ok(held) | Err(held)) = self.compare_exchange(zeros, zeros);
        held
    }

    /// Stores `new` if the word's 16 bytes equal `current`'s, bit for bit as the CPU holds them;
    /// returns what the word held, as `Ok` if it stored `new`. Sequentially consistent.
    ///
    /// Uninitialised bytes compare as whatever bits the CPU holds for them: pass as `current`
    /// only a value loaded from this word, and treat a failure whose initialised bytes match
    /// `current` as the spurious failure it may be.
    #[inline]
    pub fn compare_exchange(&self, current: Halves, new: Halves) -> Result<Halves, Halves> {
        let (held_low, held_high): (MaybeUninit<u64>, MaybeUninit<u64>);
        let swapped: u8;
        // SAFETY: `self.0.get()` is valid for reads and writes of 16 bytes and 16-byte aligned
        // (`repr(align(16))`), as `cmpxchg16b` needs, and every access to it is atomic (see the
        // `Sync` impl). The CPU has `cmpxchg16b`: `new` checked it before this word existed.
        // `rbx` is reserved by LLVM and cannot be an operand, so `new`'s low half goes in
        // another register and is swapped into `rbx` around the instruction, which restores
        // it. The block touches no memory but the word, and no stack (`nostack`); it changes
        // the flags, so it does not claim `preserves_flags`.
        unsafe {
            asm!(
                "xchg {new_low}, rbx",
                "lock cmpxchg16b xmmword ptr [{word}]",
                "sete cl",
                "mov rbx, {new_low}",
                word = in(reg) self.0.get(),
                new_low = inout(reg) new[0] => _,
                in("rcx") new[1],
                inout("rax") current[0] => held_low,
                inout("rdx") current[1] => held_high,
                lateout("cl") swapped,
                options(nostack),
            );
        }
        let held = [held_low, held_high];
        if swapped == 0 { Err(held) } else { Ok(held) }
    }
}
