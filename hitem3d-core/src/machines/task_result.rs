//! A finished task's result files, and how long their links last.

use std::fmt;
use std::time::Duration;

use hitem3d_types::{AssetId, OutputFormat, TaskData, TaskId, TaskState, limits};

use crate::Timestamp;
use crate::rules::file_name::{safe_file_name, unique_stem};
use crate::wire::base_url::is_absolute_http_url;
use crate::wire::redact;

/// Which file of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResultKind {
    /// The 3D model (`url`).
    Model,
    /// The cover picture (`cover_url`).
    Cover,
}

/// A successful task's files, with the time their links stop working.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::{ResultKind, TaskResult, Timestamp};
/// use hitem3d_core::types::{OutputFormat, TaskData};
///
/// let data: TaskData = serde_json::from_str(r#"{
///     "task_id": "2c2ad20c.jjewelry-aigc-api.1NraEb5ohU", "state": "success",
///     "url": "https://cdn.example/0.glb?auth_key=x", "cover_url": "https://cdn.example/0.webp"
/// }"#).unwrap();
/// let received = Timestamp::ZERO + Duration::from_secs(10);
/// let result = TaskResult::from_task(&data, received).unwrap();
/// assert_eq!(result.expires_at, received + Duration::from_secs(3600));
/// assert_eq!(result.file_name(ResultKind::Model, Some(&OutputFormat::Glb)), "2c2ad20c.jjewelry-aigc-api.1NraEb5ohU.glb");
/// assert_eq!(result.file_name(ResultKind::Cover, None), "2c2ad20c.jjewelry-aigc-api.1NraEb5ohU-cover.webp");
/// ```
///
/// Its `Debug` output shows the links without their query strings, which carry the signature.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskResult {
    /// The task.
    pub task_id: TaskId,
    /// The generated asset's id (`id`), when the service sent one.
    pub asset_id: Option<AssetId>,
    /// The model file's URL.
    pub model_url: String,
    /// The cover picture's URL, when the service sent one.
    pub cover_url: Option<String>,
    /// When the answer carrying these URLs was received.
    pub received_at: Timestamp,
    /// When the URLs stop working: an hour after they were received, as documented.
    pub expires_at: Timestamp,
}

impl fmt::Debug for TaskResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskResult")
            .field("task_id", &self.task_id)
            .field("asset_id", &self.asset_id)
            .field("model_url", &redact::link(&self.model_url))
            .field("cover_url", &self.cover_url.as_deref().map(redact::link))
            .field("received_at", &self.received_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl TaskResult {
    /// The kind of task it is the result of (a relief, a split, …), from its id.
    #[must_use]
    pub fn task_type(&self) -> hitem3d_types::TaskType {
        hitem3d_types::TaskType::of(&self.task_id)
    }

    /// The result of a task in state `success` with a usable model URL; `None` otherwise.
    #[must_use]
    pub fn from_task(data: &TaskData, received_at: Timestamp) -> Option<Self> {
        if data.state != TaskState::Success {
            return None;
        }
        let model_url = data
            .url
            .as_deref()
            .filter(|url| is_absolute_http_url(url))?;
        Some(Self {
            task_id: data.task_id.clone(),
            asset_id: data.id.clone(),
            model_url: model_url.to_owned(),
            cover_url: data
                .cover_url
                .clone()
                .filter(|url| is_absolute_http_url(url)),
            received_at,
            expires_at: received_at + limits::RESULT_URL_LIFETIME,
        })
    }

    /// The URL of one file.
    #[must_use]
    pub fn url(&self, kind: ResultKind) -> Option<&str> {
        match kind {
            ResultKind::Model => Some(&self.model_url),
            ResultKind::Cover => self.cover_url.as_deref(),
        }
    }

    /// Whether the links still work at `now` with `margin` to spare.
    #[must_use]
    pub fn is_fresh(&self, now: Timestamp, margin: Duration) -> bool {
        now + margin < self.expires_at
    }

    /// A safe local file name for one file: the task id with anything but letters, digits,
    /// `-` and `_` replaced, and an extension from the URL when it is a known 3D or image type,
    /// else from `format`. Never a path: nothing the server sends can steer where it is written.
    #[must_use]
    pub fn file_name(&self, kind: ResultKind, format: Option<&OutputFormat>) -> String {
        self.file_name_with_stem(&unique_stem(self.task_id.as_str()), kind, format)
    }

    /// [`TaskResult::file_name`] with another stem (made safe the same way); the cover's name
    /// ends in `-cover`.
    #[must_use]
    pub fn file_name_with_stem(
        &self,
        stem: &str,
        kind: ResultKind,
        format: Option<&OutputFormat>,
    ) -> String {
        let (suffix, fallback) = match kind {
            ResultKind::Model => ("", format.map_or("bin", OutputFormat::file_extension)),
            ResultKind::Cover => ("-cover", limits::COVER_EXTENSION),
        };
        safe_file_name(stem, suffix, self.url(kind).unwrap_or(""), fallback)
    }
}
