//! At most N unfinished tasks per client: a permit per submitted task, kept until it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use hitem3d_core::types::TaskId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Permits for unfinished tasks. A submit takes one before sending (waiting if none is free);
/// the task keeps it until the client sees it finish or a wait for it is abandoned.
#[derive(Debug)]
pub(crate) struct TaskSlots {
    semaphore: Arc<Semaphore>,
    held: Mutex<HashMap<TaskId, OwnedSemaphorePermit>>,
}

impl TaskSlots {
    pub(crate) fn new(slots: usize) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(slots)),
            held: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a free slot. Dropping the future, or the permit, gives it back.
    pub(crate) async fn reserve(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.semaphore)
            .acquire_owned()
            .await
            .unwrap_or_else(|_| unreachable!("the semaphore is never closed"))
    }

    /// Ties a reserved slot to the task created with it.
    pub(crate) fn hold(&self, task_id: TaskId, permit: OwnedSemaphorePermit) {
        self.lock().insert(task_id, permit);
    }

    /// Frees the task's slot; false if it held none (not submitted by this client, or freed).
    pub(crate) fn release(&self, task_id: &TaskId) -> bool {
        self.lock().remove(task_id).is_some()
    }

    pub(crate) fn available(&self) -> usize {
        self.semaphore.available_permits()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TaskId, OwnedSemaphorePermit>> {
        // The map stays consistent even if a holder panicked: inserts and removes are atomic.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
