//! The seed's two-thread scenario, narrated step by step: two threads protect the same object,
//! one retires it, and it is freed only once the last protection ends.
//!
//! Run with `cargo run --release --example walkthrough`.

use std::sync::atomic::AtomicUsize;

static FREED: AtomicUsize = AtomicUsize::new(0);

fn main() {
    println!("hazptr walkthrough: one object, two readers, one replacement\n");
    println!(
        "{:<4} {:<78} {:>8} {:>8} {:>7} {:>5}",
        "step", "what happened", "thread 1", "thread 2", "retired", "freed"
    );
    let mut number = 0;
    let mut last = None;
    hazptr_suite::walkthrough::run(&FREED, |step| {
        number += 1;
        last = Some((step.retired, step.freed));
        let guard = |read: Option<u32>| read.map_or_else(|| "-".to_owned(), |v| format!("v{v}"));
        let reclaimed = step
            .reclaimed
            .map(|n| format!("  (reclaimed {n})"))
            .unwrap_or_default();
        println!(
            "{number:<4} {:<78} {:>8} {:>8} {:>7} {:>5}{reclaimed}",
            step.what,
            guard(step.thread1_reads),
            guard(step.thread2_reads),
            step.retired,
            step.freed,
        );
    });
    println!("\nthread N: the config version that thread's guard protects and reads (- = none)");
    println!("retired: Config values retired and waiting for reclamation");
    println!("freed: Config values dropped so far (v1, then v2 when the service is dropped)");
    assert_eq!(last, Some((0, 2)), "both configs freed, none left retired");
}
