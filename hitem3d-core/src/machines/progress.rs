//! Progress reports the clients hand to callers: download bytes and whole-generation steps.

use hitem3d_types::TaskId;

use crate::{ResultKind, SavedFile, WaitEvent};

/// Bytes of one result file received so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Which file.
    pub kind: ResultKind,
    /// Bytes received in the current attempt.
    pub bytes: u64,
    /// The size the server announced, if it did.
    pub total: Option<u64>,
    /// The file request this is (1 for the first; a retry starts counting again from 0 bytes).
    pub attempt: u32,
}

impl DownloadProgress {
    /// A report of `bytes` of `total` in `attempt`.
    #[must_use]
    pub fn new(kind: ResultKind, bytes: u64, total: Option<u64>, attempt: u32) -> Self {
        Self {
            kind,
            bytes,
            total,
            attempt,
        }
    }
}

/// One step of `generate`: submitted, waiting, downloading, saved.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GenerateProgress {
    /// The task was created (and is being charged for); keep the id to resume by it.
    Submitted {
        /// The new task.
        task_id: TaskId,
    },
    /// The client's journal already held this task under the options' journal key: it is
    /// waited for and downloaded, and nothing is paid again.
    Resumed {
        /// The task submitted earlier.
        task_id: TaskId,
    },
    /// The task changed state or progress, or a poll failed and polling goes on.
    Waiting(WaitEvent),
    /// Bytes of a result file arrived.
    Downloading(DownloadProgress),
    /// A result file is complete at its final path.
    Saved(SavedFile),
}
