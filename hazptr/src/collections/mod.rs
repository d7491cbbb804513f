//! Concurrent collections on the linked-structure toolkit: a hash map and set that grow
//! without blocking (`hash_map.rs`, `hash_set.rs`, split-ordered lists), and an ordered map and
//! set (`skip_map.rs`, `skip_set.rs`, skip lists).
//!
//! The top layer of the runtime: it imports from `linked/` and the layers below, and nothing
//! imports from it. Its code has no `unsafe` (`forbid` below): whatever it needs that
//! `unsafe` would express is a piece of the toolkit, sound for any safe caller.
#![forbid(unsafe_code)]

pub mod hash_map;
pub mod hash_set;
pub mod skip_map;
pub mod skip_set;

pub use hash_map::HashMap;
pub use hash_set::HashSet;
pub use skip_map::SkipMap;
pub use skip_set::SkipSet;
