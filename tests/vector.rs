//! The lock-free vector: concurrent pushes and pops lose and duplicate nothing, every descriptor
//! and bucket is freed, every small `Copy` type round-trips (padded and zero-sized ones too), and
//! the two races of the original design (a helper marking a newer push done; a late helper
//! overwriting a reused slot) are forced with checkpoints and survived, with padded elements too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::num::NonZeroU32;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use hazptr_suite::baseline::vector::Vector as BaselineVector;
use hazptr_suite::vector::{Checkpoint, DescriptorCounters, Element, Hook, NoHook, Vector};

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

/// The derive-based vector and its raw-`haphazard` baseline, of elements `E`, for the tests both
/// must pass.
trait LockFreeVector<H, E = u64>: Sync {
    fn with_hook(hook: H) -> Self;
    fn push(&self, value: E);
    fn pop(&self) -> Option<E>;
    fn get(&self, index: usize) -> Option<E>;
    fn len(&self) -> usize;
    fn descriptor_counters(&self) -> DescriptorCounters;
}

macro_rules! impl_lock_free_vector {
    ($($vector:ident),*) => {$(
        impl<H: Hook, E: Element + Send> LockFreeVector<H, E> for $vector<E, H> {
            fn with_hook(hook: H) -> Self {
                $vector::with_hook(hook)
            }
            fn push(&self, value: E) {
                $vector::push(self, value);
            }
            fn pop(&self) -> Option<E> {
                $vector::pop(self)
            }
            fn get(&self, index: usize) -> Option<E> {
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

#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
struct Point {
    x: i16,
    y: i16,
}

fn round_trip<T: Element + PartialEq + Debug>(values: &[T]) {
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
    round_trip(&[Some(NonZeroU32::MIN), None, NonZeroU32::new(7)]);
}

/// A `u8` and a `u32`: 5 bytes of data and 3 of padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Stamp {
    thread: u8,
    step: u32,
}

/// A zero-sized type with a larger alignment than any slot's.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(align(16))]
struct Aligned;

static FORTY_TWO: u32 = 42;
static SEVEN: u32 = 7;

#[test]
fn padded_and_zero_sized_copy_types_round_trip() {
    // Padding bytes are uninitialised; under Miri, reading one as an integer would be reported.
    round_trip(&[(1_u8, 2_u16), (255, u16::MAX), (0, 0)]);
    round_trip(&[(7_u8, 0x0102_0304_u32), (0, 0), (u8::MAX, u32::MAX)]);
    round_trip(&[
        Stamp { thread: 3, step: 9 },
        Stamp { thread: 0, step: 0 },
        Stamp {
            thread: u8::MAX,
            step: u32::MAX,
        },
    ]);
    round_trip(&[(true, 1_u16), (false, u16::MAX)]);
    round_trip(&[(0.5_f32, 1_u8), (-0.0, 0)]);
    // `None` leaves its payload's 4 bytes uninitialised.
    round_trip(&[Some(1_u32), None, Some(u32::MAX), None]);
    round_trip(&[Some('x'), None]);
    round_trip(&[&FORTY_TWO, &SEVEN]);
    round_trip(&[(), (), ()]);
    round_trip(&[Aligned, Aligned]);
    round_trip(&[[(1_u8, 2_u16); 2], [(3, 4); 2]]);
}

#[test]
fn references_read_back_point_at_their_targets() {
    let vector = Vector::<&'static u32>::new();
    vector.push(&FORTY_TWO);
    vector.push(&SEVEN);
    assert!(std::ptr::eq(vector.get(0).unwrap(), &FORTY_TWO));
    assert_eq!(*vector.pop().unwrap(), 7);
    assert_eq!(*vector.pop().unwrap(), 42);
}

#[test]
fn elements_that_may_not_move_between_threads_work_on_their_thread() {
    // `*const u8` is `Copy` but not `Send`: the vector holds it (and is then neither `Send` nor
    // `Sync`, which a compile-fail case in ui-tests/vector checks).
    let bytes = [1u8, 2, 3];
    let vector = Vector::<*const u8>::new();
    for byte in &bytes {
        vector.push(byte);
    }
    assert!(std::ptr::eq(vector.get(1).unwrap(), &bytes[1]));
    let popped: Vec<*const u8> = std::iter::from_fn(|| vector.pop()).collect();
    let expected: Vec<*const u8> = bytes.iter().rev().map(std::ptr::from_ref).collect();
    assert_eq!(popped, expected);
}

fn stamp(thread: u64, step: u64) -> Stamp {
    Stamp {
        thread: u8::try_from(thread).unwrap(),
        step: u32::try_from(step).unwrap(),
    }
}

#[test]
fn concurrent_padded_pushes_and_pops_lose_and_duplicate_nothing() {
    padded_pushes_and_pops_lose_and_duplicate_nothing::<Vector<Stamp>>();
}

#[test]
fn baseline_concurrent_padded_pushes_and_pops_lose_and_duplicate_nothing() {
    padded_pushes_and_pops_lose_and_duplicate_nothing::<BaselineVector<Stamp>>();
}

/// As `pushes_and_pops_lose_and_duplicate_nothing`, with an element that has padding: every
/// value read is one that was pushed, and pops plus what remains are exactly the pushes.
fn padded_pushes_and_pops_lose_and_duplicate_nothing<V: LockFreeVector<NoHook, Stamp>>() {
    let vector = V::with_hook(NoHook);
    let is_pushed =
        |read: Stamp| u64::from(read.thread) < THREADS && u64::from(read.step) < PER_THREAD;
    let popped: Vec<Vec<Stamp>> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let vector = &vector;
                s.spawn(move || {
                    let mut popped = Vec::new();
                    for step in 0..PER_THREAD {
                        vector.push(stamp(thread, step));
                        if step % 3 != 0 {
                            popped.extend(vector.pop());
                        }
                        let len = vector.len();
                        if len > 0 {
                            let index = usize::try_from(step).unwrap() % len;
                            if let Some(read) = vector.get(index) {
                                assert!(is_pushed(read), "get({index}) read {read:?}");
                            }
                        }
                    }
                    popped
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut seen: Vec<Stamp> = popped.into_iter().flatten().collect();
    assert!(seen.iter().all(|&read| is_pushed(read)));
    seen.extend(std::iter::from_fn(|| vector.pop()));
    assert_eq!(vector.len(), 0);
    seen.sort_unstable();
    let mut pushed: Vec<Stamp> = (0..THREADS)
        .flat_map(|thread| (0..PER_THREAD).map(move |step| stamp(thread, step)))
        .collect();
    pushed.sort_unstable();
    assert_eq!(seen.len(), pushed.len(), "lost or duplicated elements");
    assert!(seen == pushed, "popped elements differ from pushed ones");
}

#[test]
fn concurrent_zero_sized_pushes_and_pops_count_right() {
    let vector = Vector::<()>::new();
    let popped: usize = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    // This thread's pushes minus its pops. Every thread pops only after it
                    // pushed, so the vector always holds at least `mine` elements.
                    let mut mine = 0_usize;
                    let mut popped = 0;
                    for step in 0..PER_THREAD {
                        vector.push(());
                        mine += 1;
                        if step % 2 == 0 {
                            assert_eq!(vector.pop(), Some(()));
                            mine -= 1;
                            popped += 1;
                        }
                        assert!(vector.len() >= mine);
                        if let Some(last) = mine.checked_sub(1) {
                            assert_eq!(vector.get(last), Some(()));
                        }
                    }
                    popped
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let remaining = std::iter::from_fn(|| vector.pop()).count();
    assert_eq!(
        u64::try_from(popped + remaining).unwrap(),
        THREADS * PER_THREAD
    );
}

/// Elements that the forced-race tests push: `sample(n)` differ for different `n`.
trait Sample: Element + Send + Sync + PartialEq + Debug {
    fn sample(n: u8) -> Self;
}

impl Sample for u64 {
    fn sample(n: u8) -> Self {
        Self::from(n)
    }
}

impl Sample for Stamp {
    fn sample(n: u8) -> Self {
        Self {
            thread: n,
            step: u32::from(n),
        }
    }
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
fn a_helper_marks_only_the_write_it_helped<E: Sample, V: LockFreeVector<Gates, E>>() {
    let [one, two] = [1, 2].map(E::sample);
    let gates = Gates::default();
    let p1_installed = gates.add("p1", Checkpoint::PushInstalled { location: 0 });
    let helper_stored = gates.add("helper", Checkpoint::WriteStored { location: 0 });
    let p2_installed = gates.add("p2", Checkpoint::PushInstalled { location: 1 });
    let vector = V::with_hook(gates);

    thread::scope(|s| {
        // p1 installs "push 1 at 0" and stops before writing it.
        let p1 = spawn_named(s, "p1", || vector.push(one));
        p1_installed.wait_reached();
        // The helper reads index 0, so it helps p1's write: it stores it, and stops before
        // marking it done.
        let helper = spawn_named(s, "helper", || vector.get(0));
        helper_stored.wait_reached();
        // p2 helps p1's write too (already stored: it only marks it done), installs "push 2 at
        // 1", and stops before writing it.
        let p2 = spawn_named(s, "p2", || vector.push(two));
        p2_installed.wait_reached();
        // The helper wakes up and marks the write it helped. (The original marked the current
        // descriptor's, p2's, as done: p2's element would never be written.)
        helper_stored.release();
        assert_eq!(helper.join().unwrap(), Some(one));

        assert_eq!(vector.len(), 2);
        assert_eq!(vector.get(1), Some(two), "p2's push was lost");
        assert_eq!(vector.pop(), Some(two));
        assert_eq!(vector.pop(), Some(one));
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
/// very bits the helper expects (here `sample(0)`, whose initialised bytes are those of a slot
/// never written: zeros).
fn a_late_helper_cannot_overwrite_a_reused_slot<E: Sample, V: LockFreeVector<Gates, E>>() {
    let [zero, seven] = [0, 7].map(E::sample);
    let gates = Gates::default();
    let p1_installed = gates.add("p1", Checkpoint::PushInstalled { location: 0 });
    let helper_helping = gates.add("helper", Checkpoint::HelpingWrite { location: 0 });
    let vector = V::with_hook(gates);

    thread::scope(|s| {
        let p1 = spawn_named(s, "p1", || vector.push(seven));
        p1_installed.wait_reached();
        // The helper finds "push 7 at 0" pending, expecting the slot's old value (zeros).
        let helper = spawn_named(s, "helper", || vector.get(0));
        helper_helping.wait_reached();
        // Meanwhile this thread finishes the write, pops 7, and pushes 0 at the same index.
        assert_eq!(vector.pop(), Some(seven));
        vector.push(zero);
        assert_eq!(vector.get(0), Some(zero));
        // The helper's swap now runs late: it must fail.
        helper_helping.release();
        assert_eq!(helper.join().unwrap(), Some(zero));
        assert_eq!(
            vector.get(0),
            Some(zero),
            "a stale helper overwrote the slot"
        );
        assert_eq!(vector.pop(), Some(zero));
        p1_installed.release();
        p1.join().unwrap();
    });
    assert_eq!(vector.pop(), None);
}

#[test]
fn derive_a_helper_marks_only_the_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<u64, Vector<u64, Gates>>();
}

#[test]
fn baseline_a_helper_marks_only_the_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<u64, BaselineVector<u64, Gates>>();
}

#[test]
fn derive_a_helper_marks_only_the_padded_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<Stamp, Vector<Stamp, Gates>>();
}

#[test]
fn baseline_a_helper_marks_only_the_padded_write_it_helped() {
    a_helper_marks_only_the_write_it_helped::<Stamp, BaselineVector<Stamp, Gates>>();
}

#[test]
fn derive_a_late_helper_cannot_overwrite_a_reused_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<u64, Vector<u64, Gates>>();
}

#[test]
fn baseline_a_late_helper_cannot_overwrite_a_reused_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<u64, BaselineVector<u64, Gates>>();
}

#[test]
fn derive_a_late_helper_cannot_overwrite_a_reused_padded_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<Stamp, Vector<Stamp, Gates>>();
}

#[test]
fn baseline_a_late_helper_cannot_overwrite_a_reused_padded_slot() {
    a_late_helper_cannot_overwrite_a_reused_slot::<Stamp, BaselineVector<Stamp, Gates>>();
}
