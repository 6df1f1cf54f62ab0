//! The journal writes a job asks for as it goes: each one handed out as [`Io::Journal`]
//! before the job's next step, the answers left to the [`super::Recorded`] around it.

use std::collections::VecDeque;

use crate::ClientCore;
use crate::job::Io;
use crate::journal::{JournalCall, JournalOp};

/// Writes waiting to be handed out, in order. Without a journal in the client's configuration
/// nothing is queued.
#[derive(Debug, Default)]
pub(crate) struct JournalOutbox(VecDeque<JournalCall>);

impl JournalOutbox {
    /// Queues `op` for the client's journal, if it has one.
    pub(crate) fn push(&mut self, core: &ClientCore, op: JournalOp) {
        if let Some(call) = core.journal_call(op) {
            self.0.push_back(call);
        }
    }

    /// The next write to hand out, if any.
    pub(crate) fn next<E, T>(&mut self) -> Option<Io<E, T>> {
        self.0.pop_front().map(Io::Journal)
    }
}
