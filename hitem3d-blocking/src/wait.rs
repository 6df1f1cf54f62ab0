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
    client: Client,
    job: Recorded<WaitJob>,
    finished: bool,
}

impl TaskWatch {
    pub(crate) fn new(client: Client, job: Recorded<WaitJob>) -> Self {
        Self {
            client,
            job,
            finished: false,
        }
    }

    /// The task watched.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        self.job.job().task_id()
    }
}

impl Iterator for TaskWatch {
    type Item = WaitUpdate;

    fn next(&mut self) -> Option<WaitUpdate> {
        if self.finished {
            return None;
        }
        match finish(self.client.driver().step(&mut self.job)) {
            Yield::Event(event) => Some(WaitUpdate::Event(event)),
            Yield::Done(outcome) => {
                // The job freed the task's slot as it ended.
                self.finished = true;
                Some(WaitUpdate::Finished(outcome))
            }
        }
    }
}

impl FusedIterator for TaskWatch {}
