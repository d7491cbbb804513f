//! The litmus workload of `tests/asymmetric_barrier.rs` (see there), shared with
//! `tests/fallback_barrier.rs`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, HazardProtected};

hazptr::static_unique_domain!(static LITMUS: Domain<LitmusFamily>);

const ALIVE: u64 = 0xA11C_E0A1_1CE0_A11C;
const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// A value whose drop poisons its canary.
struct Canary {
    id: AtomicU64,
    canary: AtomicU64,
}

impl Canary {
    fn new(id: u64) -> Self {
        Self {
            id: AtomicU64::new(id),
            canary: AtomicU64::new(ALIVE),
        }
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        self.canary.store(DEAD, Ordering::Relaxed);
        self.id.store(u64::MAX, Ordering::Relaxed);
    }
}

#[derive(HazardProtected)]
struct Cell {
    #[hazard(non_null)]
    value: AtomicPtr<Canary, LitmusFamily>,
}

/// What the run saw.
#[derive(Debug, Default)]
pub struct Outcome {
    pub protections: u64,
    pub replacements: u64,
    /// Reads of a value that was freed while a guard protected it.
    pub freed_while_protected: u64,
}

pub fn run(duration: Duration) -> Outcome {
    // Records made here, one after the other, share cache lines; the threads below take them
    // from the domain's free list.
    drop(
        (0..4)
            .map(|_| haphazard::HazardPointer::new_in_domain(LITMUS.as_engine()))
            .collect::<Vec<_>>(),
    );
    let cell = Cell {
        value: hazptr::atomic_ptr(Canary::new(0)),
    };
    let stop = AtomicBool::new(false);
    let freed = AtomicU64::new(0);
    let (protections, replacements) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut protections = 0u64;
            let mut hold = 1u32;
            while !stop.load(Ordering::Relaxed) {
                let guard = cell.load_protected_value();
                let id = guard.id.load(Ordering::Relaxed);
                // Hold the protection for a varying while, checking all along.
                hold = hold.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                for _ in 0..(hold >> 24) & 63 {
                    if guard.canary.load(Ordering::Relaxed) != ALIVE
                        || guard.id.load(Ordering::Relaxed) != id
                    {
                        freed.fetch_add(1, Ordering::Relaxed);
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    std::hint::spin_loop();
                }
                drop(guard);
                protections += 1;
            }
            protections
        });
        let writer = s.spawn(|| {
            let deadline = Instant::now() + duration;
            let mut replacements = 0u64;
            while !stop.load(Ordering::Relaxed) {
                replacements += 1;
                // The writer protects too: its hazard store pulls the shared line away.
                let _ = cell.load_protected_value().id.load(Ordering::Relaxed);
                cell.swap_and_retire_value(Canary::new(replacements));
                // The unlinked value reaches the domain (after the heavy barrier) and a scan
                // runs at once.
                hazptr::flush_retired();
                let _ = LITMUS.reclaim();
                // (Under Miri, a count: a thousand replacements there take minutes.)
                if (cfg!(miri) && replacements >= 30)
                    || (replacements.is_multiple_of(1024) && Instant::now() >= deadline)
                {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            replacements
        });
        (reader.join().unwrap(), writer.join().unwrap())
    });
    drop(cell);
    hazptr::flush_retired();
    LITMUS.reclaim();
    Outcome {
        protections,
        replacements,
        freed_while_protected: freed.load(Ordering::Relaxed),
    }
}
