//! The linked-structure toolkit: marked links, [`Head`](crate::Head) and
//! [`Owned`](crate::Owned) (`link.rs`), the hand-over-hand [`Cursor`](crate::Cursor)
//! (`cursor.rs`) and [`Head::iter`](crate::Head::iter) (`iter.rs`, on a cursor), and the
//! [`Queue`](crate::Queue) and [`Stack`](crate::Stack) built on them.
//! The collections (a map, an ordered map) are to go in a `collections/` layer above this one.
//!
//! It imports from the layers below it (reclamation, protection), not from the field layer.

pub(crate) mod cursor;
pub(crate) mod iter;
pub(crate) mod link;
pub(crate) mod queue;
pub(crate) mod stack;
pub(crate) mod tower;
