//! Hostile input for `#[derive(HazardProtected)]`: a user crate that forbids `unsafe`, derives
//! from inside `macro_rules!`, names `Self` in field types, shadows the std names generated code
//! might lean on (`Option`, `Result`, `Box`, `core`, `std`, `Drop`, `Send`, `Sync`, `Into`,
//! `FnMut`, …), uses raw identifiers, generics with lifetimes, const parameters and `where`
//! clauses, and tuple structs. Every case must compile and behave: the tests read values back and
//! count drops.
#![forbid(unsafe_code)]

mod common;

use ::std::sync::atomic::{AtomicUsize, Ordering};

/// Drop counters, one per test (the tests of this binary run concurrently, and the global
/// domain is shared; each counts only its own values).
struct Counted {
    value: u64,
    drops: &'static AtomicUsize,
}

impl ::core::ops::Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted(value: u64, drops: &'static AtomicUsize) -> Counted {
    Counted { value, drops }
}

/// Frees what the global domain can free until `drops` reaches `expected` (see
/// `common::reclaim_global_until`).
fn reclaim_until(drops: &AtomicUsize, expected: usize) {
    common::reclaim_global_until(|| drops.load(Ordering::SeqCst) >= expected);
}

/// Every std name the expansion could resolve relatively is shadowed here by something else.
#[allow(dead_code, non_camel_case_types, clippy::upper_case_acronyms)]
mod shadowed {
    use super::{Counted, counted, reclaim_until};
    use ::std::sync::atomic::{AtomicUsize, Ordering};

    type Option = ();
    type Result = ();
    type Vec = ();
    type String = ();
    struct Box;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    mod core {}
    mod std {}
    mod alloc {}
    trait Drop {}
    trait Send {}
    trait Sync {}
    trait Sized {}
    trait Into {}
    trait From {}
    trait FnMut {}
    trait FnOnce {}
    trait Fn {}
    trait Deref {}
    trait Default {}
    trait Clone {}
    fn drop() {}
    fn panic() {}
    #[allow(unused_macros)]
    macro_rules! panic {
        ($($tt:tt)*) => {
            compile_error!("the expansion used a relative `panic!`")
        };
    }
    #[allow(unused_macros)]
    macro_rules! unreachable {
        ($($tt:tt)*) => {
            compile_error!("the expansion used a relative `unreachable!`")
        };
    }
    type AtomicPtr = ();
    type Domain = ();
    type Protected = ();
    type HazardPointer = ();
    type Global = ();

    /// A struct whose field type names `Self`, next to a raw-identifier field, with every name
    /// above in scope.
    #[derive(::hazptr::HazardProtected)]
    pub struct Node {
        #[hazard]
        pub r#type: ::hazptr::AtomicPtr<Counted>,
        #[hazard]
        pub next: ::hazptr::AtomicPtr<Self>,
        pub label: u64,
    }

    #[test]
    fn shadowed_names_self_and_raw_identifiers() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        static NODE_DROPS: AtomicUsize = AtomicUsize::new(0);

        let node = Node {
            r#type: ::hazptr::atomic_ptr(counted(1, &DROPS)),
            next: ::hazptr::null_ptr(),
            label: 0,
        };
        // The raw identifier's methods drop the `r#`.
        ::core::assert_eq!(
            node.load_protected_type().map(|v| v.value),
            ::core::option::Option::Some(1)
        );
        node.swap_and_retire_type(counted(2, &DROPS));
        ::core::assert_eq!(
            node.load_protected_type().map(|v| v.value),
            ::core::option::Option::Some(2)
        );
        node.update_type(|old| counted(old.map_or(0, |v| v.value) + 1, &DROPS));
        ::core::assert_eq!(
            node.load_protected_type().map(|v| v.value),
            ::core::option::Option::Some(3)
        );

        // `AtomicPtr<Self>`: a node pointing at a node.
        ::core::assert!(node.load_protected_next().is_none());
        let child = Node {
            r#type: ::hazptr::atomic_ptr(counted(10, &DROPS)),
            next: ::hazptr::null_ptr(),
            label: 7,
        };
        node.swap_and_retire_next(child);
        {
            let child = node.load_protected_next().unwrap();
            ::core::assert_eq!(child.label, 7);
            ::core::assert_eq!(child.load_protected_type().unwrap().value, 10);
        }
        ::core::assert!(node.clear_and_retire_next());
        ::core::assert!(!node.clear_and_retire_next());

        let _ = &NODE_DROPS;
        // 1 and 2 replaced, the child (holding 10) retired: dropping it retired 10, which the
        // same cleanup may or may not have reached; a later one does.
        reclaim_until(&DROPS, 3);
        ::core::assert_eq!(DROPS.load(Ordering::SeqCst), 3);
        ::core::mem::drop(node);
        reclaim_until(&DROPS, 4);
        ::core::assert_eq!(DROPS.load(Ordering::SeqCst), 4, "allocations == drops");
    }
}

/// Structs declared by a `macro_rules!` expansion, with the field name, the pointee type and
/// the struct name all coming from the macro's input, and the attributes from its body.
macro_rules! declare_cell {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $field:ident: $pointee:ty }) => {
        $(#[$meta])*
        #[derive(::hazptr::HazardProtected)]
        $vis struct $name {
            #[hazard(non_null)]
            $field: ::hazptr::AtomicPtr<$pointee>,
        }

        impl $name {
            fn new(value: $pointee) -> Self {
                Self { $field: ::hazptr::atomic_ptr(value) }
            }
        }
    };
}

declare_cell! {
    /// A cell declared through `macro_rules!`.
    pub struct MacroCell { slot: Counted }
}

/// A tuple struct declared through `macro_rules!`, newtype form: bare method names.
macro_rules! declare_newtype {
    ($name:ident<$pointee:ty>) => {
        #[derive(::hazptr::HazardProtected)]
        struct $name(#[hazard(non_null)] ::hazptr::AtomicPtr<$pointee>);
    };
}

declare_newtype!(MacroNewtype<Counted>);

#[test]
fn derive_inside_macro_rules() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let cell = MacroCell::new(counted(1, &DROPS));
    assert_eq!(cell.load_protected_slot().value, 1);
    cell.update_slot(|old| counted(old.value * 10, &DROPS));
    assert_eq!(cell.load_protected_slot().value, 10);

    let newtype = MacroNewtype(hazptr::atomic_ptr(counted(5, &DROPS)));
    let guard = newtype.load_protected();
    newtype.swap_and_retire(counted(6, &DROPS));
    reclaim_until(&DROPS, 0);
    assert_eq!(guard.value, 5, "still protected");
    drop(guard);
    assert_eq!(newtype.load_protected().value, 6);

    reclaim_until(&DROPS, 2);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2, "1 and 5");
    drop((cell, newtype));
    reclaim_until(&DROPS, 4);
    assert_eq!(DROPS.load(Ordering::SeqCst), 4, "allocations == drops");
}

/// Generics: a lifetime, a type parameter with bounds inline and in a `where` clause, a const
/// parameter, a default, in the global domain.
#[derive(hazptr::HazardProtected)]
pub struct Generic<'a, T, const N: usize, U = u8>
where
    T: Send + Sync + 'static,
    U: Copy,
{
    #[hazard(non_null)]
    items: hazptr::AtomicPtr<[T; N]>,
    #[hazard(rename = extra)]
    maybe: hazptr::AtomicPtr<(T, u64)>,
    borrowed: &'a str,
    unit: U,
}

#[test]
fn generics_lifetimes_const_parameters_and_where_clauses() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let text = String::from("borrowed");
    let generic: Generic<'_, Counted, 2> = Generic {
        items: hazptr::atomic_ptr([counted(1, &DROPS), counted(2, &DROPS)]),
        maybe: hazptr::null_ptr(),
        borrowed: &text,
        unit: 0,
    };
    assert_eq!(
        generic.load_protected_items().each_ref().map(|c| c.value),
        [1, 2]
    );
    generic.swap_and_retire_items([counted(3, &DROPS), counted(4, &DROPS)]);
    assert!(generic.load_protected_extra().is_none());
    generic.swap_and_retire_extra((counted(5, &DROPS), 9));
    assert_eq!(generic.load_protected_extra().unwrap().1, 9);
    assert_eq!((generic.borrowed, generic.unit), ("borrowed", 0));
    reclaim_until(&DROPS, 2);
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    drop(generic);
    reclaim_until(&DROPS, 5);
    assert_eq!(DROPS.load(Ordering::SeqCst), 5, "allocations == drops");
}

/// A tuple struct with several hazard fields (each renamed), its own domain named by index, and
/// a lifetime parameter on a plain field.
///
/// The pointees are owned (`'static`) on purpose: whether a per-instance domain may hold values
/// that borrow shorter-lived data is a soundness question of its own (a `Domain<F>` can be moved
/// out of its struct with `mem::replace` and outlive the borrow; see issue 6's report), not a
/// question of what input the derive accepts.
struct TupleFamily;
impl hazptr::InstanceFamily for TupleFamily {}

#[derive(hazptr::HazardProtected)]
#[hazard(domain = 2)]
struct Tuple<'a>(
    #[hazard(rename = first)] hazptr::AtomicPtr<Counted, TupleFamily>,
    #[hazard(rename = r#second, non_null)] hazptr::AtomicPtr<(u64, u64), TupleFamily>,
    hazptr::Domain<TupleFamily>,
    &'a str,
);

#[test]
fn tuple_struct_with_a_per_instance_domain() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    let name = String::from("local");
    let tuple = Tuple(
        hazptr::atomic_ptr(counted(1, &DROPS)),
        hazptr::atomic_ptr((0, 1)),
        hazptr::Domain::new(&TupleFamily),
        &name,
    );
    assert_eq!(tuple.load_protected_first().unwrap().value, 1);
    let current = tuple.load_protected_first().unwrap();
    assert!(
        tuple
            .compare_exchange_and_retire_first(Some(&*current), counted(2, &DROPS))
            .is_ok()
    );
    // A stale exchange hands its value back, which is then dropped here (a failed exchange
    // retires nothing, so it runs no reclamation that could drop something else meanwhile).
    let before = DROPS.load(Ordering::SeqCst);
    let stale = tuple.compare_exchange_and_retire_first(Some(&*current), counted(3, &DROPS));
    assert_eq!(stale.map_err(|back| back.value), Err(3));
    assert_eq!(
        DROPS.load(Ordering::SeqCst) - before,
        1,
        "the value handed back"
    );
    assert_eq!(current.value, 1, "the guard still reads the replaced value");
    drop(current);
    assert_eq!(tuple.load_protected_first().unwrap().value, 2);
    tuple.update_second(|&(a, b)| (b, a + b));
    tuple.update_second(|&(a, b)| (b, a + b));
    assert_eq!(*tuple.load_protected_second(), (1, 2));
    assert_eq!(tuple.3, "local");
    // Dropping the struct drops its domain, which frees everything retired into it.
    drop(tuple);
    assert_eq!(DROPS.load(Ordering::SeqCst), 3, "allocations == drops");
}
