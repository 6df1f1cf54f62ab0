//! How an input's job ended, as a fleet worker decides what follows: an outcome the queue
//! records, nothing it may record, or a halt. A halt is a failure that is not the input's
//! (the credentials, the account's credits, the output folder, the service or the network)
//! and would fail every input after it the same way: written down as the input's failure, one
//! misconfigured machine would mark a whole catalogue failed in seconds.

use hitem3d_types::{ErrorClass, TaskId};

use super::{ItemOutcome, JournalError};
use crate::Error;

/// What stopped a worker: a failure that no other input would escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HaltCause {
    /// The service refused the credentials or the token.
    Credentials,
    /// The account has too few credits for the task.
    Credits,
    /// A paid task's file could not be written where the worker saves them (the disk is full,
    /// the folder is read-only or gone).
    Output,
    /// The service or the network kept failing, after the retries.
    Service,
    /// An input's folder is not there on this machine (a share not mounted): every input in
    /// it would fail here the same way.
    Inputs,
}

/// A job's end that stops its worker, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Halted {
    /// What kind of failure it was.
    pub cause: HaltCause,
    /// The error, in words.
    pub reason: String,
    /// The task the input already has at the service, paid for and kept in the journal: the
    /// next claim of the input saves it without paying again. `None` when no task was made.
    pub paid_task: Option<TaskId>,
}

/// How an input's job ended, for [`crate::machines::FleetWorker::on_job_ended`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobEnd {
    /// How the input ended, for the queue to record.
    Outcome(ItemOutcome),
    /// Nothing may be written about the input: its claim was lost, or a journal write after
    /// its payment failed. The claim runs out, and the next claim reads the journal.
    Unwritten,
    /// The failure was not the input's: nothing is written about it, its claim runs out and
    /// another worker (or this one, started again) takes it, and this worker claims no more.
    Halt(Halted),
}

impl JobEnd {
    /// How the job whose result is `result` ended.
    ///
    /// ```
    /// use hitem3d_core::Error;
    /// use hitem3d_core::journal::{ItemOutcome, JobEnd};
    ///
    /// assert_eq!(JobEnd::of(&Ok::<(), Error>(())), JobEnd::Outcome(ItemOutcome::Saved));
    /// let taken: Result<(), Error> = Err(Error::PathTaken { path: "out/a.glb".into() });
    /// assert!(matches!(JobEnd::of(&taken), JobEnd::Outcome(ItemOutcome::Failed(_))));
    /// ```
    #[must_use]
    pub fn of<T>(result: &Result<T, Error>) -> Self {
        let Err(error) = result else {
            return Self::Outcome(ItemOutcome::Saved);
        };
        match error {
            // Refused before paying: a person raises the limit, and reads why here.
            Error::Journal(JournalError::OverBudget { .. }) => {
                return Self::Outcome(ItemOutcome::Failed(error.to_string()));
            }
            Error::Journal(_) | Error::Unrecorded(_) => return Self::Unwritten,
            _ => {}
        }
        match halt_cause(error) {
            Some(cause) => Self::Halt(Halted {
                cause,
                reason: error.to_string(),
                paid_task: error.task_left_at_service().cloned(),
            }),
            None => Self::Outcome(ItemOutcome::Failed(error.to_string())),
        }
    }

    /// An input that could not be read here, `reason` saying why: the input's own failure
    /// when its folder is there (the file is gone, or is not a picture), a halt when this
    /// machine does not see the folder at all (`folder_seen` false), which every other input
    /// in it would meet too. Nothing was sent or paid either way.
    ///
    /// ```
    /// use hitem3d_core::journal::{HaltCause, ItemOutcome, JobEnd};
    ///
    /// let gone = JobEnd::unreadable_input("photos/a.png is not there", true);
    /// assert!(matches!(gone, JobEnd::Outcome(ItemOutcome::Failed(_))));
    /// let unmounted = JobEnd::unreadable_input("/mnt/photos/a.png is not there", false);
    /// assert!(matches!(unmounted, JobEnd::Halt(halted) if halted.cause == HaltCause::Inputs));
    /// ```
    #[must_use]
    pub fn unreadable_input(reason: impl Into<String>, folder_seen: bool) -> Self {
        let reason = reason.into();
        if folder_seen {
            return Self::Outcome(ItemOutcome::Failed(reason));
        }
        Self::Halt(Halted {
            cause: HaltCause::Inputs,
            reason,
            paid_task: None,
        })
    }

    /// The outcome to record, if any.
    #[must_use]
    pub fn outcome(&self) -> Option<&ItemOutcome> {
        match self {
            Self::Outcome(outcome) => Some(outcome),
            Self::Unwritten | Self::Halt(_) => None,
        }
    }
}

/// Whether `error` would fail any input the same way, and how.
fn halt_cause(error: &Error) -> Option<HaltCause> {
    if error.is_auth() {
        return Some(HaltCause::Credentials);
    }
    if error.is_insufficient_balance() {
        return Some(HaltCause::Credits);
    }
    if on_output_side(error) {
        return Some(HaltCause::Output);
    }
    if matches!(error, Error::NotSaved { .. } | Error::File { .. }) {
        return None;
    }
    // A task that ran and failed is its input's, even when submitting again may succeed; an
    // unknown submit is never retried on its own.
    let task_failed = error.class() == ErrorClass::GenerationFailed;
    (error.is_retryable() && !task_failed && !error.is_submit_outcome_unknown())
        .then_some(HaltCause::Service)
}

/// Whether `error` is a file error on the results' side (the output folder, a file being
/// saved), which any input would meet on this machine. A name taken is the input's, and so is
/// a file read for the request: the SDK's reads of inputs are the actions named "read …".
fn on_output_side(error: &Error) -> bool {
    match error {
        Error::NotSaved { source, .. } => on_output_side(source),
        Error::File { action, source, .. } => {
            !action.starts_with("read") && source.kind() != std::io::ErrorKind::AlreadyExists
        }
        Error::Write(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::time::Duration;

    use hitem3d_types::ApiErrorCode;

    use super::*;
    use crate::{
        CallError, Operation, StopReason, TransportFailure, WaitError, WaitErrorKind, decode,
    };

    fn service(body: &str) -> Error {
        let answer = decode::submit_task(&http::Response::new(body.to_owned())).unwrap_err();
        Error::from(CallError::Api {
            operation: Operation::SubmitTask,
            attempts: 1,
            stopped: StopReason::NotRetryable,
            source: answer,
        })
    }

    fn waited(kind: WaitErrorKind) -> Error {
        Error::from(WaitError {
            task_id: TaskId::new("t-1"),
            last_state: None,
            elapsed: Duration::from_secs(600),
            polls: 9,
            kind,
        })
    }

    fn not_saved(kind: io::ErrorKind) -> Error {
        Error::NotSaved {
            task_id: TaskId::new("t-2"),
            source: Box::new(Error::file("save", "out/a.glb", io::Error::from(kind))),
        }
    }

    fn halt(error: Error) -> Option<(HaltCause, Option<TaskId>)> {
        match JobEnd::of(&Err::<(), _>(error)) {
            JobEnd::Halt(halted) => Some((halted.cause, halted.paid_task)),
            _ => None,
        }
    }

    fn failed(error: Error) -> bool {
        matches!(
            JobEnd::of(&Err::<(), _>(error)),
            JobEnd::Outcome(ItemOutcome::Failed(_))
        )
    }

    #[test]
    fn failures_every_input_would_meet_halt_the_worker() {
        let refused =
            service(r#"{"code":40010000,"data":{},"msg":"client credentials are invalid"}"#);
        assert_eq!(halt(refused), Some((HaltCause::Credentials, None)));
        let poor = service(r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#);
        assert_eq!(halt(poor), Some((HaltCause::Credits, None)));
        let down = Error::from(CallError::Transport {
            operation: Operation::SubmitTask,
            attempts: 4,
            stopped: StopReason::AttemptsExhausted,
            failure: TransportFailure::not_sent("connection refused"),
        });
        assert_eq!(halt(down), Some((HaltCause::Service, None)));
        // After the task was paid: the next claim saves it without paying.
        let late = waited(WaitErrorKind::DeadlineExceeded {
            deadline: Duration::from_secs(600),
        });
        assert_eq!(
            halt(late),
            Some((HaltCause::Service, Some(TaskId::new("t-1"))))
        );
        assert_eq!(
            halt(not_saved(io::ErrorKind::StorageFull)),
            Some((HaltCause::Output, Some(TaskId::new("t-2"))))
        );
        // Found before paying: the output folder cannot be made.
        let no_folder = Error::file(
            "create the output directory",
            "afile/models",
            io::Error::from(io::ErrorKind::NotADirectory),
        );
        assert_eq!(halt(no_folder), Some((HaltCause::Output, None)));
        let writer = Error::Write(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(halt(writer), Some((HaltCause::Output, None)));
    }

    #[test]
    fn failures_of_the_input_itself_are_recorded_as_its_own() {
        assert!(failed(Error::PathTaken {
            path: "out/a.glb".into()
        }));
        assert!(failed(not_saved(io::ErrorKind::AlreadyExists)));
        let unreadable = Error::file(
            "read the picture",
            "photos/a.png",
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert!(failed(unreadable));
        // The task ran and failed, though submitting again may succeed: a person decides.
        let ran = waited(WaitErrorKind::TaskFailed {
            code: Some(ApiErrorCode::from_code(10_000_000)),
            message: None,
        });
        assert!(ran.is_retryable(), "the case is the one the rule excludes");
        assert!(failed(ran));
        let unknown = Error::from(CallError::SubmitOutcomeUnknown {
            cause: "502".into(),
        });
        assert!(failed(unknown));
        let over = Error::from(JournalError::OverBudget {
            price: Some(25),
            spent: 100,
            limit: 110,
        });
        assert!(failed(over));
    }

    #[test]
    fn a_lost_claim_or_record_writes_nothing() {
        let lost = Error::from(JournalError::LeaseLost { item: 3 });
        assert_eq!(JobEnd::of(&Err::<(), _>(lost)), JobEnd::Unwritten);
        assert_eq!(JobEnd::Unwritten.outcome(), None);
    }
}
