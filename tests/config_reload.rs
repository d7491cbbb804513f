//! The hot-reloaded configuration: readers only ever see published versions, in increasing
//! order, intact; and every replaced version is reclaimed.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use common::{Counted, Counter};
use hazptr_suite::baseline::config_reload::ConfigService as BaselineService;
use hazptr_suite::config_reload::ConfigService;

const PUBLICATIONS: u64 = if cfg!(miri) { 20 } else { 5_000 };
const READERS: usize = if cfg!(miri) { 2 } else { 3 };

/// A configuration whose content is determined by its version, so a reader can tell a published
/// one from a torn or freed one.
struct Settings {
    name: String,
    limit: u64,
    payload: Counted,
}

impl Settings {
    fn for_version(version: u64, counter: &Counter) -> Self {
        Self {
            name: format!("v{version}"),
            limit: version * 10,
            payload: counter.make(version),
        }
    }

    fn is_version(&self, version: u64) -> bool {
        self.name == format!("v{version}")
            && self.limit == version * 10
            && self.payload.value == version
            && self.payload.is_intact()
    }
}

#[test]
fn a_guard_keeps_its_version_while_the_writer_moves_on() {
    let counter = Counter::default();
    let service = ConfigService::new(Settings::for_version(1, &counter));
    let old = service.load();
    for v in 2..=5 {
        assert_eq!(service.publish(Settings::for_version(v, &counter)), v);
    }
    common::reclaim_global();
    assert!(old.config.is_version(1), "a protected version was freed");
    assert_eq!(old.version, 1);
    assert_eq!(service.read(|now| now.version), 5);
    drop(old);
    drop(service);
    common::reclaim_global_until(|| counter.alive() == 0);
    assert_eq!((counter.made(), counter.dropped()), (5, 5));
}

/// The readers-and-writer scenario, for the derive-based service and the raw baseline alike
/// (their APIs are the same).
macro_rules! readers_and_writer {
    ($service:ty) => {{
        let counter = Counter::default();
        let service = <$service>::new(Settings::for_version(1, &counter));
        let done = AtomicBool::new(false);
        // Readers that have read once: the writer starts only when all have, so that reads and
        // publications overlap however the threads are scheduled.
        let reading = AtomicUsize::new(0);
        let seen: Vec<(u64, u64)> = thread::scope(|scope| {
            let readers: Vec<_> = (0..READERS)
                .map(|r| {
                    let (service, done, reading) = (&service, &done, &reading);
                    scope.spawn(move || {
                        let (mut last, mut reads, mut distinct) = (0, 0_u64, 0_u64);
                        loop {
                            // Checked before the read, so a reader always reads once more
                            // after the last publication.
                            let finished = done.load(Ordering::Acquire);
                            // Alternate the two ways of reading: a guard, and `protected!`.
                            let version = if reads % 2 == 0 {
                                let now = service.load();
                                assert!(now.config.is_version(now.version), "torn or freed read");
                                now.version
                            } else {
                                service.read(|now| {
                                    assert!(now.config.is_version(now.version), "torn or freed");
                                    now.version
                                })
                            };
                            assert!(
                                (1..=PUBLICATIONS + 1).contains(&version),
                                "reader {r} saw version {version}, never published"
                            );
                            assert!(
                                version >= last,
                                "reader {r}: version {version} after {last}"
                            );
                            distinct += u64::from(version > last);
                            last = version;
                            reads += 1;
                            if reads == 1 {
                                reading.fetch_add(1, Ordering::Release);
                            }
                            if finished {
                                break;
                            }
                        }
                        assert_eq!(last, PUBLICATIONS + 1, "reader {r} missed the last version");
                        (reads, distinct)
                    })
                })
                .collect();
            while reading.load(Ordering::Acquire) < READERS {
                thread::yield_now();
            }
            for v in 2..=PUBLICATIONS + 1 {
                assert_eq!(service.publish(Settings::for_version(v, &counter)), v);
            }
            done.store(true, Ordering::Release);
            readers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        for (reads, distinct) in seen {
            assert!(reads >= 1 && distinct >= 1);
        }
        assert_eq!(service.read(|now| now.version), PUBLICATIONS + 1);
        common::reclaim_global_until(|| counter.alive() <= 1);
        // Every replaced version is reclaimed; only the current one is alive.
        assert_eq!(counter.alive(), 1, "a replaced version was not reclaimed");
        drop(service);
        common::reclaim_global_until(|| counter.alive() == 0);
        assert_eq!(counter.made(), counter.dropped());
        assert_eq!(counter.made(), usize::try_from(PUBLICATIONS + 1).unwrap());
    }};
}

#[test]
fn readers_see_published_versions_in_order_and_everything_is_reclaimed() {
    readers_and_writer!(ConfigService<Settings>);
}

#[test]
fn the_baseline_passes_the_same_scenario() {
    readers_and_writer!(BaselineService<Settings>);
}

#[test]
fn concurrent_writers_number_versions_one_by_one() {
    let service = ConfigService::new(0_u64);
    let per_writer = PUBLICATIONS / 2;
    let versions: Vec<Vec<u64>> = thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let service = &service;
                scope.spawn(move || (0..per_writer).map(|i| service.publish(i)).collect())
            })
            .collect();
        writers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<u64> = versions.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all, (2..=2 * per_writer + 1).collect::<Vec<_>>());
}
