//! Waiting for a task: the waiter's schedule, its polls run as calls, and the slot freed at the
//! end.

use hitem3d_types::{TaskData, TaskId, TaskState};

use crate::job::{Input, Io, Job, JournalOutbox, NoEvent};
use crate::journal::{JournalOp, TaskEvent};
use crate::machines::task_slots::SlotRelease;
use crate::{
    Call, CallError, ClientCore, Error, TaskWaiter, Timestamp, WaitError, WaitErrorKind, WaitEvent,
    WaitOutcome, WaitStep,
};

/// What the journal learns from a wait's end: success, or a failure and its reason. A wait
/// that ran out of time says nothing about the task.
fn journal_end(outcome: &Result<WaitOutcome, WaitError>) -> Option<TaskEvent> {
    match outcome {
        Ok(_) => Some(TaskEvent::State(TaskState::Success, None)),
        Err(error) => match &error.kind {
            WaitErrorKind::TaskFailed { .. } => {
                Some(TaskEvent::State(TaskState::Failed, Some(error.to_string())))
            }
            _ => None,
        },
    }
}

/// Waits for one task until it succeeds, fails or the wait policy's deadline passes, reporting
/// state changes, progress and failed polls. The task's slot is freed when the job ends, or
/// when it is dropped unfinished (an abandoned wait). Made by [`ClientCore::wait`].
#[derive(Debug)]
pub struct WaitJob {
    core: ClientCore,
    task_id: TaskId,
    /// Made at the first step, whose time starts the deadline.
    waiter: Option<TaskWaiter>,
    poll: Option<Call<TaskData>>,
    release: Option<SlotRelease>,
    /// State changes for the journal, handed out before the next step.
    outbox: JournalOutbox,
    /// The last state change put in the outbox: the end is not written twice.
    recorded: Option<TaskEvent>,
    /// The outcome, handed out once the outbox is empty.
    done: Option<Result<WaitOutcome, Error>>,
}

impl WaitJob {
    pub(crate) fn new(core: ClientCore, task_id: &TaskId) -> Self {
        Self {
            task_id: task_id.clone(),
            waiter: None,
            release: Some(core.slots().release_on_drop(task_id.clone())),
            poll: None,
            outbox: JournalOutbox::default(),
            recorded: None,
            done: None,
            core,
        }
    }

    /// The task waited for.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }
}

impl Job for WaitJob {
    type Event = WaitEvent;
    type Output = Result<WaitOutcome, Error>;

    fn next(&mut self, now: Timestamp) -> Io<WaitEvent, Self::Output> {
        if let Some(write) = self.outbox.next() {
            return write;
        }
        if let Some(done) = self.done.take() {
            return Io::Done(done);
        }
        let policy = self.core.config().wait;
        let waiter = self.waiter.get_or_insert_with(|| {
            let waiter = TaskWaiter::new(self.task_id.clone(), policy, now);
            match self.core.durations().forecast(&self.task_id) {
                Some(forecast) => waiter.with_forecast(forecast),
                // Not submitted by this client: it may have finished long ago.
                None => waiter.polling_at_once(),
            }
        });
        loop {
            if let Some(poll) = &mut self.poll {
                match Job::next(poll, now).forward(|never: NoEvent| match never {}) {
                    Ok(io) => return io,
                    Err(answer) => {
                        self.poll = None;
                        tracing::debug!(
                            task_id = %waiter.task_id(),
                            poll = waiter.polls() + 1,
                            state = answer.as_ref().map_or("error", |data| data.state.as_str()),
                            "polled"
                        );
                        waiter.on_poll(answer, now);
                    }
                }
            }
            match waiter.next(now) {
                WaitStep::Poll(task_id) => self.poll = Some(self.core.query_call(&task_id)),
                WaitStep::Sleep { until } => return Io::Sleep(until),
                WaitStep::Event(event) => {
                    if let WaitEvent::StateChanged { to, .. } = &event {
                        let change = TaskEvent::State(to.clone(), None);
                        self.recorded = Some(change.clone());
                        let op = JournalOp::Record(self.task_id.clone(), change);
                        self.outbox.push(&self.core, op);
                    }
                    tracing::info!(task_id = %event.task_id(), event = ?event, "task update");
                    return Io::Emit(event);
                }
                WaitStep::Done(outcome) => {
                    // The slot is freed as the outcome goes out, not when the job is dropped.
                    self.release = None;
                    // The end first: recording it frees a slot of a shared limit, which a
                    // waiting submit takes; the learnt duration is only advice. A success the
                    // state change just recorded is not written again (a failure is: with its
                    // reason).
                    if let Some(end) = journal_end(&outcome)
                        && self.recorded.as_ref() != Some(&end)
                    {
                        let op = JournalOp::Record(self.task_id.clone(), end);
                        self.outbox.push(&self.core, op);
                    }
                    let learnt = self
                        .core
                        .durations()
                        .finished(&self.task_id, waiter.observed_duration());
                    if let Some(learnt) = learnt {
                        self.outbox
                            .push(&self.core, JournalOp::LearnDuration(learnt));
                    }
                    self.done = Some(outcome.map_err(Error::from));
                    return self.next(now);
                }
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        if let Input::Journal(_) = input {
            // A state's write: the `Recorded` around this job keeps its answer.
            return;
        }
        match (&mut self.poll, &mut self.waiter) {
            (Some(poll), _) => poll.on(input, now),
            // Nothing was asked for: the waiter ends as driven out of sequence.
            (None, Some(waiter)) => {
                let misuse = CallError::OutOfSequence("a wait job was handed input out of turn");
                waiter.on_poll(Err(misuse), now);
            }
            (None, None) => {}
        }
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.wait", task_id = %self.task_id)
    }
}
