//! A body that could not be read as the documented answer.

use http::StatusCode;

/// Why a response body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The body is larger than [`MAX_RESPONSE_BYTES`](crate::MAX_RESPONSE_BYTES).
    #[error(
        "the response body has {len} bytes, more than the {limit} this SDK reads (HTTP {status})"
    )]
    TooLarge {
        /// The HTTP status.
        status: StatusCode,
        /// The body's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is not the API's JSON envelope.
    #[error(
        "the response (HTTP {status}) is not the API's JSON envelope ({reason}); body: {snippet:?}"
    )]
    NotEnvelope {
        /// The HTTP status.
        status: StatusCode,
        /// The parser's complaint, with the path of the bad field.
        reason: String,
        /// The start of the body, credentials redacted.
        snippet: String,
    },
    /// The envelope said success but a field of `data` is missing or malformed.
    #[error("field `{path}` of the response is unreadable: {reason}")]
    Field {
        /// The HTTP status.
        status: StatusCode,
        /// Where the bad field is, e.g. `data.task_id`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The envelope said success but carried no `data`.
    #[error("the response says success but has no `data` (HTTP {status})")]
    MissingData {
        /// The HTTP status.
        status: StatusCode,
    },
}

impl DecodeError {
    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { status, .. }
            | Self::NotEnvelope { status, .. }
            | Self::Field { status, .. }
            | Self::MissingData { status } => *status,
        }
    }

    /// The path of the bad field, when one field is at fault.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Field { path, .. } => Some(path),
            _ => None,
        }
    }
}
