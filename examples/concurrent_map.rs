//! `hazptr::collections::HashMap`, the map the crate ships: a session table that four threads
//! fill, update and prune while a reader holds one session for the whole run. The table grows
//! from one bucket to 40,000 sessions without blocking anyone, the held session stays readable
//! through its removal, and the replaced values do not pile up behind it. Everything is checked
//! at the end.
//!
//! Run with `cargo run --release --example concurrent_map`.
//!
//! (`examples/hash_map.rs` is the other map: Michael's 2002 design with a fixed number of
//! buckets, written on the toolkit as a user would.)

use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::collections::HashMap;

/// Sessions each writer opens.
const PER_WRITER: u64 = 10_000;
const WRITERS: u64 = 4;

/// Session values alive (made and not yet dropped).
static ALIVE: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Session {
    user: String,
    hits: u64,
}

impl Session {
    fn new(user: String, hits: u64) -> Self {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        Self { user, hits }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

fn main() {
    let sessions: HashMap<u64, Session> = HashMap::with_capacity(1);
    sessions.insert(0, Session::new("admin".into(), 0));
    let held = sessions.get(&0).expect("just inserted"); // held for the whole run
    let mut peak_alive = 0;

    std::thread::scope(|s| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let sessions = &sessions;
                s.spawn(move || {
                    let mut peak = 0;
                    for i in 0..PER_WRITER {
                        let id = 1 + i * WRITERS + w;
                        sessions.insert(id, Session::new(format!("user{id}"), 0));
                        // Three hits, each a read-copy-update of the session.
                        for _ in 0..3 {
                            sessions.update(&id, |s| Session::new(s.user.clone(), s.hits + 1));
                        }
                        // Every fourth session logs out.
                        if id.is_multiple_of(4) {
                            assert_eq!(sessions.remove(&id).map(|s| s.hits), Some(3));
                        }
                        peak = peak.max(ALIVE.load(Ordering::Relaxed));
                    }
                    peak
                })
            })
            .collect();
        // The admin logs out while a guard still reads the session.
        assert!(sessions.remove(&0).is_some());
        for writer in writers {
            peak_alive = peak_alive.max(writer.join().unwrap());
        }
    });

    let open = (1..=PER_WRITER * WRITERS)
        .filter(|id| !id.is_multiple_of(4))
        .count();
    assert_eq!(sessions.len(), open);
    assert!(
        sessions
            .iter()
            .all(|s| s.hits == 3 && s.user == format!("user{}", s.key()))
    );
    assert_eq!(held.user, "admin", "the held session is still readable");
    println!(
        "{open} sessions open, each with 3 hits; the admin session, removed, still reads {:?}",
        held.user
    );
    // 160,000 sessions were made; those replaced or removed are freed as they go, held one or not.
    println!("at most {peak_alive} sessions alive at once for {open} open");
    assert!(
        peak_alive < open + 5_000,
        "replaced sessions piled up: {peak_alive}"
    );

    drop(held);
    drop(sessions);
    hazptr::reclaim();
    assert_eq!(ALIVE.load(Ordering::Relaxed), 0, "every session freed");
    println!("map dropped and reclaimed: every session freed");
}
