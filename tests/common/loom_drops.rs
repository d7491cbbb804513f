//! A value for the loom models of the collections (`tests/loom_collections.rs`,
//! `tests/loom_skip.rs`): it logs its drop in its slot of a [`DropLog`], and fails the model
//! that drops it twice. (Included with `#[path]`, as `loom_model.rs` is.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many times the value of each slot was dropped.
#[derive(Default)]
pub struct DropLog([AtomicUsize; 8]);

impl DropLog {
    /// How many times the value of `slot` was dropped.
    pub fn drops(&self, slot: usize) -> usize {
        self.0[slot].load(Ordering::SeqCst)
    }
}

/// A value that logs its drop in its slot, and fails on a second one.
pub struct Value {
    /// Its slot of the log, which also names it in the models' assertions.
    pub slot: usize,
    /// The log, which the models read while the value lives.
    pub log: Arc<DropLog>,
}

impl Value {
    /// A value of `slot`, logged in `log`.
    pub fn new(slot: usize, log: &Arc<DropLog>) -> Self {
        Self {
            slot,
            log: Arc::clone(log),
        }
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        let before = self.log.0[self.slot].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "value {} dropped twice", self.slot);
    }
}
