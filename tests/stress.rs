//! Several readers and several writers on one derived struct, for a bounded number of
//! iterations: every value read is intact and is one that was written, and once the struct is
//! dropped every value made has been dropped exactly once.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use common::{Counted, Counter, reclaim_global_until};
use hazptr::{AtomicPtr, HazardProtected, protected};

#[derive(HazardProtected)]
struct Shared {
    #[hazard(non_null)]
    current: AtomicPtr<Counted>,
    #[hazard]
    latest: AtomicPtr<Counted>,
}

const WRITERS: u64 = 2;
const READERS: usize = 3;
const WRITES: u64 = if cfg!(miri) { 30 } else { 20_000 };

/// A value written by `writer` as its `seq`-th write.
fn encode(writer: u64, seq: u64) -> u64 {
    writer << 32 | seq
}

fn check_written(value: u64) {
    let (writer, seq) = (value >> 32, value & 0xffff_ffff);
    assert!(
        writer < WRITERS + 1 && seq <= WRITES,
        "never written: {value:#x}"
    );
}

#[test]
fn readers_see_only_written_values_and_nothing_leaks() {
    let counter = Counter::default();
    let shared = Shared {
        current: hazptr::atomic_ptr(counter.make(encode(WRITERS, 0))),
        latest: hazptr::null_ptr(),
    };
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let mut writers = Vec::new();
        for writer in 0..WRITERS {
            let (shared, counter) = (&shared, &counter);
            writers.push(s.spawn(move || {
                for seq in 1..=WRITES {
                    match seq % 4 {
                        0 => shared.swap_and_retire_current(counter.make(encode(writer, seq))),
                        1 => shared.update_current(|_| counter.make(encode(writer, seq))),
                        2 => shared.swap_and_retire_latest(counter.make(encode(writer, seq))),
                        _ => {
                            let _ = shared.clear_and_retire_latest();
                        }
                    }
                }
            }));
        }
        for _ in 0..READERS {
            s.spawn(|| {
                let mut reads = 0_u64;
                while !done.load(Ordering::Acquire) || reads < 100 {
                    let current = shared.load_protected_current();
                    assert!(current.is_intact(), "read a freed or torn value");
                    check_written(current.value);
                    protected! {
                        let latest = shared.latest;
                        let again = shared.current;
                    }
                    if let Some(latest) = latest {
                        assert!(latest.is_intact());
                        check_written(latest.value);
                    }
                    let again = again.expect("non-null");
                    assert!(again.is_intact());
                    check_written(again.value);
                    reads += 1;
                }
            });
        }
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Release);
    });
    drop(shared);
    reclaim_global_until(|| counter.alive() == 0);
    assert_eq!(
        counter.made(),
        counter.dropped(),
        "allocations == drops once the struct is dropped"
    );
    assert!(counter.made() >= usize::try_from(WRITERS * WRITES * 3 / 4).unwrap());
}
