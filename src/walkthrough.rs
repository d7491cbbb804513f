//! The walkthrough: two threads protect the same configuration; one of them replaces it; the old
//! value survives reclamation while the other thread still reads it, and is freed once that last
//! protection ends.
//!
//! [`run`] plays the scenario step by step and reports each step, with the objects protected,
//! retired and freed at that point, to an observer: `examples/walkthrough.rs` narrates them, and
//! `tests/walkthrough.rs` asserts them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use hazptr::{AtomicPtr, Domain, HazardProtected};

/// The value behind the hazard pointer: a configuration that counts its drops.
pub struct Config {
    /// Which version of the configuration this is.
    pub version: u32,
    drops: &'static AtomicUsize,
}

impl Drop for Config {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// The service the two threads share.
#[derive(HazardProtected)]
pub struct Service {
    #[hazard(non_null)]
    config: AtomicPtr<Config>,
}

/// One step of the walkthrough, with what could be observed right after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What happened.
    pub what: String,
    /// The version each thread's guard reads (`None`: the thread holds no guard).
    pub thread1_reads: Option<u32>,
    /// See `thread1_reads`.
    pub thread2_reads: Option<u32>,
    /// How many `Config` values are retired but not yet freed.
    pub retired: usize,
    /// How many `Config` values have been dropped so far.
    pub freed: usize,
    /// How many objects the last reclamation freed, if the step ran one.
    pub reclaimed: Option<usize>,
}

/// What a worker thread is told to do next.
enum Order {
    Protect,
    ReplaceWithVersion(u32),
    Release,
    Stop,
}

/// Plays the walkthrough, reporting every step to `observe`.
///
/// `drops` counts dropped `Config`s; pass a fresh counter (it must be `'static` because retired
/// values live in the global domain).
///
/// # Panics
///
/// If a worker thread panics.
pub fn run(drops: &'static AtomicUsize, mut observe: impl FnMut(&Step)) {
    let service = Service {
        config: hazptr::atomic_ptr(Config { version: 1, drops }),
    };
    let mut reads = [None, None];
    // Values retired so far: the replaced v1, then v2 when the service is dropped.
    let mut retired = 0;
    let mut step =
        |what: &str, reads: [Option<u32>; 2], retired: usize, reclaimed: Option<usize>| {
            let freed = drops.load(Ordering::SeqCst);
            observe(&Step {
                what: what.to_owned(),
                thread1_reads: reads[0],
                thread2_reads: reads[1],
                retired: retired - freed,
                freed,
                reclaimed,
            });
        };

    thread::scope(|scope| {
        // Each worker obeys orders and answers with what its guard reads afterwards.
        let spawn = || {
            let (orders, inbox) = mpsc::channel::<Order>();
            let (answers, outbox) = mpsc::channel::<Option<u32>>();
            let service = &service;
            scope.spawn(move || {
                let mut guard = None;
                for order in inbox {
                    match order {
                        Order::Protect => guard = Some(service.load_protected_config()),
                        Order::ReplaceWithVersion(version) => {
                            service.swap_and_retire_config(Config { version, drops });
                        }
                        Order::Release => guard = None,
                        Order::Stop => break,
                    }
                    answers
                        .send(guard.as_ref().map(|config| config.version))
                        .expect("the walkthrough listens until the end");
                }
            });
            move |order: Order| {
                orders
                    .send(order)
                    .expect("the worker runs until told to stop");
                outbox.recv().ok().flatten()
            }
        };
        let thread1 = spawn();
        let thread2 = spawn();

        step(
            "the service holds config v1; nothing is protected",
            reads,
            retired,
            None,
        );
        reads[0] = thread1(Order::Protect);
        step(
            "thread 1 protects the current config (v1)",
            reads,
            retired,
            None,
        );
        reads[1] = thread2(Order::Protect);
        step(
            "thread 2 protects the same object (v1)",
            reads,
            retired,
            None,
        );
        reads[0] = thread1(Order::ReplaceWithVersion(2));
        retired += 1;
        step(
            "thread 1 installs v2 with swap_and_retire_config: v1 is retired, not freed",
            reads,
            retired,
            None,
        );
        reads[0] = thread1(Order::Release);
        step(
            "thread 1 drops its guard; thread 2 still protects v1",
            reads,
            retired,
            None,
        );
        let reclaimed = Domain::global().eager_reclaim();
        step(
            "eager reclaim: v1 survives, thread 2's hazard pointer still protects it",
            reads,
            retired,
            Some(reclaimed),
        );
        reads[1] = thread2(Order::Release);
        step(
            "thread 2 drops its guard: nothing protects v1 any more",
            reads,
            retired,
            None,
        );
        let reclaimed = Domain::global().eager_reclaim();
        step(
            "eager reclaim: v1 is freed",
            reads,
            retired,
            Some(reclaimed),
        );
        thread1(Order::Stop);
        thread2(Order::Stop);
    });

    drop(service);
    retired += 1;
    step(
        "the service is dropped: its last config (v2) is retired",
        reads,
        retired,
        None,
    );
    let reclaimed = Domain::global().eager_reclaim();
    step(
        "eager reclaim: v2 is freed; nothing leaked",
        reads,
        retired,
        Some(reclaimed),
    );
}
