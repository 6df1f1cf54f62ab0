//! Webhook callbacks: parsing the body, confirming it, and an optional URL secret.

mod callback_error;
mod callback_secret;

use hitem3d_types::{Envelope, ResponseCode, TaskData, TaskId, TaskState};

pub use callback_error::CallbackError;
pub use callback_secret::CallbackSecret;

use crate::MAX_RESPONSE_BYTES;
use crate::wire::redact;

/// What a callback claims about a task. Callbacks are not signed: treat this as a hint, and
/// trust the task only after [`CallbackUpdate::confirm`] with a fresh query.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallbackUpdate {
    /// The task as the callback describes it.
    pub task: TaskData,
    /// The envelope's `code` (success unless the callback reports an error).
    pub code: ResponseCode,
    /// The envelope's message, if any.
    pub message: Option<String>,
}

/// The verdict after re-querying the task a callback talked about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConfirmedCallback {
    /// The task as the service reports it now: the truth to act on.
    pub task: TaskData,
    /// The state the callback claimed.
    pub claimed: TaskState,
    /// Whether the query agrees with the claim.
    pub agrees: bool,
}

/// Parses a callback body: the same `{code, data, msg}` shape as query-task (a bare `data`
/// object is accepted too).
///
/// # Errors
/// [`CallbackError`] for a body that is too large, not JSON of that shape, or has no task id.
///
/// ```
/// use hitem3d_core::parse_callback;
/// use hitem3d_core::types::TaskState;
///
/// let body = br#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://cdn/0.glb"},"msg":"success"}"#;
/// let update = parse_callback(body)?;
/// assert_eq!(update.task.task_id.as_str(), "t-1");
/// assert_eq!(update.claimed_state(), TaskState::Success);
/// # Ok::<(), hitem3d_core::CallbackError>(())
/// ```
pub fn parse_callback(body: &[u8]) -> Result<CallbackUpdate, CallbackError> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(CallbackError::TooLarge {
            len: body.len(),
            limit: MAX_RESPONSE_BYTES,
        });
    }
    let json = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let malformed = |reason: String| CallbackError::Malformed {
        reason,
        snippet: redact::snippet(body),
    };
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|error| malformed(error.to_string()))?;
    let is_envelope = value.get("code").is_some();
    if !is_envelope {
        let task: TaskData = serde_path_to_error::deserialize(value)
            .map_err(|error| malformed(format!("at `{}`: {}", error.path(), error.inner())))?;
        return Ok(CallbackUpdate {
            task,
            code: ResponseCode::SUCCESS,
            message: None,
        });
    }
    let envelope: Envelope<serde_json::Value> = serde_path_to_error::deserialize(value)
        .map_err(|error| malformed(format!("at `{}`: {}", error.path(), error.inner())))?;
    let message = envelope.message().map(redact::redact_secrets);
    let Some(data) = envelope.data else {
        return Err(CallbackError::NoTaskId {
            code: envelope.code,
            message,
        });
    };
    if data.get("task_id").is_none() {
        return Err(CallbackError::NoTaskId {
            code: envelope.code,
            message,
        });
    }
    let task: TaskData = serde_path_to_error::deserialize(data)
        .map_err(|error| malformed(format!("at `data.{}`: {}", error.path(), error.inner())))?;
    Ok(CallbackUpdate {
        task,
        code: envelope.code,
        message,
    })
}

impl CallbackUpdate {
    /// The task the callback is about.
    #[must_use]
    pub fn task_id(&self) -> &TaskId {
        &self.task.task_id
    }

    /// The state the callback claims; an error `code` counts as `failed`.
    #[must_use]
    pub fn claimed_state(&self) -> TaskState {
        if self.code.is_success() {
            self.task.state.clone()
        } else {
            TaskState::Failed
        }
    }

    /// Checks the claim against a fresh query of the same task, whose answer is what to act
    /// on (its URLs are also fresher).
    ///
    /// # Errors
    /// [`CallbackError::TaskMismatch`] if `queried` is about another task.
    pub fn confirm(&self, queried: TaskData) -> Result<ConfirmedCallback, CallbackError> {
        if queried.task_id != self.task.task_id {
            return Err(CallbackError::TaskMismatch {
                claimed: self.task.task_id.clone(),
                queried: queried.task_id,
            });
        }
        let claimed = self.claimed_state();
        Ok(ConfirmedCallback {
            agrees: queried.state == claimed,
            task: queried,
            claimed,
        })
    }
}
