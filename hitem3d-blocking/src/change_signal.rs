//! Waking threads that wait for a change in the core (a task slot freed, a token fetched).

use std::sync::{Condvar, Mutex, PoisonError};

use hitem3d_core::ClientCore;

/// Threads blocked until the core announces a change.
#[derive(Debug, Default)]
pub(crate) struct ChangeSignal {
    lock: Mutex<()>,
    changed: Condvar,
}

impl ChangeSignal {
    /// Blocks until `core`'s change count differs from `seen`. A change announced while this
    /// checks cannot be missed: [`ChangeSignal::notify`] needs the lock held until it waits.
    pub(crate) fn wait(&self, core: &ClientCore, seen: u64) {
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        while core.changes() == seen {
            guard = self
                .changed
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Wakes every waiting thread to look again.
    pub(crate) fn notify(&self) {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.changed.notify_all();
    }
}
