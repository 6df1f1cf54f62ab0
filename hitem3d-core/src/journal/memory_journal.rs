//! A journal in memory: for tests, and for callers that only want the resume-by-key rule
//! within one process.

use std::sync::Mutex;

use hitem3d_types::TaskId;

use super::{
    Begun, EntryId, EntryQuery, Intent, JournalEntry, JournalError, LearntDuration, Settled,
    TaskEvent, TaskJournal,
};
use crate::TASKS_KEPT_PER_KIND;

/// A [`TaskJournal`] held in memory; it is lost with the process. Its clock is a counter, so
/// `created_at` and `updated_at` order the writes.
///
/// ```
/// use hitem3d_core::journal::{Begun, Intent, JournalKey, MemoryJournal, TaskJournal};
/// use hitem3d_core::types::TaskType;
///
/// let journal = MemoryJournal::default();
/// let intent = Intent {
///     key: Some(JournalKey::new("chair.png glb")),
///     task_type: TaskType::ImageTo3d,
///     label: "hitem3dv2.1".to_owned(),
///     estimated_credits: Some(25),
///     destination: None,
/// };
/// assert!(matches!(journal.begin(&intent)?, Begun::New(_)));
/// // The same key again finds the open entry instead of writing a second one.
/// assert!(matches!(journal.begin(&intent)?, Begun::Existing(_)));
/// # Ok::<(), hitem3d_core::journal::JournalError>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryJournal {
    entries: Mutex<Vec<JournalEntry>>,
    durations: Mutex<Vec<LearntDuration>>,
}

impl MemoryJournal {
    fn with_entries<T>(&self, f: impl FnOnce(&mut Vec<JournalEntry>) -> T) -> T {
        // A panic elsewhere cannot leave an entry half-written: each change is one assignment.
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut entries)
    }
}

/// The counter standing in for a clock: one tick per write.
fn tick(entries: &[JournalEntry]) -> u64 {
    entries
        .iter()
        .map(|entry| entry.updated_at)
        .max()
        .unwrap_or(0)
        + 1
}

impl TaskJournal for MemoryJournal {
    fn begin(&self, intent: &Intent) -> Result<Begun, JournalError> {
        self.with_entries(|entries| {
            if let Some(key) = &intent.key {
                let open = entries
                    .iter()
                    .find(|entry| entry.key.as_ref() == Some(key) && !entry.is_closed());
                if let Some(open) = open {
                    return Ok(Begun::Existing(open.clone()));
                }
            }
            let id = EntryId(entries.iter().map(|entry| entry.id.0).max().unwrap_or(0) + 1);
            let now = tick(entries);
            entries.push(JournalEntry::from_intent(id, intent, now));
            Ok(Begun::New(id))
        })
    }

    fn settle(&self, entry: EntryId, settled: &Settled) -> Result<(), JournalError> {
        self.with_entries(|entries| {
            let now = tick(entries);
            if let Some(found) = entries.iter_mut().find(|found| found.id == entry) {
                found.settle(settled, now);
            }
            Ok(())
        })
    }

    fn record(&self, task_id: &TaskId, event: &TaskEvent) -> Result<(), JournalError> {
        self.with_entries(|entries| {
            let now = tick(entries);
            let found = entries
                .iter_mut()
                .find(|found| found.task_id.as_ref() == Some(task_id));
            if let Some(found) = found {
                found.record(event, now);
            }
            Ok(())
        })
    }

    fn entries(&self, query: &EntryQuery) -> Result<Vec<JournalEntry>, JournalError> {
        self.with_entries(|entries| {
            Ok(entries
                .iter()
                .filter(|entry| query.selects(entry))
                .cloned()
                .collect())
        })
    }

    fn forget(&self, entry: EntryId) -> Result<bool, JournalError> {
        self.with_entries(|entries| {
            let before = entries.len();
            entries.retain(|found| found.id != entry);
            Ok(entries.len() != before)
        })
    }

    fn learn_duration(&self, learnt: &LearntDuration) -> Result<(), JournalError> {
        let mut durations = self
            .durations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        durations.push(learnt.clone());
        let of_kind = durations.iter().filter(|d| d.kind == learnt.kind).count();
        if of_kind > TASKS_KEPT_PER_KIND
            && let Some(oldest) = durations.iter().position(|d| d.kind == learnt.kind)
        {
            durations.remove(oldest);
        }
        Ok(())
    }

    fn learnt_durations(&self) -> Result<Vec<LearntDuration>, JournalError> {
        Ok(self
            .durations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone())
    }
}
