//! Creating a task: a task slot first, then the paid call; the slot then stays with the task.

use hitem3d_types::{SubmitTaskData, TaskId};

use crate::job::{Input, Io, Job, NoEvent};
use crate::{Call, CallError, ClientCore, Error, SlotReservation, SubmitTask, Timestamp};

/// Submits one task once one of the client's task slots is free. Made by
/// [`ClientCore::submit`].
#[derive(Debug)]
pub struct SubmitJob {
    core: ClientCore,
    call: Call<SubmitTaskData>,
    model: String,
    /// Taken before the call goes out; given back if the submit fails.
    slot: Option<SlotReservation>,
    finished: bool,
}

impl SubmitJob {
    pub(crate) fn new(core: ClientCore, task: SubmitTask) -> Self {
        Self {
            model: task.model().to_string(),
            call: core.submit_call(task),
            core,
            slot: None,
            finished: false,
        }
    }
}

impl Job for SubmitJob {
    type Event = NoEvent;
    type Output = Result<TaskId, Error>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        if self.finished {
            return Io::Done(Err(CallError::OutOfSequence(
                "a submit job was asked for more after it ended",
            )
            .into()));
        }
        if self.slot.is_none() {
            // Read before trying, so a slot freed in between still ends the wait.
            let seen = self.core.changes();
            match self.core.slots().try_reserve() {
                Some(slot) => self.slot = Some(slot),
                None => return Io::AwaitChange(seen),
            }
        }
        match Job::next(&mut self.call, now).forward(|never| never) {
            Ok(io) => io,
            Err(answer) => Io::Done(self.finish(answer)),
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        self.call.on(input, now);
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.submit", model = %self.model)
    }
}

impl SubmitJob {
    fn finish(&mut self, answer: Result<SubmitTaskData, CallError>) -> Result<TaskId, Error> {
        // On failure the reservation is dropped here, which frees the slot.
        self.finished = true;
        let slot = self.slot.take();
        let task_id = answer?.task_id;
        tracing::info!(task_id = %task_id, "submitted");
        if let Some(slot) = slot {
            self.core.slots().hold(slot, task_id.clone());
        }
        Ok(task_id)
    }
}
