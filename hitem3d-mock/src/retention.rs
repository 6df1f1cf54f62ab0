//! How much of its past the mock keeps in memory. A long-running mock (a shared stand-in, a
//! soak) would otherwise grow by every request, task and upload: two minutes of uploads took
//! it from 15 to 121 MiB, never freed.

/// The bounds on what the mock remembers; what goes past them is counted in
/// [`crate::Counters`] (`requests_dropped`, `tasks_forgotten`, `objects_deleted`,
/// `tokens_forgotten`).
///
/// ```
/// use hitem3d_mock::{MockConfig, Retention};
///
/// let mut config = MockConfig::fast();
/// config.retention = Retention { ended_tasks: 10, ..Retention::default() };
/// assert_eq!(config.retention.requests, 10_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Requests (and callback deliveries) kept in the journal, the newest; each keeps its
    /// headers up to 2 KiB a value.
    pub requests: usize,
    /// Ended tasks kept with their files; past it the one that ended first is forgotten, and
    /// a query for it answers "task not found". Unfinished tasks are always kept.
    pub ended_tasks: usize,
    /// Uploaded objects kept in the storage; past it the oldest is deleted.
    pub stored_objects: usize,
    /// Bearer tokens kept valid; past it the oldest still valid is forgotten and answers
    /// "login expired" (code 401) as an expired one does, so a client takes a new one. The
    /// service keeps each for a day; a mock asked for thousands a minute keeps these.
    pub live_tokens: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            requests: 10_000,
            ended_tasks: 256,
            stored_objects: 64,
            live_tokens: 10_000,
        }
    }
}
