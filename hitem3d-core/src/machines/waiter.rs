//! Waiting for a task to finish, as a state machine in virtual time.

mod duration_forecast;
mod duration_history;
mod poll_schedule;
mod task_kind;
mod wait_error;
mod wait_event;

use std::collections::VecDeque;
use std::time::Duration;

use hitem3d_types::{EXPECTED_DURATIONS, TaskData, TaskId, TaskState, limits};

pub use duration_forecast::{DurationForecast, ForecastBasis};
pub use duration_history::{
    DurationHistory, ObservedDuration, TASKS_KEPT_PER_KIND, TASKS_TO_LEARN_FROM,
};
pub use poll_schedule::{PollContext, PollSchedule};
pub use task_kind::TaskKind;
pub use wait_error::{WaitError, WaitErrorKind};
pub use wait_event::WaitEvent;

use crate::{CallError, TaskResult, Timestamp, decode};

/// How to wait for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// Give up after this long. Default: the service's own 60-minute task timeout.
    pub deadline: Duration,
    /// When to poll.
    pub schedule: PollSchedule,
    /// Failed polls in a row that are tolerated (each poll has already been retried by its
    /// call's retry policy) before waiting gives up.
    pub max_failed_polls: u32,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            deadline: limits::SERVER_TASK_TIMEOUT,
            schedule: PollSchedule::default(),
            max_failed_polls: 5,
        }
    }
}

impl WaitPolicy {
    /// The same policy with another deadline.
    #[must_use]
    pub fn with_deadline(self, deadline: Duration) -> Self {
        Self { deadline, ..self }
    }

    /// The same policy with another schedule.
    #[must_use]
    pub fn with_schedule(self, schedule: PollSchedule) -> Self {
        Self { schedule, ..self }
    }
}

/// A task that finished with a result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOutcome {
    /// The task.
    pub task_id: TaskId,
    /// Its files and when their links expire.
    pub result: TaskResult,
    /// The last state seen (`success`).
    pub last_state: TaskState,
    /// Time since waiting began.
    pub elapsed: Duration,
    /// Polls made.
    pub polls: u32,
}

/// What the driver must do next for a [`TaskWaiter`].
#[derive(Debug)]
#[must_use]
pub enum WaitStep {
    /// Query this task and give the result to [`TaskWaiter::on_poll`].
    Poll(TaskId),
    /// Sleep until this time, then ask again.
    Sleep {
        /// When to ask again.
        until: Timestamp,
    },
    /// Report this (to a progress bar, a log), then ask again.
    Event(WaitEvent),
    /// Waiting is over.
    Done(Result<WaitOutcome, WaitError>),
}

#[derive(Debug, Clone)]
enum State {
    Sleeping { until: Timestamp },
    Polling,
    Done(Result<WaitOutcome, WaitError>),
}

/// Waits for one task: says when to poll, reads each answer, reports progress, tolerates
/// transient failures, and stops at success, failure or the deadline.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::machines::{TaskWaiter, WaitStep};
/// use hitem3d_core::{DurationForecast, Timestamp, WaitPolicy};
/// use hitem3d_core::types::{TaskData, TaskId, TaskState};
///
/// let id = TaskId::new("t-1");
/// // Tasks like this one took 40 to 70 seconds: three polls spread over that window.
/// let forecast = DurationForecast::learnt(Duration::from_secs(40), Duration::from_secs(70), 10);
/// let mut waiter = TaskWaiter::new(id.clone(), WaitPolicy::default(), Timestamp::ZERO)
///     .with_forecast(forecast);
/// let mut now = Timestamp::ZERO;
/// let mut answers = vec![
///     TaskData::new(id.clone(), TaskState::Processing),
///     TaskData::new(id.clone(), TaskState::Processing),
///     serde_json::from_str(r#"{"task_id":"t-1","state":"success","url":"https://cdn/0.glb"}"#).unwrap(),
/// ]
/// .into_iter();
/// let outcome = loop {
///     match waiter.next(now) {
///         WaitStep::Poll(_) => waiter.on_poll(Ok(answers.next().unwrap()), now),
///         WaitStep::Sleep { until } => now = until,
///         WaitStep::Event(event) => println!("{event:?}"),
///         WaitStep::Done(outcome) => break outcome.unwrap(),
///     }
/// };
/// assert_eq!(outcome.polls, 3);
/// assert_eq!(outcome.elapsed, Duration::from_secs(50 + 10 + 10));
/// ```
#[derive(Debug)]
pub struct TaskWaiter {
    task_id: TaskId,
    policy: WaitPolicy,
    started: Timestamp,
    state: State,
    events: VecDeque<WaitEvent>,
    polls: u32,
    failed_in_a_row: u32,
    last_state: Option<TaskState>,
    last_progress: Option<f64>,
    processing_since: Option<Timestamp>,
    /// When the last poll saw the task pending.
    last_pending: Option<Timestamp>,
    forecast: DurationForecast,
}

impl TaskWaiter {
    /// Starts waiting for `task_id` at `now` (usually just after it was submitted).
    #[must_use]
    pub fn new(task_id: TaskId, policy: WaitPolicy, now: Timestamp) -> Self {
        let mut waiter = Self {
            task_id,
            policy,
            started: now,
            state: State::Polling,
            events: VecDeque::new(),
            polls: 0,
            failed_in_a_row: 0,
            last_state: None,
            last_progress: None,
            processing_since: None,
            last_pending: None,
            // The spec's figure for tasks nothing is known about, until told the task's kind.
            forecast: DurationForecast::expected(&EXPECTED_DURATIONS[EXPECTED_DURATIONS.len() - 1]),
        };
        waiter.schedule(now);
        waiter
    }

    /// The same waiter expecting the task to finish within `forecast` (usually
    /// [`DurationHistory::forecast`] for the task's kind). Given before the first poll, it also
    /// sets when that poll happens.
    #[must_use]
    pub fn with_forecast(mut self, forecast: DurationForecast) -> Self {
        self.forecast = forecast;
        if self.polls == 0 && matches!(self.state, State::Sleeping { .. }) {
            self.schedule(self.started);
        }
        self
    }

    /// The same waiter polling at once: for a task that existed before the wait began (an id
    /// from an earlier run, a webhook, another program), whose age nobody here knows, so it
    /// may well have finished already. Given before the first poll.
    #[must_use]
    pub fn polling_at_once(mut self) -> Self {
        if self.polls == 0 && matches!(self.state, State::Sleeping { .. }) {
            self.state = State::Sleeping {
                until: self.started,
            };
        }
        self
    }

    /// The forecast the waiter polls around.
    #[must_use]
    pub fn forecast(&self) -> &DurationForecast {
        &self.forecast
    }

    /// How long the task took, as far as the polls tell: once it has succeeded, from the start
    /// of waiting to the last poll that saw it pending and to the poll that saw it finished.
    /// What [`DurationHistory::record`] learns from.
    #[must_use]
    pub fn observed_duration(&self) -> Option<ObservedDuration> {
        let State::Done(Ok(outcome)) = &self.state else {
            return None;
        };
        let pending = self
            .last_pending
            .map_or(Duration::ZERO, |at| at - self.started);
        Some(ObservedDuration::new(pending, outcome.elapsed))
    }

    /// The task waited for.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task_id
    }

    /// Polls made so far.
    #[must_use]
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The last state seen.
    #[must_use]
    pub fn last_state(&self) -> Option<&TaskState> {
        self.last_state.as_ref()
    }

    /// What to do next. Events come first; after [`WaitStep::Done`] it keeps answering the same.
    /// Asked again while a poll is out, it ends with [`WaitErrorKind::OutOfSequence`].
    pub fn next(&mut self, now: Timestamp) -> WaitStep {
        if let Some(event) = self.events.pop_front() {
            return WaitStep::Event(event);
        }
        match &self.state {
            State::Done(outcome) => WaitStep::Done(outcome.clone()),
            State::Sleeping { until } if now < *until => WaitStep::Sleep { until: *until },
            State::Sleeping { .. } => {
                self.state = State::Polling;
                WaitStep::Poll(self.task_id.clone())
            }
            State::Polling => {
                self.fail(
                    WaitErrorKind::OutOfSequence("next() was called while a poll was out"),
                    now,
                );
                self.next(now)
            }
        }
    }

    /// Feeds the result of the query asked for by [`WaitStep::Poll`].
    pub fn on_poll(&mut self, answer: Result<TaskData, CallError>, now: Timestamp) {
        match self.state {
            State::Polling => {}
            State::Done(_) => return,
            State::Sleeping { .. } => {
                let misuse = "on_poll() was called with no poll out";
                return self.fail(WaitErrorKind::OutOfSequence(misuse), now);
            }
        }
        self.polls += 1;
        match answer {
            Ok(data) => self.on_task(&data, now),
            Err(error) => self.on_failure(error, now),
        }
    }

    fn on_task(&mut self, data: &TaskData, now: Timestamp) {
        self.failed_in_a_row = 0;
        let progress = data.progress_percent();
        self.observe(data.state.clone(), progress, now);
        match data.state {
            TaskState::Success => match TaskResult::from_task(data, now) {
                Some(result) => {
                    self.state = State::Done(Ok(WaitOutcome {
                        task_id: self.task_id.clone(),
                        result,
                        last_state: TaskState::Success,
                        elapsed: now - self.started,
                        polls: self.polls,
                    }));
                }
                None => {
                    let kind = match data.url.as_deref().filter(|url| !url.trim().is_empty()) {
                        Some(url) => WaitErrorKind::UnusableResultUrl {
                            url: crate::wire::redact::link(url),
                        },
                        None => WaitErrorKind::SuccessWithoutResult,
                    };
                    self.fail(kind, now);
                }
            },
            TaskState::Failed => self.fail(
                WaitErrorKind::TaskFailed {
                    code: None,
                    message: None,
                },
                now,
            ),
            // created, queueing, processing, and states this SDK does not know yet.
            _ => {
                self.last_pending = Some(now);
                self.schedule(now);
            }
        }
    }

    fn on_failure(&mut self, error: CallError, now: Timestamp) {
        if let Some(answer) = error.api_error()
            && let Some(code) = decode::generation_failure(answer)
        {
            let message = match answer {
                crate::ApiError::Service { message, .. } if !message.is_empty() => {
                    Some(message.clone())
                }
                _ => None,
            };
            let code = code.clone();
            self.observe(TaskState::Failed, None, now);
            self.fail(
                WaitErrorKind::TaskFailed {
                    code: Some(code),
                    message,
                },
                now,
            );
            return;
        }
        if error.is_transient() && self.failed_in_a_row < self.policy.max_failed_polls {
            self.failed_in_a_row += 1;
            self.events.push_back(WaitEvent::PollFailed {
                task_id: self.task_id.clone(),
                error: error.to_string(),
                failed_in_a_row: self.failed_in_a_row,
                elapsed: now - self.started,
                polls: self.polls,
            });
            self.schedule(now);
            return;
        }
        self.fail(WaitErrorKind::Query(Box::new(error)), now);
    }

    /// Records what a poll showed, queueing an event when it is news.
    fn observe(&mut self, state: TaskState, progress: Option<f64>, now: Timestamp) {
        let elapsed = now - self.started;
        let changed = self.last_state.as_ref() != Some(&state);
        if changed {
            if state == TaskState::Processing && self.processing_since.is_none() {
                self.processing_since = Some(now);
            }
            self.events.push_back(WaitEvent::StateChanged {
                task_id: self.task_id.clone(),
                from: self.last_state.clone(),
                to: state.clone(),
                elapsed,
                polls: self.polls,
            });
        }
        // A percentage that arrives with a new state is reported too, after the change.
        if let Some(percent) = progress
            && (changed || self.last_progress != Some(percent))
        {
            self.events.push_back(WaitEvent::Progress {
                task_id: self.task_id.clone(),
                state: state.clone(),
                percent,
                elapsed,
                polls: self.polls,
            });
        }
        self.last_state = Some(state);
        self.last_progress = progress;
    }

    /// Plans the next poll, never later than the deadline; past the deadline, gives up.
    fn schedule(&mut self, now: Timestamp) {
        let deadline_at = self.started + self.policy.deadline;
        if self.polls > 0 && now >= deadline_at {
            self.fail(
                WaitErrorKind::DeadlineExceeded {
                    deadline: self.policy.deadline,
                },
                now,
            );
            return;
        }
        let processing_for = self
            .processing_since
            .map_or(Duration::ZERO, |since| now - since);
        let context = PollContext {
            polls: self.polls,
            elapsed: now - self.started,
            state: self.last_state.as_ref(),
            processing_for,
            progress: self.last_progress,
            forecast: &self.forecast,
        };
        let interval = self.policy.schedule.interval(&context);
        self.state = State::Sleeping {
            until: (now + interval).min(deadline_at),
        };
    }

    fn fail(&mut self, kind: WaitErrorKind, now: Timestamp) {
        self.state = State::Done(Err(WaitError {
            task_id: self.task_id.clone(),
            last_state: self.last_state.clone(),
            elapsed: now - self.started,
            polls: self.polls,
            kind,
        }));
    }
}
