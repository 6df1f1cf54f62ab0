//! Waking threads that wait for a task slot.

use std::sync::{Condvar, Mutex, PoisonError};

/// Threads blocked until the core frees a task slot.
#[derive(Debug, Default)]
pub(crate) struct SlotSignal {
    lock: Mutex<()>,
    freed: Condvar,
}

impl SlotSignal {
    /// Blocks until `try_take` yields something. A slot freed while `try_take` runs cannot be
    /// missed: [`SlotSignal::notify`] needs the lock this holds until it waits.
    pub(crate) fn wait_for<T>(&self, mut try_take: impl FnMut() -> Option<T>) -> T {
        let mut guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(taken) = try_take() {
                return taken;
            }
            guard = self
                .freed
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Wakes every waiting thread to try again.
    pub(crate) fn notify(&self) {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.freed.notify_all();
    }
}
