//! A hot-reloaded configuration: three reader threads read the current configuration in a
//! loop, never blocking, while a writer publishes a new version every 2 ms; afterwards every
//! replaced version has been reclaimed.
//!
//! Run with `cargo run --release --example config_reload`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use hazptr::Domain;
use hazptr_suite::config_reload::ConfigService;

const READERS: usize = 3;
const RELOADS: u64 = 100;
const RELOAD_EVERY: Duration = Duration::from_millis(2);

static MADE: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// The service's configuration.
struct Settings {
    upstream: String,
    timeout_ms: u64,
}

impl Settings {
    fn generation(n: u64) -> Self {
        MADE.fetch_add(1, Ordering::Relaxed);
        Self {
            upstream: format!("10.0.0.{}:8080", n % 250),
            timeout_ms: 100 + n,
        }
    }
}

impl Drop for Settings {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

fn main() {
    let service = ConfigService::new(Settings::generation(0));
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let reads: Vec<(u64, u64, bool)> = thread::scope(|scope| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (service, stop) = (&service, &stop);
                scope.spawn(move || {
                    let (mut reads, mut last, mut versions_seen, mut monotonic) =
                        (0_u64, 0, 0, true);
                    while !stop.load(Ordering::Relaxed) {
                        // A "request": read the configuration it needs, without blocking.
                        let (version, consistent) = service.read(|now| {
                            let n = now.version - 1;
                            (
                                now.version,
                                now.config.timeout_ms == 100 + n
                                    && now.config.upstream == format!("10.0.0.{}:8080", n % 250),
                            )
                        });
                        assert!(consistent, "read a configuration that was never published");
                        monotonic &= version >= last;
                        versions_seen += u64::from(version != last);
                        last = version;
                        reads += 1;
                    }
                    (reads, versions_seen, monotonic)
                })
            })
            .collect();
        for n in 1..=RELOADS {
            thread::sleep(RELOAD_EVERY);
            service.publish(Settings::generation(n));
        }
        stop.store(true, Ordering::Relaxed);
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    println!(
        "config hot-reload: {RELOADS} reloads, one every {RELOAD_EVERY:?}, {READERS} readers, {elapsed:.2?}"
    );
    for (i, (n, seen, monotonic)) in reads.iter().enumerate() {
        println!(
            "  reader {i}: {n} reads, saw {seen} distinct versions, versions never went backwards: {monotonic}"
        );
    }
    let current = service.read(|now| now.version);
    let late = Domain::global().reclaim();
    println!(
        "  current version: {current}; configurations made: {}, reclaimed so far: {} ({late} by a final reclaim)",
        MADE.load(Ordering::Relaxed),
        DROPPED.load(Ordering::Relaxed)
    );
    drop(service);
    Domain::global().reclaim();
    println!(
        "  after dropping the service: {} of {} configurations reclaimed",
        DROPPED.load(Ordering::Relaxed),
        MADE.load(Ordering::Relaxed)
    );
    assert!(reads.iter().all(|r| r.2));
    assert_eq!(
        DROPPED.load(Ordering::Relaxed),
        MADE.load(Ordering::Relaxed)
    );
}
