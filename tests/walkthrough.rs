//! The seed's walkthrough, asserted: an object protected by two threads survives a reclamation
//! after one thread retired it, and is freed by the first reclamation after the last protection
//! ends. This binary runs nothing else, so the global domain holds only its objects.

use std::sync::atomic::AtomicUsize;

use hazptr_suite::walkthrough::{Step, run};

static FREED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn retired_object_lives_until_the_last_protection_ends() {
    let mut steps: Vec<Step> = Vec::new();
    run(&FREED, |step| steps.push(step.clone()));
    // (thread 1 reads, thread 2 reads, retired but not freed, freed, reclaimed by this step)
    let seen: Vec<_> = steps
        .iter()
        .map(|s| {
            (
                s.thread1_reads,
                s.thread2_reads,
                s.retired,
                s.freed,
                s.reclaimed,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (None, None, 0, 0, None),       // v1 installed
            (Some(1), None, 0, 0, None),    // thread 1 protects v1
            (Some(1), Some(1), 0, 0, None), // thread 2 protects the same v1
            (Some(1), Some(1), 1, 0, None), // thread 1 swaps in v2; its guard still reads v1
            (None, Some(1), 1, 0, None),    // thread 1 releases
            (None, Some(1), 1, 0, Some(0)), // reclaim: v1 survives, thread 2 still reads it
            (None, None, 0, 1, None),       // thread 2 releases; the reclaimer frees v1
            (None, None, 0, 2, Some(1)),    // service dropped, v2 retired; reclaim frees it
        ],
        "{steps:#?}"
    );
}
