//! The adapter of `hazptr::collections::HashMap`, the growable map of issue 19.

use super::{ConcurrentMap, Value};

/// `hazptr::collections::HashMap` with its default hasher (std's `RandomState`): `insert`
/// replaces, `update` is its read-copy-update; every call returns a guard (`Ref`), dropped at
/// once here, as a caller that only wants to know the outcome would.
impl<V: Value> ConcurrentMap<V> for hazptr::collections::HashMap<u64, V> {
    const NAME: &'static str = "hazptr::collections::HashMap";
    const HOLD: Option<&'static str> = Some("a `get` guard");
    fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity(capacity)
    }
    fn get(&self, key: u64) -> Option<u64> {
        Self::get(self, &key).map(|v| v.read())
    }
    fn insert(&self, key: u64, value: V) -> bool {
        Self::insert(self, key, value).is_none()
    }
    fn remove(&self, key: u64) -> bool {
        Self::remove(self, &key).is_some()
    }
    fn update(&self, key: u64) -> bool {
        Self::update(self, &key, V::next).is_some()
    }
    fn entries(&self) -> Option<usize> {
        Some(Self::len(self))
    }
    fn stalled_read(&self, key: u64, wait: &mut dyn FnMut()) {
        let guard = Self::get(self, &key);
        wait();
        drop(guard);
    }
}
