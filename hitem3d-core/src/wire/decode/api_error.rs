//! A response that is not the success the caller asked for, typed.

use std::fmt;
use std::time::Duration;

use hitem3d_types::{ApiErrorCode, CreditOutcome, ErrorClass};
use http::StatusCode;

use super::DecodeError;

/// What the service (or something in front of it) answered instead of success.
///
/// ```
/// use hitem3d_core::decode;
/// use hitem3d_core::types::{ApiErrorCode, ErrorClass};
///
/// // Business errors come as HTTP 200 with a non-200 `code`.
/// let response = http::Response::new(r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#);
/// let error = decode::submit_task(&response).unwrap_err();
/// assert_eq!(error.code(), Some(&ApiErrorCode::InsufficientBalance));
/// assert_eq!(error.class(), ErrorClass::Billing);
/// assert!(!error.is_transient());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ApiError {
    /// The service answered with an error `code` in its JSON envelope.
    Service {
        /// The code, typed; unknown codes keep their number.
        code: ApiErrorCode,
        /// The service's message (`msg` or `message`), or the documented one if it sent none.
        message: String,
        /// The HTTP status, usually 200.
        status: StatusCode,
    },
    /// An HTTP error status without the API's JSON envelope: a gateway's HTML 502 page, a
    /// proxy's 429, a bare 401.
    Http {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the body, on one line, credentials redacted.
        snippet: String,
        /// The server's `Retry-After`, when it sent one in seconds.
        retry_after: Option<Duration>,
    },
    /// A body the SDK could not read.
    Decode(DecodeError),
}

impl ApiError {
    /// The API error code, for [`ApiError::Service`].
    #[must_use]
    pub fn code(&self) -> Option<&ApiErrorCode> {
        match self {
            Self::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status of the answer.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Service { status, .. } | Self::Http { status, .. } => *status,
            Self::Decode(error) => error.status(),
        }
    }

    /// How to understand the error: auth, input, billing, rate limit, transient, …
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Service { code, .. } => code.class(),
            Self::Http { status, .. } => match status.as_u16() {
                401 | 403 => ErrorClass::Auth,
                429 => ErrorClass::RateLimit,
                408 | 500..=599 => ErrorClass::TransientServer,
                _ => ErrorClass::Unknown,
            },
            Self::Decode(_) => ErrorClass::Unknown,
        }
    }

    /// Whether the same request may succeed if sent again later: 5xx, 429, 408 and the
    /// service's `10000000` system error.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        let transient_class = matches!(
            self.class(),
            ErrorClass::TransientServer | ErrorClass::RateLimit
        );
        match self {
            Self::Service { code, .. } => transient_class && code.is_retryable(),
            Self::Http { .. } => transient_class,
            // An empty, cut-off or garbled answer may well come whole next time. A submit is
            // never resent on it: its outcome is unknown (see `Call`).
            Self::Decode(_) => true,
        }
    }

    /// Whether the service refused a submit because the account already has as many
    /// unfinished tasks as it may: the code is not documented, so the message is read (words
    /// from the spec, English or Chinese). A refusal creates no task, so the submit may be
    /// sent again once a task has finished.
    #[must_use]
    pub fn is_concurrency_refusal(&self) -> bool {
        let Self::Service { message, .. } = self else {
            return false;
        };
        let message = message.to_lowercase();
        hitem3d_types::limits::CONCURRENCY_REFUSAL_WORDS
            .iter()
            .any(|word| message.contains(word))
    }

    /// Whether a fresh token may fix it: `code 401` ("login expired") in the body, or a real
    /// HTTP 401/403. Bad credentials (`40010000`) are not: a new token would fail the same way.
    #[must_use]
    pub fn needs_new_token(&self) -> bool {
        match self {
            Self::Service { code, .. } => code.class() == ErrorClass::Auth && code.is_retryable(),
            Self::Http { status, .. } => matches!(status.as_u16(), 401 | 403),
            Self::Decode(_) => false,
        }
    }

    /// Whether the client id or secret was rejected (`40010000`).
    #[must_use]
    pub fn is_bad_credentials(&self) -> bool {
        self.code() == Some(&ApiErrorCode::InvalidClientCredentials)
    }

    /// Whether credits were charged for the failed request, as far as the docs say.
    #[must_use]
    pub fn credit_outcome(&self) -> CreditOutcome {
        match self {
            Self::Service { code, .. } => code.credit_outcome(),
            _ => CreditOutcome::Unknown,
        }
    }

    /// The server's requested wait before retrying, if it sent one.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What to do about it, in one sentence.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Service { code, .. } => code.hint(),
            Self::Http { status, .. } => match status.as_u16() {
                401 | 403 => "Get a new token; if that fails, check the client id and secret.",
                404 => "Check the base URL: the API lives at https://api.hitem3d.ai.",
                429 => "Too many requests: slow down or lower the number of concurrent tasks.",
                408 | 500..=599 => {
                    "The service or a gateway in front of it failed; try again later."
                }
                _ => "An HTTP error the API does not document; see the body excerpt.",
            },
            Self::Decode(_) => {
                "The answer did not have the documented shape; if the service changed, please \
                 report it with the excerpt."
            }
        }
    }
}

impl ApiError {
    /// What happened, without the advice: where the advice would not hold (a submit that may
    /// have created a task is not simply tried again later).
    pub(crate) fn what_happened(&self) -> String {
        match self {
            Self::Service { code, message, .. } => {
                format!("the service answered code {code}: {message:?}")
            }
            Self::Http {
                status, snippet, ..
            } => format!("HTTP {status} without an API answer (body: {snippet:?})"),
            Self::Decode(error) => error.to_string(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. {}", self.what_happened(), self.hint())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Decode(error) => Some(error),
            _ => None,
        }
    }
}

impl From<DecodeError> for ApiError {
    fn from(error: DecodeError) -> Self {
        Self::Decode(error)
    }
}
