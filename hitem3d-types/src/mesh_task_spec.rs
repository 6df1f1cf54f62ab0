//! What a mesh task (split, segmentation, multicolor) takes, as the spec describes it.

use crate::{OutputFormat, TaskType};

/// The mesh types and output formats a mesh task accepts.
///
/// ```
/// use hitem3d_types::{MeshTaskSpec, OutputFormat, TaskType};
///
/// let split = MeshTaskSpec::of(TaskType::Split).unwrap();
/// assert!(split.accepts_format(&OutputFormat::Stl));
/// assert_eq!(split.character_formats, &[2]);
/// let multicolor = MeshTaskSpec::of(TaskType::Multicolor).unwrap();
/// assert!(!multicolor.accepts_format(&OutputFormat::Stl));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeshTaskSpec {
    /// The task type.
    pub task_type: TaskType,
    /// The mesh file types it takes (extensions).
    pub mesh_types: &'static [&'static str],
    /// The `format` codes it answers in.
    pub formats: &'static [i64],
    /// The format used when none is sent; `None` when `format` is required.
    pub default_format: Option<i64>,
    /// For split: the only formats of a character split.
    pub character_formats: &'static [i64],
    /// Where these facts come from.
    pub source: &'static str,
}

impl MeshTaskSpec {
    /// The spec of `task_type`, if it is a mesh task.
    #[must_use]
    pub fn of(task_type: TaskType) -> Option<&'static Self> {
        crate::MESH_TASKS
            .iter()
            .find(|spec| spec.task_type == task_type)
    }

    /// Whether it answers in `format`.
    #[must_use]
    pub fn accepts_format(&self, format: &OutputFormat) -> bool {
        self.formats.contains(&format.code())
    }
}
