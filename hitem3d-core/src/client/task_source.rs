//! What `generate` saves the files of: a task to submit, or one that exists.

use hitem3d_types::{OutputFormat, TaskId};

use crate::{MeshTask, NewTask, ReliefTask, SubmitTask};

/// What [`crate::ClientCore::generate`] saves the files of: a new task, paid for when it is
/// submitted, or a task that exists (an id from an earlier run, a webhook, another program),
/// waited for and saved paying nothing. Every task type converts into it.
///
/// ```
/// use hitem3d_core::TaskSource;
/// use hitem3d_core::types::{OutputFormat, TaskId};
///
/// let earlier = TaskSource::existing(TaskId::new("t-1"), Some(OutputFormat::Stl));
/// assert!(matches!(earlier, TaskSource::Existing { .. }));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TaskSource {
    /// Submit this task.
    New(NewTask),
    /// A task that exists.
    Existing {
        /// The task.
        task_id: TaskId,
        /// The format it asked for, when known: the file is checked against it, and named by
        /// it when the link names none.
        format: Option<OutputFormat>,
    },
}

impl TaskSource {
    /// A task that exists, and the format it asked for when known.
    #[must_use]
    pub fn existing(task_id: TaskId, format: Option<OutputFormat>) -> Self {
        Self::Existing { task_id, format }
    }
}

impl From<NewTask> for TaskSource {
    fn from(task: NewTask) -> Self {
        Self::New(task)
    }
}

impl From<SubmitTask> for TaskSource {
    fn from(task: SubmitTask) -> Self {
        Self::New(task.into())
    }
}

impl From<ReliefTask> for TaskSource {
    fn from(task: ReliefTask) -> Self {
        Self::New(task.into())
    }
}

impl From<MeshTask> for TaskSource {
    fn from(task: MeshTask) -> Self {
        Self::New(task.into())
    }
}
