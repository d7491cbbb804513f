//! The handshake under contention (`take.rs`): an owner retiring flat out while another thread
//! takes its batch, every value dropped exactly once. Apart from `tests.rs`, so that its statics
//! stay next to it.

use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use super::{BUFFER, Buffer, WhenBusy, registry, retire_after_barrier, take};
use crate::field::atomic_ptr::AtomicPtr;
use crate::field::place::Field;
use crate::reclaim::barrier;

crate::static_unique_domain!(static CONTENDED: Domain<ContendedFamily>);

/// The most values the owner makes.
const MOST: usize = 400_000;
/// The owner goes on past this many values until the taker has taken [`TAKES`] times.
const LEAST: usize = 20_000;
const TAKES: usize = 300;

/// Which values were dropped.
static DROPPED: [AtomicBool; MOST] = [const { AtomicBool::new(false) }; MOST];
/// Drops of a value dropped before.
static AGAIN: AtomicUsize = AtomicUsize::new(0);

std::thread_local! {
    /// Whether this thread's pushes spin inside their busy sections.
    static WIDEN: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Called by `Buffer::push` in unit tests, inside its busy section, between its entry's
/// store and its length's: on a thread that asked for it, every 4th push spins there for
/// a few microseconds, longer than a `membarrier`, so that takers find it busy (and one
/// that ignored `busy` would copy the entries while the owner writes them).
pub(super) fn widen_busy_section(len: usize) {
    if len.is_multiple_of(4) && WIDEN.with(core::cell::Cell::get) {
        for _ in 0..2_000 {
            core::hint::spin_loop();
        }
    }
}

/// Value `n` records its drop in `DROPPED[n]`.
struct Once(usize);

impl Drop for Once {
    fn drop(&mut self) {
        if DROPPED[self.0].swap(true, Ordering::SeqCst) {
            AGAIN.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn swap(field: &AtomicPtr<Once, ContendedFamily>, new: Once) {
    Field::<AtomicPtr<Once, ContendedFamily>, Once, ContendedFamily>::NEW
        .static_domain(field)
        .swap_and_retire(new);
}

/// An owner retires in a tight loop while another thread takes its batch over and over,
/// alternately giving up on and waiting for its busy sections: every value is dropped once.
#[test]
fn a_batch_taken_while_its_owner_retires_drops_every_value_once() {
    if barrier::mode() != barrier::Mode::Asymmetric {
        // The fallback batches nothing: there is no handshake to test.
        return;
    }
    let field = AtomicPtr::<Once, ContendedFamily>::new(Once(0));
    let taken_batches = AtomicUsize::new(0);
    let owner_done = AtomicBool::new(false);
    let (address, owner_buffer) = mpsc::channel::<usize>();
    let (stopped, taker_stopped) = mpsc::channel::<()>();
    let (field_ref, taken_batches, owner_done) = (&field, &taken_batches, &owner_done);
    let made = std::thread::scope(|s| {
        let owner = s.spawn(move || {
            WIDEN.with(|widen| widen.set(true));
            swap(field_ref, Once(1));
            address
                .send(BUFFER.with(|b| ptr::from_ref(b) as usize))
                .unwrap();
            let mut made = 2;
            while made < MOST && (made < LEAST || taken_batches.load(Ordering::Relaxed) < TAKES) {
                swap(field_ref, Once(made));
                made += 1;
                // Lets the taker run while the batch is part full, also when the two
                // threads share a core (the other would otherwise get it mostly while this
                // one waits in a flush's `membarrier`, its batch empty).
                if made.is_multiple_of(16) {
                    std::thread::yield_now();
                }
            }
            owner_done.store(true, Ordering::Release);
            // Alive, so registered, until the taker stops: its address is only compared,
            // but must not become another thread's buffer meanwhile.
            taker_stopped.recv().unwrap();
            made
        });
        s.spawn(move || {
            let target = owner_buffer.recv().unwrap() as *const Buffer;
            let mut round = 0_usize;
            while !owner_done.load(Ordering::Acquire) {
                let when_busy = if round.is_multiple_of(2) {
                    WhenBusy::Wait
                } else {
                    WhenBusy::Skip
                };
                round += 1;
                let mut taken = Vec::new();
                take(
                    &registry(),
                    ptr::null(),
                    |b| ptr::eq(b, target),
                    when_busy,
                    &mut taken,
                );
                if !taken.is_empty() {
                    taken_batches.fetch_add(1, Ordering::Relaxed);
                    // SAFETY: moved out by `take`, whose handshake makes each push happen
                    // before this call; each was unlinked before its push.
                    unsafe { retire_after_barrier(&[&taken[..]]) };
                }
            }
            stopped.send(()).unwrap();
        });
        owner.join().unwrap()
    });
    // The owner's last batch was flushed at its exit; the last value is retired here.
    let _ = Field::<AtomicPtr<Once, ContendedFamily>, Once, ContendedFamily>::NEW
        .static_domain(&field)
        .clear_and_retire();
    crate::flush_retired();
    let _ = CONTENDED.as_engine().eager_reclaim();
    assert!(
        taken_batches.load(Ordering::Relaxed) >= TAKES,
        "the taker took the owner's batch {} times in {made} retirements",
        taken_batches.load(Ordering::Relaxed)
    );
    assert_eq!(
        AGAIN.load(Ordering::SeqCst),
        0,
        "no value was dropped twice"
    );
    let missing = DROPPED[..made]
        .iter()
        .filter(|d| !d.load(Ordering::SeqCst))
        .count();
    assert_eq!(missing, 0, "every one of the {made} values was dropped");
    assert!(DROPPED[made..].iter().all(|d| !d.load(Ordering::SeqCst)));
}
