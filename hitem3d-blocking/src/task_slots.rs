//! At most N unfinished tasks per client, shared by every thread using it: a slot per
//! submitted task, kept until it ends.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use hitem3d_core::types::TaskId;

/// Slots for unfinished tasks. A submit takes one before sending (blocking while none is
/// free); the task keeps it until the client sees it finish or a wait for it is abandoned.
#[derive(Debug)]
pub(crate) struct TaskSlots {
    state: Mutex<SlotState>,
    freed: Condvar,
}

#[derive(Debug)]
struct SlotState {
    free: usize,
    held: HashSet<TaskId>,
}

/// A slot taken for a submit in flight; given back when dropped unless [`TaskSlots::hold`]
/// ties it to the task the submit created.
#[derive(Debug)]
pub(crate) struct SlotPermit<'a> {
    slots: &'a TaskSlots,
    /// False once a task holds the slot: then only [`TaskSlots::release`] frees it.
    returns_on_drop: bool,
}

impl Drop for SlotPermit<'_> {
    fn drop(&mut self) {
        if self.returns_on_drop {
            self.slots.give_back();
        }
    }
}

impl TaskSlots {
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            state: Mutex::new(SlotState {
                free: slots,
                held: HashSet::new(),
            }),
            freed: Condvar::new(),
        }
    }

    /// Blocks until a slot is free and takes it.
    pub(crate) fn reserve(&self) -> SlotPermit<'_> {
        let mut state = self
            .freed
            .wait_while(self.lock(), |state| state.free == 0)
            .unwrap_or_else(PoisonError::into_inner);
        state.free -= 1;
        SlotPermit {
            slots: self,
            returns_on_drop: true,
        }
    }

    /// Ties a reserved slot to the task created with it.
    pub(crate) fn hold(&self, task_id: TaskId, mut permit: SlotPermit<'_>) {
        // An id held already keeps its one slot, and the spare permit goes back on drop.
        permit.returns_on_drop = !self.lock().held.insert(task_id);
    }

    /// Frees the task's slot; false if it held none (not submitted by this client, or freed).
    pub(crate) fn release(&self, task_id: &TaskId) -> bool {
        let released = self.lock().held.remove(task_id);
        if released {
            self.give_back();
        }
        released
    }

    pub(crate) fn available(&self) -> usize {
        self.lock().free
    }

    fn give_back(&self) {
        self.lock().free += 1;
        self.freed.notify_one();
    }

    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // The counts stay consistent even if a holder panicked: each change is one step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
