//! The linked-structure toolkit: marked links, [`Head`](crate::Head) and
//! [`Owned`](crate::Owned) (`link.rs`), the hand-over-hand [`Cursor`](crate::Cursor)
//! (`cursor.rs`) and [`Head::iter`](crate::Head::iter) (`iter.rs`, on a cursor), and the
//! [`Queue`](crate::Queue) and [`Stack`](crate::Stack) built on them; [`AnchoredHead`](crate::AnchoredHead)
//! (`anchor.rs`), a chain with never-deleted entry points and their growing index, on which the
//! hash map of the `collections/` layer above is built; and exclusive access to a chain
//! ([`Head::iter_mut`](crate::Head::iter_mut), `IntoIterator`: `owned_iter.rs`).
//!
//! It imports from the layers below it (reclamation, protection), not from the field layer.

pub(crate) mod anchor;
pub(crate) mod cursor;
pub(crate) mod find;
pub(crate) mod iter;
pub(crate) mod link;
pub(crate) mod owned_iter;
pub(crate) mod queue;
pub(crate) mod stack;
