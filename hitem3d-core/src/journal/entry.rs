//! What a journal holds: entries, their states, and what a client writes into them.

use std::fmt;
use std::path::PathBuf;

use hitem3d_types::{TaskId, TaskState, TaskType};

/// A store's name for one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(pub u64);

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The caller's name for "this same task": two submits under one key are one paid task. The
/// command-line tool derives it from the pictures and options; any stable string works.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JournalKey(String);

impl JournalKey {
    /// A key from any stable text.
    #[must_use]
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JournalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryState {
    /// The submit is going out (or the process stopped while it was).
    Submitting,
    /// The submit got no answer: a task may or may not exist, and may have been charged.
    OutcomeUnknown,
    /// The service (or the client, before sending) refused the submit: no task, no charge.
    Refused,
    /// The service created the task; its last known state.
    Task(TaskState),
    /// The task's result file was saved.
    Saved,
}

impl EntryState {
    /// The state's name in stores: `submitting`, `unknown`, `refused`, `saved`, or the
    /// task's wire state.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Submitting => "submitting",
            Self::OutcomeUnknown => "unknown",
            Self::Refused => "refused",
            Self::Task(state) => state.as_str(),
            Self::Saved => "saved",
        }
    }

    /// Whether an entry here holds one of the account's slots for unfinished tasks: its
    /// submit is going out, or its task is known to be running. (An outcome unknown is left
    /// out: a few would stop a fleet for the service's task lifetime, and a refusal for the
    /// limit costs nothing.)
    #[must_use]
    pub fn holds_account_slot(&self) -> bool {
        matches!(
            self,
            Self::Submitting
                | Self::Task(TaskState::Created | TaskState::Queueing | TaskState::Processing)
        )
    }

    /// Reads [`EntryState::as_str`] back.
    #[must_use]
    pub fn parse(name: &str) -> Self {
        match name {
            "submitting" => Self::Submitting,
            "unknown" => Self::OutcomeUnknown,
            "refused" => Self::Refused,
            "saved" => Self::Saved,
            state => Self::Task(TaskState::from_wire(state)),
        }
    }
}

impl fmt::Display for EntryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a client writes before a submit goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The caller's key for this task, if it gave one.
    pub key: Option<JournalKey>,
    /// The task's type.
    pub task_type: TaskType,
    /// The model, or the task type.
    pub label: String,
    /// The price from the spec, when it gives one.
    pub estimated_credits: Option<u32>,
    /// Where the caller wants the result: free text the caller reads back when it resumes
    /// (the command-line tool keeps its output options here).
    pub destination: Option<String>,
}

/// How a submit ended, as [`TaskJournal::settle`](super::TaskJournal::settle) records it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settled {
    /// The service created the task.
    Submitted(TaskId),
    /// No task was created; the reason.
    Refused(String),
    /// Nobody knows whether a task was created; the reason.
    OutcomeUnknown(String),
}

/// What happened to a submitted task, as
/// [`TaskJournal::record`](super::TaskJournal::record) records it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskEvent {
    /// The task reached this state; a failure's reason, if any.
    State(TaskState, Option<String>),
    /// A result file was saved here.
    Saved(PathBuf),
}

/// Which entries [`TaskJournal::entries`](super::TaskJournal::entries) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryQuery {
    /// Every entry.
    All,
    /// Entries that still need something: a wait, a download, or a person's decision.
    Unfinished,
    /// The entries under this key.
    Key(JournalKey),
    /// The entry of this task.
    Task(TaskId),
}

impl EntryQuery {
    /// Whether `entry` is selected: the rule every store applies.
    #[must_use]
    pub fn selects(&self, entry: &JournalEntry) -> bool {
        match self {
            Self::All => true,
            Self::Unfinished => {
                !matches!(entry.resumption(), Resumption::Done | Resumption::Closed)
            }
            Self::Key(key) => entry.key.as_ref() == Some(key),
            Self::Task(task_id) => entry.task_id.as_ref() == Some(task_id),
        }
    }
}

/// The result of [`TaskJournal::begin`](super::TaskJournal::begin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// A new entry was written; the submit may go out.
    New(EntryId),
    /// An open entry already holds this key: nothing was written.
    Existing(JournalEntry),
    /// An open entry holds this key and its submit is still going out from a process that is
    /// alive (a store that can tell says so): its answer will be recorded soon, so the caller
    /// asks again instead of reporting an unknown outcome. Nothing was written.
    InFlight(JournalEntry),
}

/// One task as the journal knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The store's name for it.
    pub id: EntryId,
    /// The caller's key, if it gave one.
    pub key: Option<JournalKey>,
    /// The task's type.
    pub task_type: TaskType,
    /// The model, or the task type.
    pub label: String,
    /// The price from the spec, when it gives one.
    pub estimated_credits: Option<u32>,
    /// Where the caller wanted the result.
    pub destination: Option<String>,
    /// The task, once the service named it.
    pub task_id: Option<TaskId>,
    /// Where it stands.
    pub state: EntryState,
    /// Why it was refused or failed, or why its outcome is unknown.
    pub note: Option<String>,
    /// Result files saved, in order.
    pub files: Vec<PathBuf>,
    /// When it was written, in seconds since the Unix epoch (the store's clock).
    pub created_at: u64,
    /// When it last changed, in seconds since the Unix epoch.
    pub updated_at: u64,
}

impl JournalEntry {
    /// An entry for `intent` in [`EntryState::Submitting`]: what a store writes in `begin`.
    #[must_use]
    pub fn from_intent(id: EntryId, intent: &Intent, now_unix: u64) -> Self {
        Self {
            id,
            key: intent.key.clone(),
            task_type: intent.task_type,
            label: intent.label.clone(),
            estimated_credits: intent.estimated_credits,
            destination: intent.destination.clone(),
            task_id: None,
            state: EntryState::Submitting,
            note: None,
            files: Vec::new(),
            created_at: now_unix,
            updated_at: now_unix,
        }
    }

    /// Whether the entry is over without a result: its key is free for a new submit.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.resumption() == Resumption::Closed
    }

    /// What resuming this entry means.
    #[must_use]
    pub fn resumption(&self) -> Resumption {
        match (&self.state, &self.task_id) {
            (EntryState::Refused | EntryState::Task(TaskState::Failed), _) => Resumption::Closed,
            (EntryState::Saved, _) => Resumption::Done,
            (EntryState::Submitting | EntryState::OutcomeUnknown, None) => Resumption::Unknown,
            (_, Some(task_id)) => Resumption::Wait(task_id.clone()),
            // A task state without a task id: only a damaged store writes that.
            (EntryState::Task(_), None) => Resumption::Unknown,
        }
    }

    /// Applies `settled`, as a store does in `settle`.
    pub fn settle(&mut self, settled: &Settled, now_unix: u64) {
        match settled {
            Settled::Submitted(task_id) => {
                self.task_id = Some(task_id.clone());
                self.state = EntryState::Task(TaskState::Created);
            }
            Settled::Refused(reason) => {
                self.state = EntryState::Refused;
                self.note = Some(reason.clone());
            }
            Settled::OutcomeUnknown(reason) => {
                self.state = EntryState::OutcomeUnknown;
                self.note = Some(reason.clone());
            }
        }
        self.updated_at = now_unix;
    }

    /// Applies `event`, as a store does in `record`. A saved entry stays saved when the task
    /// is seen again (a second download of the same result).
    pub fn record(&mut self, event: &TaskEvent, now_unix: u64) {
        match event {
            TaskEvent::State(state, note) => {
                if self.state != EntryState::Saved {
                    self.state = EntryState::Task(state.clone());
                }
                if note.is_some() {
                    self.note.clone_from(note);
                }
            }
            TaskEvent::Saved(path) => {
                self.state = EntryState::Saved;
                if !self.files.contains(path) {
                    self.files.push(path.clone());
                }
            }
        }
        self.updated_at = now_unix;
    }
}

/// What resuming an entry means: the decision `hitem3d resume` and `generate` act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resumption {
    /// The task exists: wait for it and download it, paying nothing.
    Wait(TaskId),
    /// A submit may or may not have created a task: a person must decide.
    Unknown,
    /// Its result was saved.
    Done,
    /// Refused or failed: nothing to resume, and a new submit may go out.
    Closed,
}
