//! A task that exists (and was paid for) but that the journal could not record.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hitem3d_types::TaskId;

use super::JournalError;
use crate::Error;

/// A paid task the journal missed: its writes were retried for the client's
/// [`crate::ClientConfig::journal_retry`] and once more at the end of the operation, and
/// failed. The task id here may be the only record of the task: keep it, since the service
/// cannot list an account's tasks.
#[derive(Debug)]
#[non_exhaustive]
pub struct Unrecorded {
    /// The task, which exists at the service.
    pub task_id: TaskId,
    /// The first write that failed, in words ("the task id", "a saved file", …).
    pub missed: &'static str,
    /// The store's last error.
    pub source: JournalError,
    /// How long the write that failed was tried, from its first try to its last.
    pub retried_for: Duration,
    /// Result files saved for the task all the same.
    pub saved: Vec<PathBuf>,
    /// How the operation ended otherwise, when it failed too (a download that broke, a task
    /// that failed).
    pub also: Option<Box<Error>>,
}

impl fmt::Display for Unrecorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {} exists at the service and may be charged, but the task journal could not \
             record {} (tried for {} s): {}",
            self.task_id,
            self.missed,
            self.retried_for.as_secs(),
            self.source
        )?;
        match self.saved.as_slice() {
            [] => {}
            [one] => write!(f, "; its result was saved to {}", one.display())?,
            many => {
                let names: Vec<_> = many.iter().map(|path| path.display().to_string()).collect();
                write!(f, "; its results were saved to {}", names.join(", "))?;
            }
        }
        if let Some(also) = &self.also {
            write!(f, "; the operation also failed: {also}")?;
        }
        f.write_str("; keep the task id, since the service cannot list an account's tasks")
    }
}

impl std::error::Error for Unrecorded {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
