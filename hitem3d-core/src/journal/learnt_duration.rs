//! How long a task of one kind took, as a journal keeps it, so that the next process's waits
//! start from what earlier ones saw instead of the spec's figure.

use crate::{ObservedDuration, TaskKind};

/// One task's duration, by its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LearntDuration {
    /// The kind of task.
    pub kind: TaskKind,
    /// How long it took, as far as polling could tell.
    pub observed: ObservedDuration,
}

impl LearntDuration {
    /// A duration seen for a task of `kind`.
    #[must_use]
    pub fn new(kind: TaskKind, observed: ObservedDuration) -> Self {
        Self { kind, observed }
    }
}
