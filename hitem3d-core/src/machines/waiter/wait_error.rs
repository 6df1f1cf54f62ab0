//! How waiting for a task can end without a result.

use std::fmt;
use std::time::Duration;

use hitem3d_types::{ApiErrorCode, TaskId, TaskState};

use crate::CallError;

/// Why waiting ended without a result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitErrorKind {
    /// The task failed (`state: failed`, or a `50010001` answer). Per the docs its credits are
    /// refunded; submitting again (perhaps with a clearer picture) is reasonable.
    TaskFailed {
        /// The error code, when the failure came as one.
        code: Option<ApiErrorCode>,
        /// The service's message, if any.
        message: Option<String>,
    },
    /// The deadline passed with the task unfinished. The task may still finish: its id stays
    /// valid for querying.
    DeadlineExceeded {
        /// The deadline that passed.
        deadline: Duration,
    },
    /// The task reported success without a usable model URL.
    SuccessWithoutResult,
    /// The task reported success with a model URL that is not http(s) (shown without its
    /// query string).
    UnusableResultUrl {
        /// The URL as sent, its query replaced.
        url: String,
    },
    /// Querying failed in a way that does not pass (auth, unknown task), or failed too many
    /// times in a row.
    Query(Box<CallError>),
    /// The driver fed the waiter out of turn (a bug in the driver, not the service).
    OutOfSequence(&'static str),
}

/// Waiting for a task ended without a result. Carries the task, its last known state, the time
/// spent and the polls made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct WaitError {
    /// The task.
    pub task_id: TaskId,
    /// The last state seen, if any poll succeeded.
    pub last_state: Option<TaskState>,
    /// Time since waiting began.
    pub elapsed: Duration,
    /// Polls made.
    pub polls: u32,
    /// What went wrong.
    pub kind: WaitErrorKind,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self
            .last_state
            .as_ref()
            .map_or_else(|| "unknown".to_owned(), ToString::to_string);
        write!(
            f,
            "task {} (last state {state}, after {}s and {} poll(s)): ",
            self.task_id,
            self.elapsed.as_secs(),
            self.polls
        )?;
        match &self.kind {
            WaitErrorKind::TaskFailed { code, message } => {
                write!(f, "generation failed")?;
                if let Some(code) = code {
                    write!(f, " with code {code}")?;
                }
                if let Some(message) = message {
                    write!(f, " ({message:?})")?;
                }
                write!(
                    f,
                    "; the credits are refunded, and submitting again with a clearer picture may help"
                )
            }
            WaitErrorKind::DeadlineExceeded { deadline } => write!(
                f,
                "not finished within {}s; it may still finish, so query it later by its id",
                deadline.as_secs()
            ),
            WaitErrorKind::UnusableResultUrl { url } => write!(
                f,
                "the service reported success with a model URL that is not http(s) ({url}); \
                 it is never fetched"
            ),
            WaitErrorKind::SuccessWithoutResult => {
                write!(
                    f,
                    "the service reported success without a model URL; query the task again"
                )
            }
            WaitErrorKind::Query(error) => write!(f, "querying the task failed: {error}"),
            WaitErrorKind::OutOfSequence(misuse) => {
                write!(f, "the waiter was driven out of sequence: {misuse}")
            }
        }
    }
}
