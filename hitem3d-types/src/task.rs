//! Payloads of submit-task, query-task and callbacks.

use serde::{Deserialize, Serialize};

use crate::{AssetId, TaskId, TaskState};

/// `data` of a successful submit-task answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitTaskData {
    /// The new task's id.
    pub task_id: TaskId,
    /// The task's state, which some versions of the service also return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TaskState>,
}

/// `data` of a query-task answer, and of a callback body.
///
/// ```
/// use hitem3d_types::{TaskData, TaskState};
///
/// let data: TaskData = serde_json::from_str(
///     r#"{"task_id":"t1","state":"processing","url":"","progress":"40"}"#,
/// ).unwrap();
/// assert_eq!(data.state, TaskState::Processing);
/// assert_eq!(data.url, None);
/// assert_eq!(data.progress_percent(), Some(40.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskData {
    /// The task's id.
    pub task_id: TaskId,
    /// Where the task is in its life.
    pub state: TaskState,
    /// The generated asset's id (task id + `_0`), once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<AssetId>,
    /// The model file's URL on success; valid for one hour from the answer.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub url: Option<String>,
    /// The cover image's URL on success (WebP); valid for one hour from the answer.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub cover_url: Option<String>,
    /// Percent done, when the service sends it (not promised for API keys).
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub progress: Option<f64>,
    /// Percent done under another name some versions use.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub process_pct: Option<f64>,
    /// Percent done under a third name seen in clients.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub percent: Option<f64>,
}

impl TaskData {
    /// The kind of task this is, from its id's prefix.
    #[must_use]
    pub fn task_type(&self) -> crate::TaskType {
        crate::TaskType::of(&self.task_id)
    }

    /// A task in `state` with nothing else known.
    #[must_use]
    pub fn new(task_id: TaskId, state: TaskState) -> Self {
        Self {
            task_id,
            state,
            id: None,
            url: None,
            cover_url: None,
            progress: None,
            process_pct: None,
            percent: None,
        }
    }

    /// Percent done from whichever progress field is present, clamped to 0–100.
    #[must_use]
    pub fn progress_percent(&self) -> Option<f64> {
        self.progress
            .or(self.process_pct)
            .or(self.percent)
            .filter(|value| value.is_finite())
            .map(|value| value.clamp(0.0, 100.0))
    }
}
