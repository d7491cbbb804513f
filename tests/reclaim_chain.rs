//! `hazptr::reclaim()` is complete: a chain of 100,000 derived nodes, each owning the next
//! through its `#[hazard]` field, is freed by one call, on a thread with a 2 MiB stack (the drops
//! run one after another, not nested). Alone in its binary: another test's `reclaim()` running
//! at the same time could take over a link of the chain and free the rest itself.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use hazptr::{AtomicPtr, Global, HazardProtected};

/// Counts its drops in the counter it points at.
struct Tracked(&'static AtomicUsize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

static CHAIN_DROPS: AtomicUsize = AtomicUsize::new(0);

/// A node of a chain: owns the next node through its `#[hazard]` field.
#[derive(HazardProtected)]
struct Node {
    #[hazard]
    next: AtomicPtr<Node>,
    _tracked: Tracked,
}

#[test]
fn one_reclaim_frees_a_chain_of_a_hundred_thousand_nodes_on_a_small_stack() {
    const NODES: usize = if cfg!(miri) { 200 } else { 100_000 };
    let freed = thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut head = hazptr::null_ptr::<Node, Global>();
            for _ in 0..NODES {
                head = hazptr::atomic_ptr(Node {
                    next: head,
                    _tracked: Tracked(&CHAIN_DROPS),
                });
            }
            #[derive(HazardProtected)]
            struct Root(#[hazard] AtomicPtr<Node>);
            let root = Root(head);
            drop(root);
            hazptr::reclaim();
            CHAIN_DROPS.load(Ordering::SeqCst)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(freed, NODES, "one call freed the whole chain");
}
