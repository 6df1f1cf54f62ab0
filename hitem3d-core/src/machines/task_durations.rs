//! What one client learns about how long its tasks take.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use hitem3d_types::TaskId;

use crate::journal::LearntDuration;
use crate::{DurationForecast, DurationHistory, ObservedDuration, TASKS_TO_LEARN_FROM, TaskKind};

/// Submitted tasks whose kind is remembered until they are waited for; beyond it the oldest
/// are forgotten (a task submitted and never waited for must not be kept for ever).
pub const KINDS_KEPT: usize = 1024;

/// The kinds of the tasks a client submitted, the durations it saw, and the forecast each task
/// gets when it is waited for: learnt from tasks of its kind, else the application's figure
/// for the kind, else the spec's.
#[derive(Debug, Default)]
pub struct TaskDurations {
    history: DurationHistory,
    kinds: HashMap<TaskId, TaskKind>,
    submitted: VecDeque<TaskId>,
    configured: Vec<(TaskKind, Duration)>,
}

impl TaskDurations {
    /// Memory that prefers `configured` typical durations to the spec's.
    #[must_use]
    pub fn new(configured: Vec<(TaskKind, Duration)>) -> Self {
        Self {
            configured,
            ..Self::default()
        }
    }

    /// Remembers the kind of a task just submitted.
    pub fn submitted(&mut self, task_id: &TaskId, kind: TaskKind) {
        if self.submitted.len() == KINDS_KEPT
            && let Some(oldest) = self.submitted.pop_front()
        {
            self.kinds.remove(&oldest);
        }
        self.submitted.push_back(task_id.clone());
        self.kinds.insert(task_id.clone(), kind);
    }

    /// When `task_id` is expected to finish; `None` for a task this client did not submit
    /// (its waiter then takes the spec's figure for tasks nothing is known about).
    #[must_use]
    pub fn forecast(&self, task_id: &TaskId) -> Option<DurationForecast> {
        let kind = self.kinds.get(task_id)?;
        let configured = self
            .configured
            .iter()
            .find(|(known, _)| known == kind)
            .map(|(_, typical)| *typical);
        Some(match configured {
            Some(typical) if self.history.tasks(kind) < TASKS_TO_LEARN_FROM => {
                DurationForecast::configured(typical)
            }
            _ => self.history.forecast(kind),
        })
    }

    /// The wait for `task_id` ended; if it succeeded, learns how long it took and returns it,
    /// for a journal to keep.
    pub fn finished(
        &mut self,
        task_id: &TaskId,
        observed: Option<ObservedDuration>,
    ) -> Option<LearntDuration> {
        let kind = self.kinds.remove(task_id)?;
        self.submitted.retain(|id| id != task_id);
        let observed = observed?;
        self.history.record(&kind, observed);
        Some(LearntDuration::new(kind, observed))
    }

    /// Starts from durations seen before (by earlier processes, as a journal kept them),
    /// oldest first.
    pub fn learnt_before(&mut self, learnt: &[LearntDuration]) {
        for seen in learnt {
            self.history.record(&seen.kind, seen.observed);
        }
    }

    /// The durations learnt so far.
    #[must_use]
    pub fn history(&self) -> &DurationHistory {
        &self.history
    }
}
