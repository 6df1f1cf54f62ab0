//! What makes two tasks take about as long as each other.

use hitem3d_types::{ExpectedDuration, Model, RequestType, Resolution};

use crate::{SubmitImages, SubmitTask};

/// Tasks of one kind take about as long as each other: the same model at the same resolution,
/// the same request type, from one image or from several views. The waiter learns durations
/// per kind ([`crate::DurationHistory`]).
///
/// ```
/// use hitem3d_core::{Image, SubmitTask, TaskKind};
/// use hitem3d_core::types::{Model, Resolution};
///
/// let png = Image::new(&b"\x89PNG\r\n\x1a\n rest of the file"[..]);
/// let task = SubmitTask::builder(Model::Hitem3dV2_1).image(png).build()?;
/// let kind = TaskKind::of(&task);
/// // No resolution given: the model's default, the same kind as asking for it.
/// assert_eq!(kind.resolution, Some(Resolution::R1536Fast));
/// assert_eq!(kind.expected().typical.as_secs(), 420);
/// # Ok::<(), hitem3d_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TaskKind {
    /// The model.
    pub model: Model,
    /// The resolution, the model's default filled in; `None` when neither is known.
    pub resolution: Option<Resolution>,
    /// What the task generates.
    pub request_type: RequestType,
    /// Made from several views rather than one image.
    pub multi_view: bool,
}

impl TaskKind {
    /// The kind of a task about to be submitted.
    #[must_use]
    pub fn of(task: &SubmitTask) -> Self {
        Self::new(
            task.model().clone(),
            task.resolution().cloned(),
            task.request_type().clone(),
            matches!(task.images(), SubmitImages::Views(_)),
        )
    }

    /// A kind from its parts; `resolution: None` means the model's default.
    #[must_use]
    pub fn new(
        model: Model,
        resolution: Option<Resolution>,
        request_type: RequestType,
        multi_view: bool,
    ) -> Self {
        let resolution = resolution.or_else(|| {
            model
                .capabilities()
                .map(|capabilities| capabilities.default_resolution.clone())
        });
        Self {
            model,
            resolution,
            request_type,
            multi_view,
        }
    }

    /// How long the sources say tasks of this kind take (the spec's `[[expected_durations]]`).
    #[must_use]
    pub fn expected(&self) -> &'static ExpectedDuration {
        ExpectedDuration::of(&self.model, self.resolution.as_ref(), self.multi_view)
    }
}
