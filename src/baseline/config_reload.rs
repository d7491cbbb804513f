//! [`crate::config_reload::ConfigService`] written against raw `haphazard`: the same API, with
//! a hand-written guard (a hazard pointer and the pointer it protects), the `Acquire` fence and
//! `unsafe` retirement after an exchange, and a hand-written `Drop`.

use core::ops::Deref;
use core::ptr::{self, NonNull};
use core::sync::atomic::{Ordering, fence};

use haphazard::{AtomicPtr, Domain, HazardPointer};

pub use crate::config_reload::Snapshot;

/// A configuration that readers load without blocking while writers replace it.
pub struct ConfigService<C: Send + Sync + 'static> {
    /// Never null; protected by, and retired into, the global domain.
    current: AtomicPtr<Snapshot<C>>,
}

/// The current configuration, protected while the guard lives.
pub struct Guard<'a, C> {
    value: NonNull<Snapshot<C>>,
    _hazard: HazardPointer<'static>,
    _service: core::marker::PhantomData<&'a Snapshot<C>>,
}

impl<C> Deref for Guard<'_, C> {
    type Target = Snapshot<C>;

    fn deref(&self) -> &Snapshot<C> {
        // SAFETY: `_hazard` protects `value`, which it loaded from the service's field, whose
        // values are retired into the global domain only; it lives as long as the guard.
        unsafe { self.value.as_ref() }
    }
}

impl<C: Send + Sync + 'static> ConfigService<C> {
    /// A service whose configuration is `initial`, as version 1.
    #[must_use]
    pub fn new(initial: C) -> Self {
        Self {
            current: AtomicPtr::from(Box::new(Snapshot {
                version: 1,
                config: initial,
            })),
        }
    }

    /// The current configuration, protected for as long as the guard lives.
    ///
    /// # Panics
    ///
    /// Never: the configuration is never empty.
    pub fn load(&self) -> Guard<'_, C> {
        let mut hazard = HazardPointer::new();
        let value = NonNull::from(
            self.current
                .safe_load(&mut hazard)
                .expect("the configuration is never empty"),
        );
        Guard {
            value,
            _hazard: hazard,
            _service: core::marker::PhantomData,
        }
    }

    /// Runs `f` on the current configuration.
    ///
    /// # Panics
    ///
    /// Never: the configuration is never empty.
    pub fn read<R>(&self, f: impl FnOnce(&Snapshot<C>) -> R) -> R {
        let mut hazard = HazardPointer::new();
        f(self
            .current
            .safe_load(&mut hazard)
            .expect("the configuration is never empty"))
    }

    /// Publishes `config` as the next version and returns that version number.
    ///
    /// # Panics
    ///
    /// Never: the configuration is never empty.
    pub fn publish(&self, config: C) -> u64 {
        let mut next = Box::new(Snapshot { version: 0, config });
        let mut hazard = HazardPointer::new();
        loop {
            let current = self
                .current
                .safe_load(&mut hazard)
                .expect("the configuration is never empty");
            let version = current.version + 1;
            next.version = version;
            match self
                .current
                .compare_exchange(ptr::from_ref(current).cast_mut(), next)
            {
                Ok(old) => {
                    let old = old.expect("the configuration is never empty");
                    // `compare_exchange` is only `Release`: pair it with the store that published
                    // `old` before another thread drops it.
                    fence(Ordering::Acquire);
                    // SAFETY: `old` was just unlinked by this thread's exchange, so it is retired
                    // once, into the global domain that protects every value of the field.
                    unsafe { old.retire() };
                    return version;
                }
                Err(back) => next = back,
            }
        }
    }
}

impl<C: Send + Sync + 'static> Drop for ConfigService<C> {
    fn drop(&mut self) {
        // SAFETY: the field's last value, allocated as a `Box`; the field is never used again,
        // and guards (which borrow the service) are gone, but a `safe_load` reference is not
        // tied to the service, so the value is retired rather than freed; retired once.
        unsafe {
            Domain::global().retire_ptr::<Snapshot<C>, Box<Snapshot<C>>>(self.current.load_ptr());
        }
    }
}
