//! Waiting for a task: an iterator of events, or a call with a progress callback.

use std::fmt;
use std::iter::FusedIterator;

use hitem3d_core::types::TaskId;
use hitem3d_core::{Error, TaskWaiter, WaitEvent, WaitOutcome, WaitStep, WaitUpdate};

use crate::Client;

/// The events of one task until it ends: an [`Iterator`] of [`WaitUpdate`]s whose last item
/// is [`WaitUpdate::Finished`]. Made by [`Client::watch`]; each `next` blocks until the next
/// event.
///
/// Dropping it stops polling and frees the task's slot (the wait is abandoned); the task
/// itself goes on at the service and can be watched again by its id.
pub struct TaskWatch {
    task_id: TaskId,
    watching: Option<Watching>,
}

impl fmt::Debug for TaskWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskWatch")
            .field("task_id", &self.task_id)
            .field("finished", &self.watching.is_none())
            .finish_non_exhaustive()
    }
}

impl TaskWatch {
    /// The task watched.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }
}

impl Iterator for TaskWatch {
    type Item = WaitUpdate;

    fn next(&mut self) -> Option<WaitUpdate> {
        let update = self.watching.as_mut()?.next_update();
        if matches!(update, WaitUpdate::Finished(_)) {
            // Dropping the state frees the slot as the last item goes out.
            self.watching = None;
        }
        Some(update)
    }
}

impl FusedIterator for TaskWatch {}

/// Frees the task's slot when waiting ends, however it ends (finished, failed, dropped).
struct SlotRelease {
    client: Client,
    task_id: TaskId,
}

impl Drop for SlotRelease {
    fn drop(&mut self) {
        self.client.inner.slots.release(&self.task_id);
    }
}

struct Watching {
    waiter: TaskWaiter,
    release: SlotRelease,
}

impl Client {
    /// Watches a task, submitted by this client or any other process, until it succeeds,
    /// fails or the wait policy's deadline passes.
    ///
    /// ```no_run
    /// use hitem3d_blocking::{Client, WaitUpdate, types::TaskId};
    ///
    /// # fn run(client: Client) -> Result<(), hitem3d_blocking::Error> {
    /// for update in client.watch(&TaskId::new("2c2ad20c_jjewelry-aigc-api_1NraEb5ohU")) {
    ///     match update {
    ///         WaitUpdate::Event(event) => println!("{event:?}"),
    ///         WaitUpdate::Finished(outcome) => println!("model at {}", outcome?.result.model_url),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn watch(&self, task_id: &TaskId) -> TaskWatch {
        TaskWatch {
            task_id: task_id.clone(),
            watching: Some(self.watching(task_id)),
        }
    }

    /// Waits for a task to end; see [`Client::watch`].
    ///
    /// # Errors
    /// [`Error::Wait`]: the task failed, the deadline passed (the task may still finish), or
    /// querying failed for good.
    pub fn wait(&self, task_id: &TaskId) -> Result<WaitOutcome, Error> {
        self.wait_with(task_id, |_| {})
    }

    /// Waits for a task to end, calling `on_event` for each state change, progress step and
    /// failed poll.
    ///
    /// # Errors
    /// As [`Client::wait`].
    pub fn wait_with(
        &self,
        task_id: &TaskId,
        mut on_event: impl FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error> {
        let mut watching = self.watching(task_id);
        loop {
            match watching.next_update() {
                WaitUpdate::Event(event) => on_event(&event),
                WaitUpdate::Finished(outcome) => return outcome,
            }
        }
    }

    fn watching(&self, task_id: &TaskId) -> Watching {
        Watching {
            waiter: TaskWaiter::new(task_id.clone(), self.inner.config.wait, self.now()),
            release: SlotRelease {
                client: self.clone(),
                task_id: task_id.clone(),
            },
        }
    }
}

impl Watching {
    fn next_update(&mut self) -> WaitUpdate {
        let client = &self.release.client;
        loop {
            match self.waiter.next(client.now()) {
                WaitStep::Poll(task_id) => {
                    let answer = client.query_once(&task_id);
                    tracing::debug!(
                        task_id = %task_id,
                        poll = self.waiter.polls() + 1,
                        state = answer.as_ref().map_or("error", |data| data.state.as_str()),
                        "polled"
                    );
                    self.waiter.on_poll(answer, client.now());
                }
                WaitStep::Sleep { until } => client.inner.clock.sleep_until(until),
                WaitStep::Event(event) => {
                    tracing::info!(task_id = %event.task_id(), event = ?event, "task update");
                    return WaitUpdate::Event(event);
                }
                WaitStep::Done(outcome) => {
                    return WaitUpdate::Finished(outcome.map_err(Error::from));
                }
            }
        }
    }
}
