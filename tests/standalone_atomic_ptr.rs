//! A `hazptr::AtomicPtr` dropped on its own frees its value, as a `Box` would: a local, a field
//! of a struct that does not derive `HazardProtected`, an element of a `Vec`, one moved to
//! another thread first; and in a struct that derives, the value is retired (freed once) and not
//! freed again by the field's own drop.
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use hazptr::{AtomicPtr, HazardProtected};

/// Counts its drops in the counter it points at.
struct Tracked(&'static AtomicUsize);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_local_frees_its_value_when_dropped() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let local: AtomicPtr<Tracked> = hazptr::atomic_ptr(Tracked(&DROPS));
    drop(local);
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    let empty: AtomicPtr<Tracked> = hazptr::null_ptr();
    drop(empty);
    assert_eq!(
        DROPS.load(Ordering::SeqCst),
        1,
        "an empty one frees nothing"
    );
}

#[test]
fn a_field_of_a_struct_that_does_not_derive_frees_its_value() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Plain {
        _value: AtomicPtr<Tracked>,
    }
    drop(Plain {
        _value: hazptr::atomic_ptr(Tracked(&DROPS)),
    });
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn vec_elements_free_their_values() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let fields: Vec<AtomicPtr<Tracked>> = (0..10)
        .map(|_| hazptr::atomic_ptr(Tracked(&DROPS)))
        .collect();
    drop(fields);
    assert_eq!(DROPS.load(Ordering::SeqCst), 10);
}

#[test]
fn one_moved_to_another_thread_frees_its_value_there() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let field: AtomicPtr<Tracked> = hazptr::atomic_ptr(Tracked(&DROPS));
    std::thread::spawn(move || drop(field)).join().unwrap();
    assert_eq!(DROPS.load(Ordering::SeqCst), 1);
}

#[test]
fn a_derived_structs_last_value_is_retired_and_freed_once() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    #[derive(HazardProtected)]
    struct Holder {
        #[hazard]
        value: AtomicPtr<Tracked>,
    }
    let holder = Holder {
        value: hazptr::atomic_ptr(Tracked(&DROPS)),
    };
    holder.swap_and_retire_value(Tracked(&DROPS));
    drop(holder);
    hazptr::reclaim();
    assert_eq!(DROPS.load(Ordering::SeqCst), 2, "each value freed once");
}
