//! The exit codes (listed in `--help`), and the error every command ends with.

use std::process::ExitCode;

use hitem3d_async::Error;
use hitem3d_async::types::ErrorClass;

/// How a command ended, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Done,
    /// 5: the task failed at the service.
    TaskFailed,
    /// 6: timed out, or the service failed for now.
    Transient,
    /// 2: the command line or a file must change.
    Invalid,
    /// 4: not enough credits.
    Balance,
    /// 3: the credentials were refused.
    Auth,
    /// 1: anything else.
    Other,
    /// 8: a task exists but the journal could not record it.
    Unrecorded,
    /// 7: a submit's outcome is unknown.
    OutcomeUnknown,
    /// 130: Ctrl-C.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Done => 0,
            Self::Other => 1,
            Self::Invalid => 2,
            Self::Auth => 3,
            Self::Balance => 4,
            Self::TaskFailed => 5,
            Self::Transient => 6,
            Self::OutcomeUnknown => 7,
            Self::Unrecorded => 8,
            Self::Interrupted => 130,
        }
    }

    /// The exit for an SDK error.
    pub fn of(error: &Error) -> Self {
        if matches!(error, Error::Unrecorded(_)) {
            Self::Unrecorded
        } else if error.is_submit_outcome_unknown() {
            Self::OutcomeUnknown
        } else if error.is_invalid_input() {
            Self::Invalid
        } else if error.is_auth() {
            Self::Auth
        } else if error.is_insufficient_balance()
            || matches!(
                error,
                Error::Journal(hitem3d_async::journal::JournalError::OverBudget { .. })
            )
        {
            Self::Balance
        } else if error.class() == ErrorClass::GenerationFailed {
            Self::TaskFailed
        } else if error.is_retryable() {
            Self::Transient
        } else if error.class() == ErrorClass::Input || matches!(error, Error::File { .. }) {
            Self::Invalid
        } else {
            Self::Other
        }
    }

    /// The exit of a run of many inputs whose worst is `self`: 2 says nothing was sent or
    /// paid, so once the run paid for a task it is 1, another error, what the run printed
    /// naming the invalid input.
    pub fn of_run(self, paid_for_a_task: bool) -> Self {
        if self == Self::Invalid && paid_for_a_task {
            Self::Other
        } else {
            self
        }
    }

    /// The worse of two, for a batch: the order of the variants, a task the journal missed
    /// and an unknown outcome (money that may be spent) the worst.
    pub fn worst(self, other: Self) -> Self {
        if (other as u8) > (self as u8) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit.code())
    }
}

/// What a command failed with: the message for the user and the exit code.
#[derive(Debug)]
pub struct Failure {
    /// What happened and what to do, in the command line's words.
    pub message: String,
    /// How the process exits.
    pub exit: Exit,
}

impl Failure {
    /// A failure from the command line or a file: exit code 2.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit: Exit::Invalid,
        }
    }

    /// The same failure of a step that pays for a task (a generate, a relief or mesh task):
    /// never exit 2 once its task exists, since 2 says nothing was sent or paid. A service that
    /// calls a task it has just created unknown is another error.
    #[must_use]
    pub fn of_paid_step(mut self, error: &Error) -> Self {
        if self.exit == Exit::Invalid && error.task_id().is_some() {
            self.exit = Exit::Other;
        }
        self
    }

    /// Any other failure: exit code 1.
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit: Exit::Other,
        }
    }
}

impl Failure {
    /// An SDK error worded for `audience`.
    pub fn worded(error: &Error, audience: crate::audience::Audience) -> Self {
        Self {
            message: crate::wording::error_for(error, audience),
            exit: Exit::of(error),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::worded(&error, crate::audience::Audience::COMMAND_LINE)
    }
}

impl From<hitem3d_async::ValidationError> for Failure {
    fn from(error: hitem3d_async::ValidationError) -> Self {
        Error::from(error).into()
    }
}

impl From<hitem3d_async::journal::JournalError> for Failure {
    fn from(error: hitem3d_async::journal::JournalError) -> Self {
        Error::from(error).into()
    }
}
