//! The router's queues by slot. Slots are append-only: a queue that a reload drops is closed,
//! never removed, so a slot handed out once (to a call, an agent row, a name in the index)
//! stays valid for the router's life.

use crate::queue::Queue;

/// The queues by slot; see the module doc for why a held slot is always in range.
#[derive(Debug, Default)]
pub(super) struct Queues(Vec<Queue>);

impl Queues {
    /// Appends a queue; returns its slot.
    pub(super) fn push(&mut self, queue: Queue) -> usize {
        self.0.push(queue);
        self.0.len() - 1
    }

    /// The queue in a slot that [`Queues::push`] handed out.
    #[allow(
        clippy::indexing_slicing,
        reason = "slots are append-only and every held slot came from push"
    )]
    pub(super) fn at(&self, slot: usize) -> &Queue {
        &self.0[slot]
    }

    /// The queue in a slot that [`Queues::push`] handed out, to change.
    #[allow(
        clippy::indexing_slicing,
        reason = "slots are append-only and every held slot came from push"
    )]
    pub(super) fn at_mut(&mut self, slot: usize) -> &mut Queue {
        &mut self.0[slot]
    }

    /// The queue in a slot from outside (a caller's number), if there is one.
    pub(super) fn get(&self, slot: usize) -> Option<&Queue> {
        self.0.get(slot)
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, Queue> {
        self.0.iter()
    }

    pub(super) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Queue> {
        self.0.iter_mut()
    }
}
