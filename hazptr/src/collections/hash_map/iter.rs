//! The map's shared iterators: [`Iter`] (also `for entry in &map`), [`Keys`] and [`Values`].

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;

use super::{Entry, HashMap, Ref};
use crate::linked::anchor::SplitIter;
use crate::protect::guard::Protected;

/// The entries of a [`HashMap`], each as a guard: [`HashMap::iter`]. Weakly consistent; not
/// `Send` (it walks with a cursor, whose hazard pointers belong to this thread).
pub struct Iter<'a, K, V> {
    pub(super) chain: SplitIter<'a, u64, Entry<K, V>>,
}

impl<'a, K: Send + Sync + 'static, V: Send + Sync + 'static> Iterator for Iter<'a, K, V> {
    type Item = Ref<'a, K, V>;

    fn next(&mut self) -> Option<Ref<'a, K, V>> {
        self.chain.next().map(Ref::new)
    }
}

/// Once it returns `None` it stays at the end.
impl<K: Send + Sync + 'static, V: Send + Sync + 'static> FusedIterator for Iter<'_, K, V> {}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// The keys of a [`HashMap`], each as a guard of its entry: [`HashMap::keys`].
pub struct Keys<'a, K, V>(pub(super) Iter<'a, K, V>);

impl<'a, K: Send + Sync + 'static, V: Send + Sync + 'static> Iterator for Keys<'a, K, V> {
    type Item = Protected<'a, K>;

    fn next(&mut self) -> Option<Protected<'a, K>> {
        self.0.next().map(Ref::into_key)
    }
}

impl<K: Send + Sync + 'static, V: Send + Sync + 'static> FusedIterator for Keys<'_, K, V> {}

impl<K, V> fmt::Debug for Keys<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

/// The values of a [`HashMap`], each as a guard of its entry: [`HashMap::values`].
pub struct Values<'a, K, V>(pub(super) Iter<'a, K, V>);

impl<'a, K: Send + Sync + 'static, V: Send + Sync + 'static> Iterator for Values<'a, K, V> {
    type Item = Protected<'a, V>;

    fn next(&mut self) -> Option<Protected<'a, V>> {
        self.0.next().map(Ref::into_value)
    }
}

impl<K: Send + Sync + 'static, V: Send + Sync + 'static> FusedIterator for Values<'_, K, V> {}

impl<K, V> fmt::Debug for Values<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Values").finish_non_exhaustive()
    }
}

/// `for entry in &map`: [`HashMap::iter`].
impl<'a, K, V, S> IntoIterator for &'a HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    type Item = Ref<'a, K, V>;
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}
