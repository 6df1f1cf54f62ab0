//! The one error type both clients return, with the questions callers ask of it.

use std::io;
use std::path::PathBuf;

use hitem3d_types::{ApiErrorCode, ErrorClass, TaskId};

use crate::journal::{JournalError, Unrecorded};
use crate::{
    ApiError, CallError, CallbackError, ConfigError, DownloadError, DownloadErrorKind, MeshError,
    UploadError, ValidationError, WaitError, WaitErrorKind,
};

/// Anything a client operation can fail with. Its `Display` says what happened and what to do;
/// the predicates answer the usual questions without matching on variants.
///
/// ```
/// use hitem3d_core::{decode, CallError, Error, Operation, StopReason};
/// use hitem3d_core::types::ApiErrorCode;
///
/// let response = http::Response::new(r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#);
/// let answer = decode::submit_task(&response).unwrap_err();
/// let error = Error::from(CallError::Api {
///     operation: Operation::SubmitTask,
///     attempts: 1,
///     stopped: StopReason::NotRetryable,
///     source: answer,
/// });
/// assert!(error.is_insufficient_balance());
/// assert!(!error.is_retryable());
/// assert_eq!(error.code(), Some(&ApiErrorCode::InsufficientBalance));
/// assert_eq!(error.message(), Some("balance is not enough"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration cannot work; nothing was sent.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The submit was refused locally; nothing was sent and nothing was charged.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An API call failed after the retries its policy allows.
    #[error(transparent)]
    Call(#[from] CallError),
    /// Waiting for a task ended without a result.
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// A result file could not be downloaded.
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// A callback was not accepted.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// A mesh cannot be uploaded as it is; nothing was sent.
    #[error(transparent)]
    Mesh(#[from] MeshError),
    /// The object storage refused or failed the upload.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// A local file could not be read or written.
    #[error("could not {action} {}: {source}", path.display())]
    File {
        /// What was being done: "create", "write", "rename to", …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A file is already where a result would be saved, found before anything was sent or
    /// paid; nothing is replaced unless asked ([`crate::GenerateOptions::with_overwrite`]).
    #[error(
        "{} exists, and nothing is overwritten unless asked: choose another name or output \
         directory, or allow it (GenerateOptions::with_overwrite); nothing was sent or paid",
        path.display()
    )]
    PathTaken {
        /// The file in the way.
        path: PathBuf,
    },
    /// The task is paid for and finished, but a file of its result could not be saved (the
    /// disk is full, the name was taken meanwhile by something else): fix that, then save it
    /// again without paying, from the journal or by its task id.
    #[error(
        "task {task_id} is paid for and finished, but its file was not saved: {source}; once \
         that is fixed it can be saved again without paying (a query gives fresh links)"
    )]
    NotSaved {
        /// The paid task.
        task_id: TaskId,
        /// Why the file was not saved.
        #[source]
        source: Box<Error>,
    },
    /// The task journal could not record the submit, or forbids it: nothing was sent.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The task exists (and may be charged) but the task journal could not record it, after
    /// retrying: keep [`Error::task_id`], the only record of the task left.
    #[error(transparent)]
    Unrecorded(Box<Unrecorded>),
    /// Writing a download to the caller's writer failed.
    #[error("writing the download to the destination failed: {0}")]
    Write(#[source] io::Error),
}

impl Error {
    /// A file error.
    #[must_use]
    pub fn file(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::File {
            action,
            path: path.into(),
            source,
        }
    }

    /// The call error underneath, wherever it surfaced (a call, a poll, a re-query).
    #[must_use]
    pub fn call_error(&self) -> Option<&CallError> {
        match self {
            Self::Call(error) => Some(error),
            Self::Wait(WaitError {
                kind: WaitErrorKind::Query(error),
                ..
            })
            | Self::Download(DownloadError {
                kind: DownloadErrorKind::Requery(error),
                ..
            }) => Some(error),
            _ => None,
        }
    }

    /// The service's (or a gateway's) answer underneath, if there was one.
    #[must_use]
    pub fn api_error(&self) -> Option<&ApiError> {
        self.call_error().and_then(CallError::api_error)
    }

    /// The API error code, when the service sent one (for a failed task, its failure code).
    #[must_use]
    pub fn code(&self) -> Option<&ApiErrorCode> {
        match self {
            Self::Wait(WaitError {
                kind: WaitErrorKind::TaskFailed { code, .. },
                ..
            }) => code.as_ref(),
            _ => self.api_error().and_then(ApiError::code),
        }
    }

    /// The service's message, when it sent one.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Wait(WaitError {
                kind: WaitErrorKind::TaskFailed { message, .. },
                ..
            }) => message.as_deref(),
            _ => match self.api_error() {
                Some(ApiError::Service { message, .. }) => Some(message),
                _ => None,
            },
        }
    }

    /// The task concerned, when the error happened after a task existed.
    #[must_use]
    pub fn task_id(&self) -> Option<&TaskId> {
        match self {
            Self::Wait(error) => Some(&error.task_id),
            Self::Download(error) => Some(&error.task_id),
            Self::Unrecorded(unrecorded) => Some(&unrecorded.task_id),
            Self::NotSaved { task_id, .. } => Some(task_id),
            _ => None,
        }
    }

    /// The task that is still at the service after this error, to be waited for or downloaded
    /// later without paying again: the task of a wait or download that broke off. `None` when
    /// the task failed, when the service does not know the id, when the id was refused before
    /// anything was sent, and for errors before any task existed.
    #[must_use]
    pub fn task_left_at_service(&self) -> Option<&TaskId> {
        let task_id = match self {
            Self::Wait(error) => &error.task_id,
            Self::Download(error) => &error.task_id,
            Self::NotSaved { task_id, .. } => return Some(task_id),
            _ => return None,
        };
        let unknown_there = self.code() == Some(&ApiErrorCode::TaskNotFound);
        let over = matches!(
            self.class(),
            ErrorClass::GenerationFailed | ErrorClass::Input
        );
        (!unknown_there && !over).then_some(task_id)
    }

    /// How to understand the error: auth, input, billing, rate limit, transient, generation
    /// failure.
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Config(_)
            | Self::Invalid(_)
            | Self::Callback(_)
            | Self::Mesh(_)
            | Self::PathTaken { .. } => ErrorClass::Input,
            Self::Upload(error) if error.is_transient() => ErrorClass::TransientServer,
            Self::Upload(_) => ErrorClass::Auth,
            Self::Wait(WaitError {
                kind: WaitErrorKind::TaskFailed { .. },
                ..
            }) => ErrorClass::GenerationFailed,
            Self::Wait(WaitError {
                kind: WaitErrorKind::DeadlineExceeded { .. },
                ..
            }) => ErrorClass::TransientServer,
            Self::Download(DownloadError {
                kind: DownloadErrorKind::Transport(failure),
                ..
            }) if failure.is_refused() => ErrorClass::Input,
            Self::Download(DownloadError {
                kind: DownloadErrorKind::Transport(_) | DownloadErrorKind::Expired { .. },
                ..
            }) => ErrorClass::TransientServer,
            _ => self
                .call_error()
                .map_or(ErrorClass::Unknown, CallError::class),
        }
    }

    /// Whether doing the same thing again later, unchanged, may succeed: the service or the
    /// network failed, a wait ran out of time (the task may still finish), or a download's link
    /// or connection failed. False for input, auth and billing errors, and for a submit whose
    /// outcome is unknown (resending it may pay twice).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Upload(error) => error.is_transient(),
            Self::Wait(WaitError {
                kind: WaitErrorKind::DeadlineExceeded { .. },
                ..
            }) => true,
            Self::Wait(WaitError {
                kind: WaitErrorKind::TaskFailed { code, .. },
                ..
            }) => code.as_ref().is_some_and(ApiErrorCode::is_retryable),
            Self::Download(DownloadError { kind, .. }) => match kind {
                DownloadErrorKind::Transport(failure) => !failure.is_refused(),
                DownloadErrorKind::Expired { .. } => true,
                DownloadErrorKind::Http { status } => {
                    status.is_server_error() || status.as_u16() == 429
                }
                DownloadErrorKind::Requery(error) => error.is_transient(),
                _ => false,
            },
            _ => self.call_error().is_some_and(CallError::is_transient),
        }
    }

    /// Whether the credentials or the token were refused: fix `HITEM3D_CLIENT_ID` /
    /// `HITEM3D_CLIENT_SECRET`.
    #[must_use]
    pub fn is_auth(&self) -> bool {
        self.call_error().is_some_and(CallError::is_auth)
    }

    /// Whether the account has too few credits for the task (`30010000`).
    #[must_use]
    pub fn is_insufficient_balance(&self) -> bool {
        self.code() == Some(&ApiErrorCode::InsufficientBalance)
    }

    /// Whether the submit was refused locally before anything was sent.
    #[must_use]
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::Invalid(_) | Self::PathTaken { .. })
            || self
                .call_error()
                .is_some_and(|error| error.class() == ErrorClass::Input)
    }

    /// Whether a submit may have created (and charged for) a task although no answer said so,
    /// now or (as the task journal knows) in an earlier run.
    #[must_use]
    pub fn is_submit_outcome_unknown(&self) -> bool {
        matches!(
            self,
            Self::Call(CallError::SubmitOutcomeUnknown { .. })
                | Self::Journal(JournalError::OutcomeUnknown { .. })
        )
    }
}
