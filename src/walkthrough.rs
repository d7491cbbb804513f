//! The walkthrough: two threads protect the same configuration; one of them replaces it; the old
//! value survives reclamation while the other thread still reads it, and is freed once that last
//! protection ends, by the background reclaimer, with no call.
//!
//! [`run`] plays the scenario step by step and reports each step, with the objects protected,
//! retired and freed at that point, to an observer: `examples/walkthrough.rs` narrates them, and
//! `tests/walkthrough.rs` asserts them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use hazptr::{AtomicPtr, HazardProtected};

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

/// A thread that obeys orders and answers with the version its guard reads afterwards.
struct Worker {
    orders: mpsc::Sender<Order>,
    answers: mpsc::Receiver<Option<u32>>,
}

impl Worker {
    fn spawn<'scope>(
        scope: &'scope thread::Scope<'scope, '_>,
        service: &'scope Service,
        drops: &'static AtomicUsize,
    ) -> Self {
        let (orders, inbox) = mpsc::channel::<Order>();
        let (answer, answers) = mpsc::channel::<Option<u32>>();
        scope.spawn(move || {
            let mut guard = None;
            for order in inbox {
                match order {
                    Order::Protect => guard = Some(service.load_protected_config()),
                    Order::ReplaceWithVersion(version) => {
                        service.swap_and_retire_config(Config { version, drops });
                        // Hand v1 to the domain now, so that the narrator's reclamations see
                        // it (hazptr batches a thread's retirements: `hazptr::barrier`).
                        hazptr::flush_retired();
                    }
                    Order::Release => guard = None,
                    Order::Stop => break,
                }
                answer
                    .send(guard.as_ref().map(|config| config.version))
                    .expect("the walkthrough listens until the end");
            }
        });
        Self { orders, answers }
    }

    /// Has the worker carry out `order`; returns what its guard reads afterwards.
    fn order(&self, order: Order) -> Option<u32> {
        self.orders
            .send(order)
            .expect("the worker runs until told to stop");
        self.answers.recv().ok().flatten()
    }
}

/// Reports steps, with the counts that can be observed after each.
struct Narrator<'o, O: FnMut(&Step)> {
    observe: &'o mut O,
    drops: &'static AtomicUsize,
    /// Values retired so far: the replaced v1, then v2 when the service is dropped.
    retired: usize,
    reads: [Option<u32>; 2],
}

impl<O: FnMut(&Step)> Narrator<'_, O> {
    fn step(&mut self, what: &str, reclaimed: Option<usize>) {
        let freed = self.drops.load(Ordering::SeqCst);
        (self.observe)(&Step {
            what: what.to_owned(),
            thread1_reads: self.reads[0],
            thread2_reads: self.reads[1],
            retired: self.retired - freed,
            freed,
            reclaimed,
        });
    }
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
    let mut narrator = Narrator {
        observe: &mut observe,
        drops,
        retired: 0,
        reads: [None, None],
    };

    thread::scope(|scope| {
        let thread1 = Worker::spawn(scope, &service, drops);
        let thread2 = Worker::spawn(scope, &service, drops);
        let n = &mut narrator;

        n.step("the service holds config v1; nothing is protected", None);
        n.reads[0] = thread1.order(Order::Protect);
        n.step("thread 1 protects the current config (v1)", None);
        n.reads[1] = thread2.order(Order::Protect);
        n.step("thread 2 protects the same object (v1)", None);
        n.reads[0] = thread1.order(Order::ReplaceWithVersion(2));
        n.retired += 1;
        n.step(
            "thread 1 installs v2 with swap_and_retire_config: v1 is retired, not freed",
            None,
        );
        n.reads[0] = thread1.order(Order::Release);
        n.step("thread 1 drops its guard; thread 2 still protects v1", None);
        let reclaimed = hazptr::reclaim();
        n.step(
            "hazptr::reclaim(): v1 survives, thread 2's hazard pointer still protects it",
            Some(reclaimed),
        );
        n.reads[1] = thread2.order(Order::Release);
        let freed_by_the_reclaimer = wait_until_freed(drops, 1);
        n.step(
            if freed_by_the_reclaimer {
                "thread 2 drops its guard; with no call, the background reclaimer frees v1"
            } else {
                "thread 2 drops its guard; the reclaimer is off: hazptr::reclaim() frees v1"
            },
            None,
        );
        thread1.order(Order::Stop);
        thread2.order(Order::Stop);
    });

    let before = drops.load(Ordering::SeqCst);
    drop(service);
    narrator.retired += 1;
    let _ = hazptr::reclaim();
    narrator.step(
        "service dropped (v2 retired); hazptr::reclaim() frees v2: nothing leaked",
        Some(drops.load(Ordering::SeqCst) - before),
    );
}

/// Waits until `drops` reaches `count`: the background reclaimer frees an unprotected value
/// within 100 ms; with it off (`HAZPTR_RECLAIMER=off`), calls `hazptr::reclaim()`. Whether the
/// reclaimer freed it.
fn wait_until_freed(drops: &AtomicUsize, count: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if drops.load(Ordering::SeqCst) >= count {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    let _ = hazptr::reclaim();
    false
}
