//! Why a call ended without its result.

use hitem3d_types::ErrorClass;

use crate::machines::retry::StopReason;
use crate::{ApiError, Operation, RequestError, TransportFailure};

fn plural(count: &u32) -> &'static str {
    if *count == 1 { "" } else { "s" }
}

/// A call that ended without its result, after every retry the policy allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The request could not be built; nothing was sent.
    #[error("could not build the {operation} request: {source}")]
    Request {
        /// The call.
        operation: Operation,
        /// What was wrong.
        source: RequestError,
    },
    /// The service (or a gateway) answered with an error.
    #[error(
        "{operation} failed after {attempts} attempt{} ({stopped}): {source}",
        plural(attempts)
    )]
    Api {
        /// The call.
        operation: Operation,
        /// How many times the request was sent.
        attempts: u32,
        /// Why no further attempt was made.
        stopped: StopReason,
        /// The last answer.
        source: ApiError,
    },
    /// No answer came.
    #[error(
        "{operation} got no answer after {attempts} attempt{} ({stopped}): {failure}",
        plural(attempts)
    )]
    Transport {
        /// The call.
        operation: Operation,
        /// How many times the request was sent.
        attempts: u32,
        /// Why no further attempt was made.
        stopped: StopReason,
        /// The last failure.
        #[source]
        failure: TransportFailure,
    },
    /// Submit-task may have reached the service, but no usable answer came back.
    #[error(
        "submit-task may have reached the service ({cause}), so whether it created a task, and \
         charged for it, is unknown. It was not resent, to avoid paying twice: wait for the \
         callback, or compare the credit balance, before submitting again"
    )]
    SubmitOutcomeUnknown {
        /// What happened to the request.
        cause: String,
    },
    /// The driver fed the call something it was not waiting for; a bug in the driver.
    #[error("the call was driven out of sequence: {0}; this is a bug in the SDK driver")]
    OutOfSequence(&'static str),
}

impl CallError {
    /// The service's answer, when there was one.
    #[must_use]
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api { source, .. } => Some(source),
            _ => None,
        }
    }

    /// How to understand the error. Transport failures count as transient server trouble,
    /// except a transport's refusal, which is a setting to fix.
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Api { source, .. } => source.class(),
            Self::Transport { failure, .. } if failure.is_refused() => ErrorClass::Input,
            Self::Transport { .. } => ErrorClass::TransientServer,
            Self::Request { .. } => ErrorClass::Input,
            Self::SubmitOutcomeUnknown { .. } | Self::OutOfSequence(_) => ErrorClass::Unknown,
        }
    }

    /// Whether trying again later may succeed: no answer, or a transient answer (5xx, 429,
    /// `10000000`). Never true for [`CallError::SubmitOutcomeUnknown`].
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Api { source, .. } => source.is_transient(),
            Self::Transport { failure, .. } => !failure.is_refused(),
            _ => false,
        }
    }

    /// Whether the credentials or the token were refused (after the one refresh allowed).
    #[must_use]
    pub fn is_auth(&self) -> bool {
        self.class() == ErrorClass::Auth
    }
}
