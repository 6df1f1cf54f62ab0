//! The journal writes of one operation after its submit: made in order, each retried for a
//! bounded time, and never dropped without the operation saying so.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use hitem3d_types::TaskId;

use super::{JournalCall, JournalError, JournalOp, JournalReply, TaskEvent, Unrecorded};
use crate::Timestamp;

/// The first pause before a failed write is tried again; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Where the ledger stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Each write is tried until it is written or its budget runs out.
    Trying,
    /// A write ran out of budget: the queue waits for the operation's end.
    Holding,
    /// At the operation's end: the writes left get one try each.
    LastPass,
    /// Nothing more is tried.
    Over,
}

/// What the ledger needs done now.
#[derive(Debug)]
pub(crate) enum LedgerStep {
    /// Run this write and hand its result to [`JournalLedger::on`].
    Write(JournalCall),
    /// Pause until then before trying again.
    Sleep(Timestamp),
}

/// Writes queued in order: the one in front goes out until it is written, retried with
/// growing pauses for `budget` from its first try. Once a write is past its budget the
/// queue stops trying (the operation goes on: its result is still worth saving) and every later
/// write waits behind it, since a saved file recorded before its task id would be lost; at the
/// operation's end each write left gets one more try, and what is still left is
/// [`Unrecorded`].
#[derive(Debug)]
pub(crate) struct JournalLedger {
    budget: Duration,
    queue: VecDeque<JournalCall>,
    /// When the write in front was first tried, and when to try it again.
    first_try: Option<Timestamp>,
    retry_at: Option<Timestamp>,
    failures: u32,
    /// A write is out and its result not yet handed back.
    awaiting: bool,
    phase: Phase,
    /// The retry time ran out: the error, which write it was, and how long it was tried.
    gave_up: Option<(JournalError, &'static str, Duration)>,
    /// What the queued writes said of the task, for an [`Unrecorded`].
    task_id: Option<TaskId>,
    saved: Vec<PathBuf>,
}

impl JournalLedger {
    pub(crate) fn new(budget: Duration) -> Self {
        Self {
            budget,
            queue: VecDeque::new(),
            first_try: None,
            retry_at: None,
            failures: 0,
            awaiting: false,
            phase: Phase::Trying,
            gave_up: None,
            task_id: None,
            saved: Vec::new(),
        }
    }

    /// Queues a write behind the others.
    pub(crate) fn push(&mut self, call: JournalCall) {
        if let Some(task_id) = call.op.task_id() {
            self.task_id.get_or_insert_with(|| task_id.clone());
        }
        if let JournalOp::Record(_, TaskEvent::Saved(path)) = &call.op {
            self.saved.push(path.clone());
        }
        self.queue.push_back(call);
    }

    /// Whether a write is out, so that the next input is the ledger's.
    pub(crate) fn awaiting(&self) -> bool {
        self.awaiting
    }

    /// What to do now: `None` when nothing is queued, or when the queue waits for the
    /// operation's end ([`JournalLedger::finish`]).
    pub(crate) fn next(&mut self, now: Timestamp) -> Option<LedgerStep> {
        if self.awaiting || matches!(self.phase, Phase::Holding | Phase::Over) {
            return None;
        }
        let call = self.queue.front()?;
        if let Some(at) = self.retry_at.filter(|at| now < *at) {
            return Some(LedgerStep::Sleep(at));
        }
        self.awaiting = true;
        self.first_try.get_or_insert(now);
        Some(LedgerStep::Write(call.clone()))
    }

    /// The result of the write [`JournalLedger::next`] handed out.
    pub(crate) fn on(&mut self, written: Result<JournalReply, JournalError>, now: Timestamp) {
        if !self.awaiting {
            return;
        }
        self.awaiting = false;
        let Err(error) = written else {
            self.queue.pop_front();
            self.first_try = None;
            self.retry_at = None;
            self.failures = 0;
            return;
        };
        let what = self
            .queue
            .front()
            .map_or("a write", |call| call.op.describe());
        if self.queue.front().is_some_and(|call| call.op.is_advice()) {
            // Only later waits lose by it: no retry, and nothing waits behind it.
            tracing::warn!(%error, write = what, "the task journal failed; going on without it");
            self.queue.pop_front();
            self.first_try = None;
            self.retry_at = None;
            self.failures = 0;
            return;
        }
        self.failures += 1;
        // A store may take seconds to fail (SQLite waits for a lock): the retry time counts
        // from the first try, so that it bounds the whole wait.
        let first = *self.first_try.get_or_insert(now);
        if self.phase == Phase::LastPass {
            // One try each at the end: the first that fails again is the answer.
            tracing::error!(%error, write = what, "the task journal failed again");
            self.gave_up = Some((error, what, now - first));
            self.phase = Phase::Over;
            return;
        }
        if now - first >= self.budget {
            tracing::error!(
                %error,
                write = what,
                "the task journal failed for the whole retry time; the operation goes on and \
                 tries once more at its end"
            );
            self.gave_up = Some((error, what, now - first));
            self.phase = Phase::Holding;
            return;
        }
        let pause = FIRST_PAUSE
            .saturating_mul(1 << self.failures.min(8).saturating_sub(1))
            .min(MAX_PAUSE);
        tracing::warn!(%error, write = what, retry_in = ?pause, "the task journal failed; trying again");
        // The last try falls on the end of the retry time, not past it.
        self.retry_at = Some((now + pause).min(first + self.budget));
    }

    /// At the operation's end: `Some` while writes left over are being tried once more.
    pub(crate) fn finish(&mut self, now: Timestamp) -> Option<LedgerStep> {
        if self.phase == Phase::Holding {
            // The error is kept again only if the last try fails too.
            self.gave_up = None;
            self.phase = Phase::LastPass;
            self.retry_at = None;
        }
        let step = self.next(now);
        if step.is_none() && !self.awaiting {
            self.phase = Phase::Over;
        }
        step
    }

    /// The task the journal missed, once [`JournalLedger::finish`] has nothing left to do.
    /// Writes about a submit that created no task are logged instead: nothing was paid, and
    /// the operation's own error says what happened.
    pub(crate) fn unrecorded(&mut self) -> Option<Unrecorded> {
        let (source, missed, retried_for) = self.gave_up.take()?;
        let Some(task_id) = self.task_id.clone() else {
            tracing::error!(
                error = %source,
                write = missed,
                "the task journal could not record how a submit that created no task ended; \
                 its entry still reads as submitting"
            );
            return None;
        };
        Some(Unrecorded {
            task_id,
            missed,
            source,
            retried_for,
            saved: std::mem::take(&mut self.saved),
            also: None,
        })
    }
}
