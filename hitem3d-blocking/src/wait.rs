//! Watching a task: an iterator of its events, driven step by step.

use std::iter::FusedIterator;

use hitem3d_core::front_end::*;

use crate::Client;
use crate::finish::finish;

/// The events of one task until it ends: an [`Iterator`] of [`WaitUpdate`]s whose last item
/// is [`WaitUpdate::Finished`]. Made by [`Client::watch`]; each `next` blocks until the next
/// event.
///
/// Dropping it stops polling and frees the task's slot (the wait is abandoned); the task
/// itself goes on at the service and can be watched again by its id.
#[derive(Debug)]
pub struct TaskWatch {
    task_id: TaskId,
    /// `None` once the last item went out.
    watching: Option<(Client, WaitJob)>,
}

impl TaskWatch {
    pub(crate) fn new(client: Client, job: WaitJob) -> Self {
        let task_id = job.task_id().clone();
        Self {
            task_id,
            watching: Some((client, job)),
        }
    }

    /// The task watched.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }
}

impl Iterator for TaskWatch {
    type Item = WaitUpdate;

    fn next(&mut self) -> Option<WaitUpdate> {
        let (client, job) = self.watching.as_mut()?;
        match finish(client.driver().step(job)) {
            Yield::Event(event) => Some(WaitUpdate::Event(event)),
            Yield::Done(outcome) => {
                // Dropping the job frees the slot as the last item goes out.
                self.watching = None;
                Some(WaitUpdate::Finished(outcome))
            }
        }
    }
}

impl FusedIterator for TaskWatch {}
