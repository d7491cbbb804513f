//! The lock-free vector: concurrent pushes and pops lose and duplicate nothing, every descriptor
//! and bucket is freed, and the two races of the original design (a helper marking a newer push
//! done; a late helper overwriting a reused slot) are forced with checkpoints and survived.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use bytemuck::NoUninit;
use hazptr_suite::baseline::vector::Vector as BaselineVector;
use hazptr_suite::vector::{Checkpoint, DescriptorCounters, Hook, NoHook, Vector};

/// Counts the bytes each thread has allocated and not freed, so that a single-threaded test can
/// check that dropping a vector frees everything it allocated, whatever other tests do meanwhile.
struct PerThreadLiveBytes;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn add_live_bytes(delta: isize) {
    // `try_with`: during thread teardown the counter may be gone; nothing to count then.
    let _ = LIVE_BYTES.try_with(|live| live.set(live.get() + delta));
}

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

#[allow(clippy::cast_possible_wrap)] // allocation sizes are below `isize::MAX`
// SAFETY: every method forwards to `System` unchanged; the counting touches no allocation.
unsafe impl GlobalAlloc for PerThreadLiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add_live_bytes(layout.size() as isize);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add_live_bytes(layout.size() as isize);
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add_live_bytes(-(layout.size() as isize));
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add_live_bytes(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PerThreadLiveBytes = PerThreadLiveBytes;

/// Iterations per thread: small under Miri, which runs about 1000× slower.
const PER_THREAD: u64 = if cfg!(miri) { 40 } else { 20_000 };
const THREADS: u64 = if cfg!(miri) { 3 } else { 4 };

/// The value thread `thread` pushes at its step `step`: distinct for every (thread, step), and
/// never 0, so a read of a slot no push wrote would show up as an unknown value.
fn pushed_value(thread: u64, step: u64) -> u64 {
    ((thread << 32 | step) << 1) | 1
}

fn is_pushed_value(value: u64) -> bool {
    value & 1 == 1 && (value >> 33) < THREADS && (value >> 1) & 0xFFFF_FFFF < PER_THREAD
}

/// The derive-based vector and its raw-`haphazard` baseline, for the tests both must pass.
trait LockFreeVector<H>: Sync {
    fn with_hook(hook: H) -> Self;
    fn push(&self, value: u64);
    fn pop(&self) -> Option<u64>;
    fn get(&self, index: usize) -> Option<u64>;
    fn len(&self) -> usize;
    fn descriptor_counters(&self) -> DescriptorCounters;
}

macro_rules! impl_lock_free_vector {
    ($($vector:ident),*) => {$(
        impl<H: Hook> LockFreeVector<H> for $vector<u64, H> {
            fn with_hook(hook: H) -> Self {
                $vector::with_hook(hook)
            }
            fn push(&self, value: u64) {
                $vector::push(self, value);
            }
            fn pop(&self) -> Option<u64> {
                $vector::pop(self)
            }
            fn get(&self, index: usize) -> Option<u64> {
                $vector::get(self, index)
            }
            fn len(&self) -> usize {
                $vector::len(self)
            }
            fn descriptor_counters(&self) -> DescriptorCounters {
                $vector::descriptor_counters(self)
            }
        }
    )*};
}

impl_lock_free_vector!(Vector, BaselineVector);

#[test]
fn concurrent_pushes_and_pops_lose_and_duplicate_nothing() {
    pushes_and_pops_lose_and_duplicate_nothing::<Vector<u64>>();
}

#[test]
fn baseline_concurrent_pushes_and_pops_lose_and_duplicate_nothing() {
    pushes_and_pops_lose_and_duplicate_nothing::<BaselineVector<u64>>();
}

fn pushes_and_pops_lose_and_duplicate_nothing<V: LockFreeVector<NoHook>>() {
    let vector = V::with_hook(NoHook);
    let counters = vector.descriptor_counters();
    let per_thread: Vec<(Vec<u64>, usize)> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let vector = &vector;
                s.spawn(move || {
                    let mut popped = Vec::new();
                    let mut reads = 0;
                    for step in 0..PER_THREAD {
                        vector.push(pushed_value(thread, step));
                        // Pop after two of every three pushes: the vector grows and shrinks.
                        if step % 3 != 0 {
                            popped.extend(vector.pop());
                        }
                        // Read some index below the size seen: it holds a pushed value.
                        let len = vector.len();
                        if len > 0 {
                            let index = usize::try_from(step).unwrap() % len;
                            if let Some(value) = vector.get(index) {
                                assert!(is_pushed_value(value), "get({index}) read {value:#x}");
                                reads += 1;
                            }
                        }
                    }
                    (popped, reads)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });

    let pops = per_thread
        .iter()
        .map(|(popped, _)| popped.len())
        .sum::<usize>();
    let reads: usize = per_thread.iter().map(|(_, reads)| reads).sum();
    assert!(reads > 0, "the readers read nothing");
    let remaining_len = vector.len();
    let remaining: Vec<u64> = (0..remaining_len).map(|i| vector.get(i).unwrap()).collect();
    let mut seen: Vec<u64> = per_thread
        .into_iter()
        .flat_map(|(popped, _)| popped)
        .collect();
    seen.extend(&remaining);
    seen.sort_unstable();
    let mut pushed: Vec<u64> = (0..THREADS)
        .flat_map(|thread| (0..PER_THREAD).map(move |step| pushed_value(thread, step)))
        .collect();
    pushed.sort_unstable();
    assert_eq!(seen.len(), pushed.len(), "lost or duplicated elements");
    assert!(seen == pushed, "popped + remaining differ from pushed");

    // Draining pops exactly the remaining elements, last first.
    let drained: Vec<u64> = std::iter::from_fn(|| vector.pop()).collect();
    assert_eq!(drained, remaining.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(vector.len(), 0);

    drop(vector);
    let stats = counters.snapshot();
    let pushes = THREADS * PER_THREAD;
    let pops = u64::try_from(pops + remaining_len).unwrap();
    // One descriptor installed per push and per pop, plus the first; each was retired.
    assert_eq!(stats.retired, 1 + pushes + pops, "{stats:?}");
    assert_eq!(
        stats.allocated,
        stats.retired + stats.discarded,
        "{stats:?}"
    );
    assert_eq!(
        stats.freed, stats.allocated,
        "descriptors leaked: {stats:?}"
    );
    assert_eq!(stats.reclaimed(), stats.retired, "{stats:?}");
}

#[test]
fn dropping_the_vector_frees_every_bucket_and_descriptor() {
    let before = live_bytes();
    let vector = Vector::<u32>::new();
    vector.reserve(100);
    // Buckets of 8, 16, 32 and 64 slots hold the first 120 elements.
    assert_eq!(vector.capacity(), 120);
    let pushes = if cfg!(miri) { 150 } else { 1000 };
    for i in 0..pushes {
        vector.push(i);
    }
    assert!(vector.capacity() >= 1000.min(pushes as usize));
    for _ in 0..pushes / 2 {
        vector.pop().unwrap();
    }
    let counters = vector.descriptor_counters();
    assert!(
        live_bytes() > before,
        "the vector allocated nothing on this thread?"
    );
    drop(vector);
    let stats = counters.snapshot();
    drop(counters);
    assert_eq!(live_bytes(), before, "bytes still allocated after the drop");
    assert_eq!(stats.freed, stats.allocated, "{stats:?}");
    assert_eq!(stats.retired, 1 + u64::from(pushes) + u64::from(pushes / 2));
}

#[test]
fn retired_descriptors_are_reclaimed_while_the_vector_lives() {
    let vector = Vector::<u64>::new();
    let counters = vector.descriptor_counters();
    for i in 0..100 {
        vector.push(i);
    }
    // No guard is held, so every replaced descriptor can go; the current one cannot.
    vector.reclaim();
    let stats = counters.snapshot();
    assert_eq!(stats.retired, 100);
    assert_eq!(stats.reclaimed(), 100, "{stats:?}");
    assert_eq!(
        stats.allocated - stats.freed,
        1,
        "only the current descriptor lives"
    );
}

#[test]
fn sequential_operations_behave_like_a_vec() {
    let vector = Vector::<i64>::new();
    let mut model = Vec::new();
    assert!(vector.is_empty());
    assert_eq!(vector.pop(), None);
    assert_eq!(vector.get(0), None);
    let steps = if cfg!(miri) { 60 } else { 3000 };
    for i in 0..steps {
        if i % 5 == 4 {
            assert_eq!(vector.pop(), model.pop());
        } else {
            vector.push(-i);
            model.push(-i);
        }
        assert_eq!(vector.len(), model.len());
    }
    for (index, value) in model.iter().enumerate() {
        assert_eq!(vector.get(index), Some(*value));
    }
    assert_eq!(vector.get(model.len()), None);
}

#[derive(Clone, Copy, Debug, PartialEq, NoUninit)]
#[repr(C)]
struct Point {
    x: i16,
    y: i16,
}

fn round_trip<T: hazptr_suite::vector::Element + PartialEq + std::fmt::Debug>(values: &[T]) {
    let vector = Vector::new();
    for &value in values {
        vector.push(value);
    }
    for (index, value) in values.iter().enumerate() {
        assert_eq!(vector.get(index).as_ref(), Some(value));
    }
    for value in values.iter().rev() {
        assert_eq!(vector.pop().as_ref(), Some(value));
    }
    assert_eq!(vector.pop(), None);
}

#[test]
fn every_small_padding_free_copy_type_round_trips() {
    round_trip(&[true, false, true]);
    round_trip(&['a', 'é', '🦀']);
    round_trip(&[[1_u8, 2, 3], [255, 0, 7]]);
    round_trip(&[f64::MIN_POSITIVE, -0.0, 1.5]);
    round_trip(&[u64::MAX, 0, 1 << 63]);
    round_trip(&[Point { x: -1, y: 2 }, Point { x: 3, y: -4 }]);
    round_trip(&[(), ()]);
}

/// One pause point: the thread that reaches it waits there until the test releases it.
struct Gate {
    reached: (SyncSender<()>, Mutex<Receiver<()>>),
    release: (SyncSender<()>, Mutex<Receiver<()>>),
}

const PATIENCE: Duration = Duration::from_secs(20);

impl Gate {
    fn new() -> Self {
        let (reached_tx, reached_rx) = sync_channel(1);
        let (release_tx, release_rx) = sync_channel(1);
        Self {
            reached: (reached_tx, Mutex::new(reached_rx)),
            release: (release_tx, Mutex::new(release_rx)),
        }
    }

    /// Called by the paused thread.
    fn pass(&self) {
        self.reached.0.send(()).unwrap();
        let release = self
            .release
            .1
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        release
            .recv_timeout(PATIENCE)
            .expect("the test never released the gate");
    }

    /// Waits until a thread is paused at the gate.
    fn wait_reached(&self) {
        let reached = self
            .reached
            .1
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        reached
            .recv_timeout(PATIENCE)
            .expect("no thread reached the checkpoint");
    }

    fn release(&self) {
        self.release.0.send(()).unwrap();
    }
}

/// Pauses the thread named `name` the first time it reaches `checkpoint`.
#[derive(Default)]
struct Gates(Mutex<HashMap<(String, Checkpoint), std::sync::Arc<Gate>>>);

impl Gates {
    fn add(&self, thread: &str, checkpoint: Checkpoint) -> std::sync::Arc<Gate> {
        let gate = std::sync::Arc::new(Gate::new());
        self.0.lock().unwrap().insert(
            (thread.to_owned(), checkpoint),
            std::sync::Arc::clone(&gate),
        );
        gate
    }
}

impl Hook for Gates {
    fn reached(&self, checkpoint: Checkpoint) {
        let Some(name) = thread::current().name().map(str::to_owned) else {
            return;
        };
        let gate = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(name, checkpoint));
        if let Some(gate) = gate {
            gate.pass();
        }
    }
}

fn spawn_named<'s, R: Send + 's>(
    scope: &'s thread::Scope<'s, '_>,
    name: &str,
    f: impl FnOnce() -> R + Send + 's,
) -> thread::ScopedJoinHandle<'s, R> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn_scoped(scope, f)
        .unwrap()
}

/// The original design's lost push: a helper finishes an old write, then clears the pending
/// write of the *current* descriptor, which by then is a newer push whose write never happened.
/// Here the helper only marks the write it helped, so the newer push survives.
fn a_helper_marks_only_the_write_it_helped<V: LockFreeVector<Gates>>() {
    let gates = Gates::default();
    let p1_installed = gates.add("p1", Checkpoint::PushInstalled { location: 0 });
    let helper_stored = gates.add("helper", Checkpoint::WriteStored { location: 0 });
    let p2_installed = gates.add("p2", Checkpoint::PushInstalled { location: 1 });
    let vector = V::with_hook(gates);

    thread::scope(|s| {
        // p1 installs "push 1 at 0" and stops before writing it.
        let p1 = spawn_named(s, "p1", || vector.push(1));
        p1_installed.wait_reached();
        // The helper reads index 0, so it helps p1's write: it stores it, and stops before
        // marking it done.
        let helper = spawn_named(s, "helper", || vector.get(0));
        helper_stored.wait_reached();
        // p2 helps p1's write too (already stored: it only marks it done), installs "push 2 at
        // 1", and stops before writing it.
        let p2 = spawn_named(s, "p2", || vector.push(2));
        p2_installed.wait_reached();
        // The helper wakes up and marks the write it helped. (The original marked the current
        // descriptor's, p2's, as done: p2's element would never be written.)
        helper_stored.release();
        assert_eq!(helper.join().unwrap(), Some(1));

        assert_eq!(vector.len(), 2);
        assert_eq!(vector.get(1), Some(2), "p2's push was lost");
        assert_eq!(vector.pop(), Some(2));
        assert_eq!(vector.pop(), Some(1));
        assert_eq!(vector.pop(), None);
        p1_installed.release();
        p2_installed.release();
        p1.join().unwrap();
        p2.join().unwrap();
    });
    assert_eq!(vector.len(), 0);
}

/// A helper that stalls just before its compare-and-swap must not overwrite the slot once the
/// write was done by another thread, popped, and the slot reused, even by an element with the
/// very bits the helper expects (here 0, the bits of a slot never written).
fn a_late_helper_cannot_overwrite_a_reused_slot<V: LockFreeVector<Gates>>() {
    let gates = Gates::default();
    let p1_installed = gates.add("p1", Checkpoint::PushInstalled { location: 0 });
    let helper_helping = gates.add("helper", Checkpoint::HelpingWrite { location: 0 });
    let vector = V::with_hook(gates);

    thread::scope(|s| {
        let p1 = spawn_named(s, "p1", || vector.push(7));
        p1_installed.wait_reached();
        // The helper finds "push 7 at 0" pending, expecting the slot's old value (bits 0).
        let helper = spawn_named(s, "helper", || vector.get(0));
        helper_helping.wait_reached();
        // Meanwhile this thread finishes the write, pops 7, and pushes 0 at the same index.
        assert_eq!(vector.pop(), Some(7));
        vector.push(0);
        assert_eq!(vector.get(0), Some(0));
        // The helper's swap now runs late: it must fail.
        helper_helping.release();
        assert_eq!(helper.join().unwrap(), Some(0));
        assert_eq!(vector.get(0), Some(0), "a stale helper overwrote the slot");
        assert_eq!(vector.pop(), Some(0));
        p1_installed.release();
        p1.join().unwrap();
    });
    assert_eq!(vector.pop(), None);
}

#[test]
fn derive_a_helper_marks_only_the_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<Vector<u64, Gates>>();
}

#[test]
fn baseline_a_helper_marks_only_the_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<BaselineVector<u64, Gates>>();
}

#[test]
fn derive_a_late_helper_cannot_overwrite_a_reused_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<Vector<u64, Gates>>();
}

#[test]
fn baseline_a_late_helper_cannot_overwrite_a_reused_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<BaselineVector<u64, Gates>>();
}
