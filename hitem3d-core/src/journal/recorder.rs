//! How jobs reach the configured journal, if any: `begin` failures stop a submit; later
//! failures are logged, since the task exists and stopping would not save it.

use std::sync::Arc;

use hitem3d_types::TaskId;

use super::{Begun, EntryId, Intent, JournalError, Settled, TaskEvent, TaskJournal};

/// The client's journal, or none.
#[derive(Debug, Clone, Default)]
pub(crate) struct JournalRecorder(pub(crate) Option<Arc<dyn TaskJournal>>);

impl JournalRecorder {
    /// `None` without a journal.
    pub(crate) fn begin(&self, intent: &Intent) -> Result<Option<Begun>, JournalError> {
        self.0
            .as_ref()
            .map(|journal| journal.begin(intent))
            .transpose()
    }

    pub(crate) fn settle(&self, entry: EntryId, settled: &Settled) {
        if let Some(journal) = &self.0
            && let Err(error) = journal.settle(entry, settled)
        {
            tracing::warn!(%entry, %error, "the task journal missed how a submit ended");
        }
    }

    pub(crate) fn record(&self, task_id: &TaskId, event: &TaskEvent) {
        if let Some(journal) = &self.0
            && let Err(error) = journal.record(task_id, event)
        {
            tracing::warn!(%task_id, %error, "the task journal missed a task's change");
        }
    }
}
