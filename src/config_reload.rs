//! A hot-reloaded configuration: readers on any number of threads read the current
//! configuration without ever blocking or taking a lock, while a writer publishes a new version
//! whenever it likes; each replaced version is reclaimed once the last reader that still holds
//! it lets go.
//!
//! This is the case the derive fits directly: every published configuration is a fresh `Box`,
//! so the service is written with the generated methods alone, without `unsafe`.

use hazptr::{AtomicPtr, HazardProtected, Protected, protected};

/// One published version of a configuration.
#[derive(Debug)]
pub struct Snapshot<C> {
    /// 1 for the initial configuration, then one more per publication.
    pub version: u64,
    /// The configuration itself.
    pub config: C,
}

/// A configuration that readers load without blocking while writers replace it.
///
/// ```
/// use hazptr_suite::config_reload::ConfigService;
///
/// let service = ConfigService::new("listen on :80".to_string());
/// let before = service.load();
/// assert_eq!(service.publish("listen on :8080".to_string()), 2);
/// assert_eq!((before.version, before.config.as_str()), (1, "listen on :80"));
/// assert_eq!(service.read(|now| now.version), 2);
/// ```
#[derive(HazardProtected)]
pub struct ConfigService<C: Send + Sync + 'static> {
    #[hazard(non_null)]
    current: AtomicPtr<Snapshot<C>>,
}

impl<C: Send + Sync + 'static> ConfigService<C> {
    /// A service whose configuration is `initial`, as version 1.
    #[must_use]
    pub fn new(initial: C) -> Self {
        Self {
            current: hazptr::atomic_ptr(Snapshot {
                version: 1,
                config: initial,
            }),
        }
    }

    /// The current configuration, protected for as long as the guard lives (hold it for one
    /// request, not forever: a protected version cannot be reclaimed). Never blocks.
    pub fn load(&self) -> Protected<'_, Snapshot<C>> {
        self.load_protected_current()
    }

    /// Runs `f` on the current configuration. Never blocks.
    pub fn read<R>(&self, f: impl FnOnce(&Snapshot<C>) -> R) -> R {
        protected! {
            let Some(now) = self.current else {
                unreachable!("the configuration is never empty")
            };
        }
        f(now)
    }

    /// Publishes `config` as the next version and returns that version number. The version it
    /// replaces is retired, and reclaimed once no reader protects it. With several writers,
    /// versions still increase one by one: a writer that loses a race renumbers and retries.
    pub fn publish(&self, config: C) -> u64 {
        let mut next = Box::new(Snapshot { version: 0, config });
        loop {
            let current = self.load_protected_current();
            next.version = current.version + 1;
            match self.compare_exchange_and_retire_current(&current, next) {
                Ok(()) => return current.version + 1,
                Err(back) => next = back,
            }
        }
    }
}
