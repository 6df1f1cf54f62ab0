//! Querying a task on the caller's behalf: a final state seen frees the task's slot.

use hitem3d_types::{TaskData, TaskId};

use crate::job::{Input, Io, Job, NoEvent};
use crate::{Call, ClientCore, Error, Timestamp, decode};

/// One `query-task` call; a task seen in a final state frees its task slot. Made by
/// [`ClientCore::query`].
#[derive(Debug)]
pub struct QueryJob {
    core: ClientCore,
    task_id: TaskId,
    call: Call<TaskData>,
}

impl QueryJob {
    pub(crate) fn new(core: ClientCore, task_id: &TaskId) -> Self {
        Self {
            call: core.query_call(task_id),
            task_id: task_id.clone(),
            core,
        }
    }
}

impl Job for QueryJob {
    type Event = NoEvent;
    type Output = Result<TaskData, Error>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        match Job::next(&mut self.call, now).forward(|never| never) {
            Ok(io) => io,
            Err(answer) => {
                // A final state, or the `50010001` envelope of a failed task: the task ended.
                let ended = match &answer {
                    Ok(data) => data.state.is_terminal(),
                    Err(error) => error
                        .api_error()
                        .and_then(decode::generation_failure)
                        .is_some(),
                };
                if ended {
                    self.core.release_task_slot(&self.task_id);
                }
                Io::Done(answer.map_err(Error::from))
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        self.call.on(input, now);
    }

    fn span(&self) -> tracing::Span {
        tracing::debug_span!("hitem3d.query", task_id = %self.task_id)
    }
}
