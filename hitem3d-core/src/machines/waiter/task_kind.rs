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
/// let png = Image::new(&b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01 rest of the file"[..]);
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

    /// A stable text naming the kind, for a store to keep: model, resolution, request type and
    /// views, read back by [`TaskKind::from_key`].
    ///
    /// ```
    /// use hitem3d_core::TaskKind;
    /// use hitem3d_core::types::{Model, RequestType};
    ///
    /// let kind = TaskKind::new(Model::Hitem3dV2_1, None, RequestType::GeometryAndTexture, true);
    /// assert_eq!(kind.key(), "hitem3dv2.1|1536fast|3|views");
    /// assert_eq!(TaskKind::from_key(&kind.key()), Some(kind));
    /// ```
    #[must_use]
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.model.as_str(),
            self.resolution.as_ref().map_or("", Resolution::as_str),
            self.request_type.code(),
            if self.multi_view { "views" } else { "single" }
        )
    }

    /// Reads [`TaskKind::key`] back; `None` for text it does not write.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        let mut parts = key.split('|');
        let (model, resolution, request_type, views) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || model.is_empty() {
            return None;
        }
        let multi_view = match views {
            "views" => true,
            "single" => false,
            _ => return None,
        };
        Some(Self {
            model: Model::from_wire(model),
            resolution: (!resolution.is_empty()).then(|| Resolution::from_wire(resolution)),
            request_type: RequestType::from_code(request_type.parse().ok()?),
            multi_view,
        })
    }

    /// How long the sources say tasks of this kind take (the spec's `[[expected_durations]]`).
    #[must_use]
    pub fn expected(&self) -> &'static ExpectedDuration {
        ExpectedDuration::of(&self.model, self.resolution.as_ref(), self.multi_view)
    }
}
