//! The lock-free vector under load: four threads push and pop concurrently while a fifth reads
//! by index; then the example checks that nothing was lost and reports what the vector's
//! hazard-pointer domain retired and reclaimed.
//!
//! Run with `cargo run --release --example vector`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Instant;

use hazptr_suite::vector::Vector;

const WRITERS: u64 = 4;
const PUSHES_PER_WRITER: u64 = 250_000;

fn main() {
    let vector = Vector::<u64>::new();
    let counters = vector.descriptor_counters();
    let writing = AtomicBool::new(true);
    let started = Instant::now();

    let (popped, reads) = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let vector = &vector;
                s.spawn(move || {
                    let mut popped = Vec::new();
                    for step in 0..PUSHES_PER_WRITER {
                        vector.push(writer * PUSHES_PER_WRITER + step);
                        if step % 2 == 1 {
                            popped.extend(vector.pop());
                        }
                    }
                    popped
                })
            })
            .collect();
        let reader = s.spawn(|| {
            let mut reads = 0_u64;
            while writing.load(Ordering::Relaxed) {
                let len = vector.len();
                if len > 0 && vector.get(len / 2).is_some() {
                    reads += 1;
                }
            }
            reads
        });
        let popped: Vec<u64> = writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer panicked"))
            .collect();
        writing.store(false, Ordering::Relaxed);
        (popped, reader.join().expect("the reader panicked"))
    });
    let elapsed = started.elapsed();

    let during = counters.snapshot();
    let len = vector.len();
    let capacity = vector.capacity();
    let mut seen: HashSet<u64> = popped.iter().copied().collect();
    seen.extend((0..len).map(|i| vector.get(i).expect("index below len")));
    let pushes = WRITERS * PUSHES_PER_WRITER;
    let complete = seen.len() == popped.len() + len && seen.len() as u64 == pushes;
    drop(vector);
    let after = counters.snapshot();

    println!("lock-free vector: {WRITERS} threads pushing and popping, 1 reading by index");
    println!(
        "  {pushes} pushes, {} pops, {reads} indexed reads in {:.0?}",
        popped.len(),
        elapsed
    );
    println!("  {len} elements left, in buckets holding {capacity} slots");
    println!(
        "  every pushed value popped or still present exactly once: {}",
        if complete { "yes" } else { "NO" }
    );
    println!(
        "descriptors (one installed per push and per pop, retired into the vector's own domain):"
    );
    println!(
        "  while running: {} allocated, {} retired, {} reclaimed, {} awaiting reclamation",
        during.allocated,
        during.retired,
        during.reclaimed(),
        during.retired - during.reclaimed()
    );
    println!(
        "  after drop:    {} allocated, {} retired, {} reclaimed, {} discarded unused, {} freed",
        after.allocated,
        after.retired,
        after.reclaimed(),
        after.discarded,
        after.freed
    );
    println!(
        "  every descriptor freed: {}",
        if after.freed == after.allocated {
            "yes"
        } else {
            "NO"
        }
    );
    assert!(complete, "elements were lost or duplicated");
    assert_eq!(after.freed, after.allocated, "descriptors leaked");
}
