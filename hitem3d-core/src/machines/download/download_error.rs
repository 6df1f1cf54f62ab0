//! Why a result file could not be downloaded.

use std::fmt;

use hitem3d_types::{TaskId, TaskState};
use http::StatusCode;

use crate::{CallError, RequestError, ResultKind, TransportFailure};

/// What went wrong with a download.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DownloadErrorKind {
    /// The result has no such file (no cover URL was sent).
    NoSuchFile,
    /// The links stayed stale or refused after every re-query allowed.
    Expired {
        /// The CDN's last refusal (403, 404, 410), if it answered one.
        refused_with: Option<StatusCode>,
    },
    /// The re-query answered, but the task no longer has a result.
    NotAvailable {
        /// The state the task reported.
        state: TaskState,
    },
    /// The re-query failed.
    Requery(Box<CallError>),
    /// The CDN answered an error status.
    Http {
        /// The status.
        status: StatusCode,
    },
    /// No answer, or the body broke off, on every attempt.
    Transport(TransportFailure),
    /// The body broke off after part of it went to a destination that cannot start over (an
    /// append-only writer), so it was not retried.
    Interrupted(TransportFailure),
    /// The file was empty.
    Empty,
    /// The URL cannot be requested.
    InvalidUrl(RequestError),
    /// The bytes are not the file asked for: an error page served with status 200, or another
    /// kind of file.
    WrongContent {
        /// What was asked for, e.g. "a GLB model".
        expected: String,
        /// What arrived instead, e.g. "an HTML page".
        arrived: String,
    },
    /// The file host redirected the download somewhere it is not followed.
    BadRedirect(String),
    /// The file is larger than [`crate::DownloadPolicy::max_bytes`] allows.
    TooLarge {
        /// The limit.
        limit: u64,
        /// The size the file host announced, if it did.
        announced: Option<u64>,
    },
    /// The driver fed the plan out of turn (a bug in the driver, not the service).
    OutOfSequence(&'static str),
}

/// A download that failed, with the task, file and effort it took.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct DownloadError {
    /// The task.
    pub task_id: TaskId,
    /// Which file.
    pub file: ResultKind,
    /// File requests sent.
    pub attempts: u32,
    /// Re-queries made for fresh links.
    pub requeries: u32,
    /// What went wrong.
    pub kind: DownloadErrorKind,
}

impl fmt::Display for DownloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = match self.file {
            ResultKind::Model => "model",
            ResultKind::Cover => "cover",
        };
        write!(
            f,
            "downloading the {file} of task {} failed after {} request(s) and {} re-query(s): ",
            self.task_id, self.attempts, self.requeries
        )?;
        match &self.kind {
            DownloadErrorKind::NoSuchFile => write!(f, "the result has no {file} URL"),
            DownloadErrorKind::Expired { refused_with } => {
                write!(f, "the links expired")?;
                if let Some(status) = refused_with {
                    write!(f, " (the CDN answered {status})")?;
                }
                write!(
                    f,
                    "; result links last an hour, so query the task again and download at once"
                )
            }
            DownloadErrorKind::NotAvailable { state } => {
                write!(f, "the task now reports state {state} and no result")
            }
            DownloadErrorKind::Requery(error) => {
                write!(f, "querying for fresh links failed: {error}")
            }
            DownloadErrorKind::Http { status } => write!(f, "the CDN answered HTTP {status}"),
            DownloadErrorKind::Transport(failure) => write!(f, "{failure}"),
            DownloadErrorKind::Interrupted(failure) => write!(
                f,
                "{failure}; part of the file was already written to a destination that cannot \
                 start over, so it was not retried: download again into a fresh writer, or to a \
                 path"
            ),
            DownloadErrorKind::Empty => write!(f, "the file was empty"),
            DownloadErrorKind::InvalidUrl(error) => write!(f, "{error}"),
            DownloadErrorKind::WrongContent { expected, arrived } => write!(
                f,
                "the file host sent {arrived} where {expected} was expected; nothing was saved"
            ),
            DownloadErrorKind::BadRedirect(reason) => {
                write!(f, "the file host answered {reason}")
            }
            DownloadErrorKind::TooLarge { limit, announced } => {
                match announced {
                    Some(size) => write!(f, "the file host announced {size} bytes")?,
                    None => write!(f, "the file grew")?,
                }
                write!(
                    f,
                    ", more than the {limit}-byte limit; raise DownloadPolicy::max_bytes if the \
                     file is expected to be this large"
                )
            }
            DownloadErrorKind::OutOfSequence(misuse) => {
                write!(f, "the download was driven out of sequence: {misuse}")
            }
        }
    }
}
