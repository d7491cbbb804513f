//! Domain families, as the fields name them: [`InstanceFamily`] for a per-instance domain, and
//! [`static_unique_domain!`](crate::static_unique_domain), which declares a static domain with a
//! family of its own (a [`StaticDomain`](crate::StaticDomain), `protect/thread_locals.rs`).

/// A family for domains that live inside a struct, one per instance:
/// `#[hazard(domain = field)]`, with the field holding a `hazptr::Domain<Self>`.
///
/// Implement it for a type of your own (any type will do; it only names the family) or use
/// `()`:
///
/// ```
/// pub struct QueueFamily;
/// impl hazptr::InstanceFamily for QueueFamily {}
/// ```
///
/// It is not implemented for [`Global`](crate::Global) or any other
/// [`StaticDomain`](crate::StaticDomain)
/// family, on purpose: such a family has exactly one domain, which `protected!` and the static
/// fields' guards protect through, so a value of theirs must never be retired into another one.
/// A per-instance domain needs a family of its own. (A `static_unique_domain!` family could be
/// given this trait, but no second domain of it can be built: only its macro constructs it.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the family of a per-instance domain",
    label = "not an `InstanceFamily`",
    note = "a domain stored in the struct needs a family that has no program-wide domain: declare one with `struct MyFamily; impl hazptr::InstanceFamily for MyFamily {{}}`, or use `()`",
    note = "for the global domain or a `static_unique_domain!` family, drop `domain = …` from `#[hazard(…)]`"
)]
pub trait InstanceFamily: 'static {
    /// Names the bound: the derive checks a concrete family `F` with
    /// `let () = <F as InstanceFamily>::HOLDS;`, which fails exactly when `F` is not an
    /// `InstanceFamily`, with this trait's message at `F` (see `bounds.rs`).
    #[doc(hidden)]
    const HOLDS: () = ();
}

impl InstanceFamily for () {}

/// Declares a static domain with a family of its own, usable by `#[hazard]` fields of type
/// `AtomicPtr<T, Family>` and by `protected!`.
///
/// `static_unique_domain!(static NAME: Domain<Family>);` declares `NAME`, a program-wide
/// `Domain<Family>`, and `Family`, a type only this macro can instantiate (so no other domain of
/// that family can exist), like `haphazard`'s macro of the same name, and makes the family a
/// [`StaticDomain`](crate::StaticDomain) with its own per-thread hazard-pointer cache. Use it at
/// module scope; attributes such as doc comments before `static` go on the static. Values
/// retired into it are reclaimed independently of the global domain's, which keeps a busy
/// structure's garbage and scans to itself.
///
/// ```
/// use hazptr::{AtomicPtr, HazardProtected};
///
/// hazptr::static_unique_domain!(static ROUTES: Domain<RouteFamily>);
///
/// #[derive(HazardProtected)]
/// struct Router {
///     #[hazard(non_null)]
///     table: AtomicPtr<Vec<String>, RouteFamily>,
/// }
///
/// let router = Router { table: hazptr::atomic_ptr(vec!["/".to_string()]) };
/// router.swap_and_retire_table(vec!["/".to_string(), "/health".to_string()]);
/// assert_eq!(router.load_protected_table().len(), 2);
/// # let _ = &ROUTES;
/// ```
#[macro_export]
macro_rules! static_unique_domain {
    ($(#[$attr:meta])* $vis:vis static $domain:ident: Domain<$family:ident>) => {
        #[allow(non_snake_case)]
        mod $domain {
            #[doc = ::core::concat!(
                "The domain family of [`", ::core::stringify!($domain), "`]: only that static ",
                "can be a `Domain<", ::core::stringify!($family), ">`."
            )]
            pub struct $family {
                _only_this_module_constructs_it: (),
            }

            // SAFETY: `$family` has a private field, so only this module can construct it, and it
            // does so exactly once, for `$domain`: `$domain` is the only `Domain<$family>`.
            unsafe impl $crate::__private::Singleton for $family {}

            $crate::__domain_static!(
                $(#[$attr])* $domain: $family = $family { _only_this_module_constructs_it: () }
            );

            // SAFETY: `$domain` is the one domain of `$family` (see above), and the cache below
            // only receives hazard pointers that `hazptr` made from it.
            unsafe impl $crate::StaticDomain for $family {
                #[inline]
                fn domain() -> &'static $crate::Domain<Self> {
                    $crate::__domain_ref!($domain)
                }

                $crate::__static_domain_cache!($family);
            }
        }
        $vis use $domain::$family;
        $vis use $domain::$domain;
    };
}
