//! Why a callback was not accepted.

use hitem3d_types::{ResponseCode, TaskId};

/// A callback that could not be parsed, confirmed or authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is larger than any real callback.
    #[error("the callback body has {len} bytes, more than the {limit} accepted")]
    TooLarge {
        /// The body's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not a query-task-shaped JSON document.
    #[error("the callback body is not a task update ({reason}); body: {snippet:?}")]
    Malformed {
        /// What is wrong, with the path of the bad field.
        reason: String,
        /// The start of the body, credentials redacted.
        snippet: String,
    },
    /// The body names no task, so it cannot be confirmed.
    #[error(
        "the callback (code {code}, message {message:?}) names no task_id, so it cannot be confirmed"
    )]
    NoTaskId {
        /// The envelope's code.
        code: ResponseCode,
        /// The envelope's message.
        message: Option<String>,
    },
    /// The confirming query answered about another task.
    #[error("the callback is about task {claimed}, but the query answered about task {queried}")]
    TaskMismatch {
        /// The task in the callback.
        claimed: TaskId,
        /// The task in the query's answer.
        queried: TaskId,
    },
    /// The callback URL carried no secret, or the wrong one: it did not come from a task this
    /// application submitted.
    #[error("the callback URL has a missing or wrong `{parameter}` secret; ignore this request")]
    SecretMismatch {
        /// The query parameter that should carry the secret.
        parameter: &'static str,
    },
    /// The secret is too short to be unguessable, or has characters a URL cannot carry as is.
    #[error(
        "a callback secret needs at least {min} characters of letters, digits, '-' and '_'; \
         use CallbackSecret::from_random_bytes with 32 random bytes"
    )]
    WeakSecret {
        /// The shortest secret accepted.
        min: usize,
    },
    /// The callback URL given is not an absolute http(s) URL.
    #[error("{url:?} is not an absolute http(s) URL")]
    InvalidUrl {
        /// The URL.
        url: String,
    },
}
