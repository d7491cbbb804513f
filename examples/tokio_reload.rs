//! A hot-reloaded configuration in a tokio service: dozens of request tasks on a two-worker
//! multi-threaded runtime each load the configuration, hold the guard across an `.await`, and
//! check that what it protects did not change under them, while a reloader task publishes 50
//! new versions; the background reclaimer frees the replaced versions with no call from the
//! service, and at the end every configuration made has been dropped exactly once.
//!
//! Run with `cargo run --release --example tokio_reload` (also with `HAZPTR_BARRIER=fallback`;
//! with `HAZPTR_RECLAIMER=off` it skips the check of the background reclaimer, and says so).
//!
//! # Holding a guard across an `.await`
//!
//! The guard, `Protected<'_, Config>`, is `Send` when the value is `Sync` (it holds a `&Config`
//! and a hazard pointer of the global domain, which any thread may release): a task started with
//! plain `tokio::spawn` may hold it across an `.await`, and this example does. The guard borrows
//! the service, so the task owns an `Arc<Service>` and loads from it inside its `async` block.
//! The task may resume on the other worker thread; dropping the guard there puts its hazard
//! pointer in that thread's cache instead of the one it came from, which is harmless: both
//! belong to the global domain. No `spawn_local`, `block_in_place` or copying out is needed.
//!
//! What it costs: for the whole `.await`, the version the guard protects stays alive even after
//! a reload retired it (it is freed soon after the guard drops), and the guard occupies one
//! hazard pointer. A thread caches 8 of them; each further task suspended with a guard takes a
//! hazard record from the domain (records are reused, never freed), and every reclamation scans
//! them all. Hold a guard across an `.await` when the request needs one consistent version
//! throughout, as here; to read one field, read it and drop the guard before awaiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, HazardProtected};

const RELOADS: u64 = 50;
const RELOAD_EVERY: Duration = Duration::from_millis(1);
const TASKS: usize = 40;
const REQUESTS_PER_TASK: usize = 50;
/// How long the background reclaimer may take to free the replaced versions.
const FREED_DEADLINE: Duration = Duration::from_secs(5);

static MADE: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// Drops per version (index `version - 1`): each must end at exactly 1.
static DROPS: [AtomicU8; RELOADS as usize + 1] = [const { AtomicU8::new(0) }; RELOADS as usize + 1];

/// One version of the configuration; `checksum` is derived from the other two fields.
struct Config {
    version: u64,
    upstream: String,
    checksum: u64,
}

impl Config {
    fn version(version: u64) -> Self {
        MADE.fetch_add(1, Ordering::Relaxed);
        let upstream = format!("10.0.{}.{}:8080", version / 250, version % 250);
        let checksum = checksum(version, &upstream);
        Self {
            version,
            upstream,
            checksum,
        }
    }

    /// Whether `checksum` still matches the other fields (it would not after a use-after-free).
    fn is_consistent(&self) -> bool {
        self.checksum == checksum(self.version, &self.upstream)
    }
}

/// FNV-1a over the upstream's bytes, mixed with the version.
fn checksum(version: u64, upstream: &str) -> u64 {
    upstream
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325 ^ version, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

impl Drop for Config {
    fn drop(&mut self) {
        DROPS[usize::try_from(self.version - 1).unwrap()].fetch_add(1, Ordering::Relaxed);
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// The service: its configuration is a `#[hazard]` field, replaced while requests read it.
#[derive(HazardProtected)]
struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<Config>,
}

/// One request: loads the configuration and holds it across an `.await`. Returns whether a
/// reload retired the version it held meanwhile.
async fn request(service: &Service) -> bool {
    let config = service.load_protected_config();
    let (version, checksum) = (config.version, config.checksum);
    tokio::time::sleep(Duration::from_millis(1)).await; // e.g. a call to the upstream
    assert!(
        config.is_consistent(),
        "version {version} changed under its guard"
    );
    assert_eq!((config.version, config.checksum), (version, checksum));
    service.load_protected_config().version > version
}

/// Whether `HAZPTR_RECLAIMER` turns the background reclaimer off (as hazptr reads it).
fn reclaimer_off() -> bool {
    std::env::var("HAZPTR_RECLAIMER").is_ok_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let started = Instant::now();
    let service = Arc::new(Service {
        config: hazptr::atomic_ptr(Config::version(1)),
    });
    let requests: Vec<_> = (0..TASKS)
        .map(|_| {
            let service = Arc::clone(&service);
            tokio::spawn(async move {
                let mut held_across_reload = 0;
                for _ in 0..REQUESTS_PER_TASK {
                    held_across_reload += usize::from(request(&service).await);
                }
                held_across_reload
            })
        })
        .collect();
    let reloader = tokio::spawn({
        let service = Arc::clone(&service);
        async move {
            for version in 2..=RELOADS + 1 {
                tokio::time::sleep(RELOAD_EVERY).await;
                service.swap_and_retire_config(Config::version(version));
            }
        }
    });
    reloader.await.unwrap();
    let mut held_across_reload = 0;
    for task in requests {
        held_across_reload += task.await.unwrap();
    }
    println!(
        "tokio hot-reload: {RELOADS} reloads, {} requests in {TASKS} tasks on 2 workers, {:.0?}",
        TASKS * REQUESTS_PER_TASK,
        started.elapsed()
    );
    println!("  requests whose guard kept a version alive across a reload: {held_across_reload}");

    // Nothing reads or reloads any more: the reclaimer frees the replaced versions by itself.
    if reclaimer_off() {
        println!("  HAZPTR_RECLAIMER=off: not checking that the background reclaimer frees them");
    } else {
        let idle = Instant::now();
        while DROPPED.load(Ordering::Relaxed) != MADE.load(Ordering::Relaxed) - 1 {
            assert!(
                idle.elapsed() < FREED_DEADLINE,
                "the background reclaimer left {} replaced versions unfreed for {FREED_DEADLINE:?}",
                MADE.load(Ordering::Relaxed) - 1 - DROPPED.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        println!(
            "  background reclaimer: all {} replaced versions freed {:.0?} after the last request, with no call",
            DROPPED.load(Ordering::Relaxed),
            idle.elapsed()
        );
    }

    drop(Arc::into_inner(service).expect("every task has ended"));
    let late = hazptr::reclaim();
    let (made, dropped) = (
        MADE.load(Ordering::Relaxed),
        DROPPED.load(Ordering::Relaxed),
    );
    println!(
        "  reloads: {RELOADS}, requests: {}, configs made {made}, dropped {dropped} ({late} by the final reclaim)",
        TASKS * REQUESTS_PER_TASK
    );
    assert_eq!(made, dropped);
    assert!(DROPS.iter().all(|drops| drops.load(Ordering::Relaxed) == 1));
}
