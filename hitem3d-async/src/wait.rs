//! Watching a task: a stream of its events, driven step by step.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream};
use hitem3d_core::front_end::*;

use crate::Client;

/// The events of one task until it ends: a [`Stream`] of [`WaitUpdate`]s whose last item is
/// [`WaitUpdate::Finished`]. Made by [`Client::watch`].
///
/// Dropping it stops polling at once and frees the task's slot (the wait is abandoned); the
/// task itself goes on at the service and can be watched again by its id.
pub struct TaskWatch {
    task_id: TaskId,
    inner: Pin<Box<dyn Stream<Item = WaitUpdate> + Send>>,
}

impl fmt::Debug for TaskWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskWatch")
            .field("task_id", &self.task_id)
            .finish_non_exhaustive()
    }
}

impl TaskWatch {
    pub(crate) fn new(client: Client, job: Recorded<WaitJob>) -> Self {
        let task_id = job.job().task_id().clone();
        let inner = stream::unfold(Some((client, job)), |watching| async move {
            let (client, mut job) = watching?;
            match client.driver().step(&mut job).await {
                Yield::Event(event) => Some((WaitUpdate::Event(event), Some((client, job)))),
                // Dropping the job frees the slot as the last item goes out.
                Yield::Done(outcome) => Some((WaitUpdate::Finished(outcome), None)),
            }
        });
        Self {
            task_id,
            inner: Box::pin(inner),
        }
    }

    /// The task watched.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }
}

impl Stream for TaskWatch {
    type Item = WaitUpdate;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WaitUpdate>> {
        self.inner.as_mut().poll_next(cx)
    }
}
