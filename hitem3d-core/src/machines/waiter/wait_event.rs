//! Progress reports from the task waiter.

use std::time::Duration;

use hitem3d_types::{TaskId, TaskState};

/// Something worth reporting while waiting for a task.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitEvent {
    /// The task's state changed (the first state seen counts as a change from `None`).
    StateChanged {
        /// The task.
        task_id: TaskId,
        /// The state before, if one was seen.
        from: Option<TaskState>,
        /// The new state.
        to: TaskState,
        /// Time since waiting began.
        elapsed: Duration,
        /// Polls so far.
        polls: u32,
    },
    /// The reported progress changed, in the same state.
    Progress {
        /// The task.
        task_id: TaskId,
        /// The state.
        state: TaskState,
        /// Percent done, 0–100.
        percent: f64,
        /// Time since waiting began.
        elapsed: Duration,
        /// Polls so far.
        polls: u32,
    },
    /// A poll failed in a way that may pass; polling goes on.
    PollFailed {
        /// The task.
        task_id: TaskId,
        /// What went wrong.
        error: String,
        /// Failed polls in a row, this one included.
        failed_in_a_row: u32,
        /// Time since waiting began.
        elapsed: Duration,
        /// Polls so far.
        polls: u32,
    },
}

impl WaitEvent {
    /// The task.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        match self {
            Self::StateChanged { task_id, .. }
            | Self::Progress { task_id, .. }
            | Self::PollFailed { task_id, .. } => task_id,
        }
    }

    /// Time since waiting began.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        match self {
            Self::StateChanged { elapsed, .. }
            | Self::Progress { elapsed, .. }
            | Self::PollFailed { elapsed, .. } => *elapsed,
        }
    }

    /// Polls so far.
    #[must_use]
    pub fn polls(&self) -> u32 {
        match self {
            Self::StateChanged { polls, .. }
            | Self::Progress { polls, .. }
            | Self::PollFailed { polls, .. } => *polls,
        }
    }
}
