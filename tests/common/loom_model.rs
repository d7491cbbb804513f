//! The loom harness of `tests/loom.rs` and `tests/loom_linked.rs` (`#[path]`-included by both):
//! `model` runs a body on a spawned loom thread, and `spawn` starts every thread of a model so
//! that it drains its hazard-pointer caches before it ends (see `tests/loom.rs`'s module
//! documentation for the two loom-specific facts behind both).

use hazptr::__private::HazardCache;
use hazptr::{Global, StaticDomain};
use loom::thread::{self, JoinHandle};

/// Runs `body` under loom, on a thread started by [`spawn`], with the preemption bound from
/// `LOOM_MAX_PREEMPTIONS` (2 when unset).
pub fn model<F: StaticDomain>(body: impl Fn() + Sync + Send + 'static) {
    model_bounded::<F>(usize::MAX, body);
}

/// [`model`], with the preemption bound capped at `max`: for a model whose interleavings grow
/// too fast past it (its documentation says why the cap still covers what it checks).
pub fn model_bounded<F: StaticDomain>(max: usize, body: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(2).min(max));
    // Each atomic operation is a branch; a vector or list operation makes a few hundred (its
    // domain, its buckets or nodes, hazard-record acquisition), more than loom's default of 1000.
    if std::env::var_os("LOOM_MAX_BRANCHES").is_none() {
        builder.max_branches = 20_000;
    }
    let body = std::sync::Arc::new(body);
    builder.check(move || {
        let body = std::sync::Arc::clone(&body);
        spawn::<F, _>(move || body()).join().unwrap();
    });
}

/// Spawns a loom thread running `f`, which then drains its hazard-pointer caches of the global
/// domain and of `F`'s (the model's own static family, or `Global` again).
pub fn spawn<F: StaticDomain, R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
    thread::spawn(move || {
        let result = f();
        let _ = Global::with_cache(HazardCache::drain_and_close);
        let _ = F::with_cache(HazardCache::drain_and_close);
        result
    })
}
