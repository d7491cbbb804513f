//! Many threads on every example structure and on derived structs of each domain kind, checking
//! the values every thread observes and that allocations == drops at the end.
//!
//! By default each test runs one short round (well under a second; fewer threads and operations
//! under Miri). With `HAZPTR_LONG_STRESS=1`, each test repeats rounds with more threads for
//! `HAZPTR_LONG_STRESS_SECS` seconds (default 120), checking every round:
//!
//! ```text
//! HAZPTR_LONG_STRESS=1 cargo test --release --test long_stress -- --test-threads 1
//! ```

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, Domain, HazardProtected, StaticDomain};
use hazptr_suite::config_reload::ConfigService;
use hazptr_suite::ms_queue::MsQueue;
use hazptr_suite::treiber::TreiberStack;
use hazptr_suite::vector::Vector;

/// How hard to push: threads per role and operations per thread in a round, and for how long
/// to repeat rounds.
#[derive(Clone, Copy, Debug)]
struct Load {
    threads: usize,
    ops: u64,
    duration: Option<Duration>,
}

fn load() -> Load {
    if cfg!(miri) {
        return Load {
            threads: 2,
            ops: 20,
            duration: None,
        };
    }
    if std::env::var_os("HAZPTR_LONG_STRESS").is_some_and(|v| v != "0") {
        let secs = std::env::var("HAZPTR_LONG_STRESS_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120);
        return Load {
            threads: 8,
            ops: 20_000,
            duration: Some(Duration::from_secs(secs)),
        };
    }
    Load {
        threads: 3,
        ops: 1_000,
        duration: None,
    }
}

/// Runs `round` once, or repeatedly until the long mode's deadline; returns the rounds run.
fn rounds(mut round: impl FnMut(Load)) -> usize {
    let load = load();
    let deadline = load.duration.map(|d| Instant::now() + d);
    let mut count = 0;
    loop {
        round(load);
        count += 1;
        if deadline.is_none_or(|deadline| Instant::now() >= deadline) {
            return count;
        }
    }
}

/// Counts values made and dropped.
#[derive(Default)]
struct Ledger {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Ledger {
    fn live(&self) -> usize {
        self.made.load(Ordering::SeqCst) - self.dropped.load(Ordering::SeqCst)
    }
}

/// A value whose integrity is checkable (a read after free or a torn value breaks `check`) and
/// whose drops are counted.
struct Item {
    value: u64,
    check: u64,
    ledger: Arc<Ledger>,
}

impl Item {
    fn new(value: u64, ledger: &Arc<Ledger>) -> Self {
        ledger.made.fetch_add(1, Ordering::Relaxed);
        Self {
            value,
            check: !value,
            ledger: Arc::clone(ledger),
        }
    }

    /// The value, after checking that the item is intact.
    fn value(&self) -> u64 {
        assert_eq!(self.check, !self.value, "corrupted item");
        self.value
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        assert_eq!(self.check, !self.value, "dropping a corrupted item");
        self.check = 0;
        self.ledger.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A value unique to (thread, sequence number).
fn tag(thread: usize, seq: u64) -> u64 {
    ((thread as u64) << 40) | seq
}

/// Checks that `taken` holds every value `0..ops` of every producer exactly once.
fn assert_exactly_once(taken: impl IntoIterator<Item = u64>, producers: usize, ops: u64) {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for value in taken {
        *seen.entry(value).or_default() += 1;
    }
    let expected = producers as u64 * ops;
    assert_eq!(seen.len() as u64, expected, "values lost or invented");
    for producer in 0..producers {
        for seq in 0..ops {
            assert_eq!(seen.get(&tag(producer, seq)), Some(&1), "{producer}/{seq}");
        }
    }
}

#[test]
fn treiber_stack() {
    rounds(|load| {
        let ledger = Arc::new(Ledger::default());
        let stack = TreiberStack::new();
        let taken: Vec<u64> = thread::scope(|s| {
            for producer in 0..load.threads {
                let (stack, ledger) = (&stack, &ledger);
                s.spawn(move || {
                    for seq in 0..load.ops {
                        stack.push(Item::new(tag(producer, seq), ledger));
                    }
                });
            }
            let consumers: Vec<_> = (0..load.threads)
                .map(|_| {
                    let stack = &stack;
                    s.spawn(move || {
                        let mut taken = Vec::new();
                        for _ in 0..load.ops {
                            if let Some(item) = stack.pop() {
                                taken.push(item.value());
                            }
                        }
                        taken
                    })
                })
                .collect();
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        let rest = std::iter::from_fn(|| stack.pop()).map(|item| item.value());
        assert_exactly_once(taken.into_iter().chain(rest), load.threads, load.ops);
        drop(stack);
        common::reclaim_global_until(|| ledger.live() == 0);
        assert_eq!(ledger.live(), 0, "allocations == drops");
    });
}

#[test]
fn ms_queue() {
    rounds(|load| {
        let ledger = Arc::new(Ledger::default());
        let queue = MsQueue::new();
        let taken: Vec<u64> = thread::scope(|s| {
            for producer in 0..load.threads {
                let (queue, ledger) = (&queue, &ledger);
                s.spawn(move || {
                    for seq in 0..load.ops {
                        queue.enqueue(Item::new(tag(producer, seq), ledger));
                    }
                });
            }
            let consumers: Vec<_> = (0..load.threads)
                .map(|_| {
                    let queue = &queue;
                    s.spawn(move || {
                        let mut taken = Vec::new();
                        // FIFO: each consumer sees each producer's values in order.
                        let mut last: HashMap<u64, u64> = HashMap::new();
                        for _ in 0..load.ops {
                            if let Some(item) = queue.dequeue() {
                                let value = item.value();
                                let (producer, seq) = (value >> 40, value & ((1 << 40) - 1));
                                if let Some(previous) = last.insert(producer, seq) {
                                    assert!(previous < seq, "out of order: {previous} then {seq}");
                                }
                                taken.push(value);
                            }
                        }
                        taken
                    })
                })
                .collect();
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        let rest = std::iter::from_fn(|| queue.dequeue()).map(|item| item.value());
        assert_exactly_once(taken.into_iter().chain(rest), load.threads, load.ops);
        drop(queue);
        common::reclaim_global_until(|| ledger.live() == 0);
        assert_eq!(ledger.live(), 0, "allocations == drops");
    });
}

#[test]
fn vector() {
    rounds(|load| {
        let vector = Vector::<u64>::new();
        let counters = vector.descriptor_counters();
        let taken: Vec<u64> = thread::scope(|s| {
            for producer in 0..load.threads {
                let vector = &vector;
                s.spawn(move || {
                    for seq in 0..load.ops {
                        vector.push(tag(producer, seq));
                    }
                });
            }
            let consumers: Vec<_> = (0..load.threads)
                .map(|_| {
                    let vector = &vector;
                    s.spawn(move || {
                        let mut taken = Vec::new();
                        for i in 0..load.ops {
                            if i % 4 == 0 {
                                // An indexed read sees some pushed value, never garbage.
                                if let Some(value) = vector.get(0) {
                                    assert!(value >> 40 < 64 && value & ((1 << 40) - 1) < 1 << 32);
                                }
                            }
                            if let Some(value) = vector.pop() {
                                taken.push(value);
                            }
                        }
                        taken
                    })
                })
                .collect();
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        let rest: Vec<u64> = std::iter::from_fn(|| vector.pop()).collect();
        assert!(vector.is_empty());
        assert_exactly_once(taken.into_iter().chain(rest), load.threads, load.ops);
        drop(vector);
        let stats = counters.snapshot();
        assert_eq!(
            stats.allocated, stats.freed,
            "every descriptor freed: {stats:?}"
        );
    });
}

#[test]
fn config_reload() {
    const WRITERS: usize = 2;
    rounds(|load| {
        let ledger = Arc::new(Ledger::default());
        let service = ConfigService::new(Item::new(tag(WRITERS, 0), &ledger));
        let stop = AtomicBool::new(false);
        let reads = AtomicU64::new(0);
        thread::scope(|s| {
            for _ in 0..load.threads {
                let (service, stop, reads) = (&service, &stop, &reads);
                s.spawn(move || {
                    let mut last = 0;
                    // Per writer, the last sequence number seen: a writer's configurations
                    // appear in the order it published them.
                    let mut last_seq = [0; WRITERS + 1];
                    // At least one read each, however the threads are scheduled (the writers
                    // may be done before a reader first runs).
                    loop {
                        let snapshot = service.load();
                        let value = snapshot.config.value();
                        let (writer, seq) = ((value >> 40) as usize, value & ((1 << 40) - 1));
                        assert!(snapshot.version >= last, "versions go back");
                        assert!(seq >= last_seq[writer], "a writer's publications reordered");
                        (last, last_seq[writer]) = (snapshot.version, seq);
                        let version = service.read(|now| {
                            let _ = now.config.value();
                            now.version
                        });
                        assert!(version >= last);
                        reads.fetch_add(1, Ordering::Relaxed);
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                });
            }
            let writers: Vec<_> = (0..WRITERS)
                .map(|writer| {
                    let (service, ledger) = (&service, &ledger);
                    s.spawn(move || {
                        let mut last = 0;
                        for seq in 1..=load.ops {
                            let version = service.publish(Item::new(tag(writer, seq), ledger));
                            assert!(version > last, "versions go back");
                            last = version;
                        }
                    })
                })
                .collect();
            for writer in writers {
                writer.join().unwrap();
            }
            stop.store(true, Ordering::Relaxed);
        });
        assert_eq!(service.load().version, 1 + WRITERS as u64 * load.ops);
        assert!(reads.load(Ordering::Relaxed) > 0);
        drop(service);
        common::reclaim_global_until(|| ledger.live() == 0);
        assert_eq!(ledger.live(), 0, "allocations == drops");
    });
}

hazptr::static_unique_domain!(static MIXED: Domain<MixedFamily>);

/// The family of [`Mixed`]'s own domain.
struct OwnFamily;
impl hazptr::InstanceFamily for OwnFamily {}

/// A derived struct with a field in each kind of domain: global, a static unique domain, and
/// the struct's own.
#[derive(HazardProtected)]
struct Mixed {
    #[hazard(non_null)]
    global: AtomicPtr<Item>,
    #[hazard]
    unique: AtomicPtr<Item, MixedFamily>,
    #[hazard(domain = own)]
    local: AtomicPtr<Item, OwnFamily>,
    own: Domain<OwnFamily>,
}

#[test]
fn derived_fields_in_every_kind_of_domain() {
    rounds(|load| {
        let ledger = Arc::new(Ledger::default());
        let mixed = Mixed {
            global: hazptr::atomic_ptr(Item::new(0, &ledger)),
            unique: hazptr::null_ptr(),
            local: hazptr::atomic_ptr(Item::new(0, &ledger)),
            own: Domain::new(&OwnFamily),
        };
        thread::scope(|s| {
            // Counters: incremented with `update`, so the final values are exact.
            for _ in 0..load.threads {
                let (mixed, ledger) = (&mixed, &ledger);
                s.spawn(move || {
                    for i in 0..load.ops {
                        mixed.update_global(|old| Item::new(old.value() + 1, ledger));
                        mixed.update_local(|old| Item::new(old.map_or(0, Item::value) + 1, ledger));
                        // The unique-domain field is swapped, exchanged and cleared at random.
                        match i % 3 {
                            0 => mixed.swap_and_retire_unique(Item::new(i, ledger)),
                            1 => {
                                let seen = mixed.load_protected_unique();
                                let current = seen.as_deref();
                                if let Err(back) = mixed.compare_exchange_and_retire_unique(
                                    current,
                                    Item::new(i, ledger),
                                ) {
                                    drop(back);
                                }
                            }
                            _ => {
                                let _ = mixed.clear_and_retire_unique();
                            }
                        }
                    }
                });
            }
            // Readers: values only grow, and every value read is intact.
            for _ in 0..load.threads {
                let mixed = &mixed;
                s.spawn(move || {
                    let (mut global, mut local) = (0, 0);
                    for _ in 0..load.ops {
                        let g = mixed.load_protected_global().value();
                        let l = mixed.load_protected_local().map_or(0, |v| v.value());
                        assert!(g >= global && l >= local, "a counter went back");
                        (global, local) = (g, l);
                        if let Some(unique) = mixed.load_protected_unique() {
                            assert!(unique.value() < load.ops);
                        }
                    }
                });
            }
        });
        let total = load.threads as u64 * load.ops;
        assert_eq!(mixed.load_protected_global().value(), total);
        assert_eq!(mixed.load_protected_local().unwrap().value(), total);
        drop(mixed);
        common::reclaim_global_until(|| {
            // The writers' batches reach the domain when their threads exit, which may be just
            // after the scope ends.
            MixedFamily::domain().reclaim();
            ledger.live() == 0
        });
        assert_eq!(ledger.live(), 0, "allocations == drops");
    });
}
