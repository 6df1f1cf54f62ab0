//! Creating a task: a task slot first, then the paid call; the slot then stays with the task.

use hitem3d_types::{SubmitTaskData, TaskId};

use crate::job::{Input, Io, Job, NoEvent};
use crate::seeded_random::SeededRandom;
use crate::{
    ApiError, Call, CallError, ClientCore, Error, NewTask, SlotReservation, TaskKind, Timestamp,
};

/// Submits one task once one of the client's task slots is free. Made by
/// [`ClientCore::submit`].
///
/// If the account refuses it for its own concurrency limit (which may be lower than this
/// client's slots: resellers give 1, and other processes may share the account), the client
/// lowers its limit to the tasks it holds, waits for one of them to end (or backs off when it
/// holds none) and submits again: a refusal creates no task, so nothing is paid twice. It gives
/// up after the wait policy's deadline. A learnt limit is raised again one slot at a time, each
/// [`crate::LIMIT_PROBE_INTERVAL`] after the last change, up to the configured slots.
#[derive(Debug)]
pub struct SubmitJob {
    core: ClientCore,
    /// Kept to send again after a concurrency refusal.
    task: NewTask,
    call: Call<SubmitTaskData>,
    model: String,
    /// Taken before the call goes out; given back if the submit fails.
    slot: Option<SlotReservation>,
    refusals: u32,
    first_refusal: Option<Timestamp>,
    backoff_until: Option<Timestamp>,
    finished: bool,
}

impl SubmitJob {
    pub(crate) fn new(core: ClientCore, task: NewTask) -> Self {
        Self {
            model: task.label(),
            call: core.submit_call(task.clone()),
            task,
            core,
            slot: None,
            refusals: 0,
            first_refusal: None,
            backoff_until: None,
            finished: false,
        }
    }

    /// Whether `answer` is a concurrency refusal to wait out rather than report.
    fn wait_out(&self, answer: &Result<SubmitTaskData, CallError>, now: Timestamp) -> bool {
        let refused = answer
            .as_ref()
            .err()
            .and_then(CallError::api_error)
            .is_some_and(ApiError::is_concurrency_refusal);
        let budget = self.core.config().wait.deadline;
        refused && self.first_refusal.is_none_or(|first| now - first < budget)
    }

    /// Lowers the client's limit, and plans the submit again.
    fn after_refusal(&mut self, now: Timestamp) {
        self.slot = None;
        let limit = self.core.slots().lower_to_held(now);
        self.refusals += 1;
        self.first_refusal.get_or_insert(now);
        self.call = self.core.submit_call(self.task.clone());
        let held = self.core.slots().held();
        tracing::warn!(
            limit,
            held,
            refusals = self.refusals,
            "the account refused a task for its concurrency limit: this client now keeps at \
             most {limit} unfinished and submits again when one ends"
        );
        if held == 0 {
            // Other processes fill the account: nothing of ours to wait for, so back off.
            let unit = SeededRandom::new(self.core.seed()).next_unit();
            let delay = self.core.config().retry.backoff(self.refusals, unit);
            self.backoff_until = Some(now + delay.max(MIN_REFUSAL_BACKOFF));
        }
    }
}

/// The shortest pause before submitting again when this client holds no task to wait for.
const MIN_REFUSAL_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

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
        if let Some(until) = self.backoff_until {
            if now < until {
                return Io::Sleep(until);
            }
            self.backoff_until = None;
        }
        if self.slot.is_none() {
            // Read before trying, so a slot freed in between still ends the wait.
            let seen = self.core.changes();
            match self.core.slots().try_reserve(now) {
                Some(slot) => self.slot = Some(slot),
                None => return Io::AwaitChange(seen),
            }
        }
        match Job::next(&mut self.call, now).forward(|never| never) {
            Ok(io) => io,
            Err(answer) if self.wait_out(&answer, now) => {
                self.after_refusal(now);
                self.next(now)
            }
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
        // Durations are learnt per image-to-3D kind; other task types wait on the prior.
        if let NewTask::ImageTo3d(task) = &self.task {
            self.core
                .durations()
                .submitted(&task_id, TaskKind::of(task));
        }
        if let Some(slot) = slot {
            self.core.slots().hold(slot, task_id.clone());
        }
        Ok(task_id)
    }
}
