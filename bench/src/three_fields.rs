//! Workload 7: a struct with three protected fields, read together.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use hazptr::{AtomicPtr, HazardProtected, protected};

use crate::payload::Payload;

/// Three fields, read together by every reader.
pub trait ThreeFields: Sync {
    /// Its name in tables.
    const NAME: &'static str;
    /// Three fields holding `0`, `1`, `2`.
    fn new() -> Self;
    /// Protects the three values at once, reads them, releases them; the sum of the values.
    fn read_all(&self) -> u64;
}

/// hazptr: a derived struct with three fields.
#[derive(HazardProtected)]
pub struct HazptrFields {
    #[hazard(non_null)]
    first: AtomicPtr<Payload>,
    #[hazard(non_null)]
    second: AtomicPtr<Payload>,
    #[hazard(non_null)]
    third: AtomicPtr<Payload>,
}

fn hazptr_fields() -> HazptrFields {
    HazptrFields {
        first: hazptr::atomic_ptr(Payload::new(0)),
        second: hazptr::atomic_ptr(Payload::new(1)),
        third: hazptr::atomic_ptr(Payload::new(2)),
    }
}

/// hazptr: one `protected!` block binding the three fields (one thread-local access for three
/// hazard pointers).
pub struct OneProtectedBlock(HazptrFields);

impl ThreeFields for OneProtectedBlock {
    const NAME: &'static str = "hazptr: one protected! block";

    fn new() -> Self {
        Self(hazptr_fields())
    }

    #[inline(always)]
    fn read_all(&self) -> u64 {
        let fields = &self.0;
        protected! {
            let Some(first) = fields.first else { unreachable!("non-null field") };
            let Some(second) = fields.second else { unreachable!("non-null field") };
            let Some(third) = fields.third else { unreachable!("non-null field") };
        }
        first.read() + second.read() + third.read()
    }
}

/// hazptr: three guards from the generated `load_protected_…()` methods, held together.
pub struct ThreeGuards(HazptrFields);

impl ThreeFields for ThreeGuards {
    const NAME: &'static str = "hazptr: three load_protected guards";

    fn new() -> Self {
        Self(hazptr_fields())
    }

    #[inline(always)]
    fn read_all(&self) -> u64 {
        let first = self.0.load_protected_first();
        let second = self.0.load_protected_second();
        let third = self.0.load_protected_third();
        first.read() + second.read() + third.read()
    }
}

/// `arc-swap`: three `ArcSwap` fields, three `load` guards held together.
pub struct ArcSwapFields {
    first: ArcSwap<Payload>,
    second: ArcSwap<Payload>,
    third: ArcSwap<Payload>,
}

impl ThreeFields for ArcSwapFields {
    const NAME: &'static str = "arc-swap: three load guards";

    fn new() -> Self {
        Self {
            first: ArcSwap::new(Arc::new(Payload::new(0))),
            second: ArcSwap::new(Arc::new(Payload::new(1))),
            third: ArcSwap::new(Arc::new(Payload::new(2))),
        }
    }

    #[inline(always)]
    fn read_all(&self) -> u64 {
        let first = self.first.load();
        let second = self.second.load();
        let third = self.third.load();
        first.read() + second.read() + third.read()
    }
}

/// Nanoseconds per three-field read on one thread.
#[inline(never)]
pub fn ns_per_read_all<S: ThreeFields>(fields: &S, reads: u64) -> f64 {
    black_box(fields.read_all());
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..reads {
        sum = sum.wrapping_add(fields.read_all());
    }
    let elapsed = start.elapsed();
    black_box(sum);
    #[allow(clippy::cast_precision_loss)]
    let ns = elapsed.as_nanos() as f64 / reads as f64;
    ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_reads_the_three_fields() {
        let _serial = crate::payload::counting_lock();
        assert_eq!(OneProtectedBlock::new().read_all(), 3);
        assert_eq!(ThreeGuards::new().read_all(), 3);
        assert_eq!(ArcSwapFields::new().read_all(), 3);
    }
}
