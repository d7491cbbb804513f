//! A time-ordered event index on `hazptr::collections::SkipMap`: two writer threads record
//! events keyed by `(timestamp, writer, sequence)`, a compactor drops the events older than a
//! moving watermark from the front, and a reader scans time windows with `range`, all at once,
//! without locks. The reader checks every window it reads (in order, within the window, no
//! event twice); at the end the index holds exactly the events newer than the last watermark,
//! and every event ever recorded has been dropped exactly once after a reclamation.
//!
//! Run with `cargo run --release --example ordered_index`.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;

use hazptr::collections::SkipMap;

const WRITERS: u64 = 2;
const EVENTS_PER_WRITER: u64 = 20_000;
const KEEP: u64 = 5_000;

static MADE: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// An event: a key into the index and a payload.
struct Event {
    payload: String,
}

impl Event {
    fn new(payload: String) -> Self {
        MADE.fetch_add(1, Ordering::Relaxed);
        Self { payload }
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// `(timestamp, writer, sequence)`: ordered by time first.
type Key = (u64, u64, u64);

fn main() {
    let index: SkipMap<Key, Event> = SkipMap::new();
    let clock = AtomicU64::new(0);
    let watermark = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let (compacted, windows) = thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let (index, clock) = (&index, &clock);
                s.spawn(move || {
                    for seq in 0..EVENTS_PER_WRITER {
                        let at = clock.fetch_add(1, Ordering::Relaxed);
                        let event = Event::new(format!("writer {writer} event {seq}"));
                        let entry = index.insert((at, writer, seq), event);
                        assert_eq!(entry.key().2, seq);
                    }
                })
            })
            .collect();
        // The compactor keeps the last KEEP ticks of events.
        let compactor = s.spawn(|| {
            let mut dropped = 0u64;
            while !done.load(Ordering::Relaxed) {
                let mark = clock.load(Ordering::Relaxed).saturating_sub(KEEP);
                watermark.fetch_max(mark, Ordering::Relaxed);
                while let Some(oldest) = index.front() {
                    if oldest.key().0 >= mark {
                        break;
                    }
                    if oldest.remove() {
                        dropped += 1;
                    }
                }
                thread::yield_now();
            }
            dropped
        });
        // The reader scans windows of 1,000 ticks just behind the writers.
        let reader = s.spawn(|| {
            let mut windows = 0u64;
            while !done.load(Ordering::Relaxed) {
                let end = clock.load(Ordering::Relaxed);
                let start = end.saturating_sub(1_000);
                let mut last: Option<Key> = None;
                for event in index.range((start, 0, 0)..(end, 0, 0)) {
                    let key = *event.key();
                    assert!(
                        key.0 >= start && key.0 < end,
                        "{key:?} outside {start}..{end}"
                    );
                    assert!(last.is_none_or(|last| last < key), "out of order or twice");
                    assert!(event.value().payload.ends_with(&format!("event {}", key.2)));
                    last = Some(key);
                }
                windows += 1;
            }
            windows
        });
        for writer in writers {
            writer.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        (compactor.join().unwrap(), reader.join().unwrap())
    });

    // A writer may have taken its timestamp before the compactor's last watermark and inserted
    // after its last sweep: one more sweep, now that every thread is done.
    let mark = watermark.load(Ordering::Relaxed);
    let mut compacted = compacted;
    while let Some(oldest) = index.front() {
        if oldest.key().0 >= mark {
            break;
        }
        compacted += u64::from(oldest.remove());
    }
    let total = WRITERS * EVENTS_PER_WRITER;
    let left = index.len() as u64;
    assert_eq!(
        left + compacted,
        total,
        "every event is in the index or was compacted"
    );
    assert_eq!(index.iter().count() as u64, left);
    let oldest = index.front().map(|e| e.key().0);
    assert!(
        oldest.is_none_or(|t| t >= mark),
        "an event older than the watermark is left"
    );
    let newest = index.back().map(|e| e.key().0);
    assert_eq!(newest, Some(total - 1));
    println!(
        "{total} events recorded, {compacted} compacted below tick {mark}, {left} kept; \
         the reader checked {windows} windows"
    );

    drop(index);
    hazptr::reclaim();
    let (made, dropped) = (
        MADE.load(Ordering::Relaxed),
        DROPPED.load(Ordering::Relaxed),
    );
    assert_eq!(made, dropped, "every event is dropped exactly once");
    println!("{made} events made, {dropped} dropped");
}
