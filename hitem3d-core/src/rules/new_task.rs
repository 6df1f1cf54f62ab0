//! A task to create, of any type: what `submit` takes.

use hitem3d_types::TaskType;

use crate::{MeshTask, ReliefTask, SubmitTask};

/// A task to create: an image-to-3D [`SubmitTask`], a [`ReliefTask`] or a [`MeshTask`]. Each
/// converts into it, so `submit` takes any.
///
/// ```
/// use hitem3d_core::{Image, NewTask, ReliefTask};
/// use hitem3d_core::types::{ReliefFormat, TaskType};
///
/// let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
/// let relief = ReliefTask::builder(ReliefFormat::Png).image(Image::new(png)).build()?;
/// assert_eq!(NewTask::from(relief).task_type(), TaskType::Relief);
/// # Ok::<(), hitem3d_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NewTask {
    /// A model from a picture or views, or a texture for a mesh.
    ImageTo3d(SubmitTask),
    /// A relief from a picture.
    Relief(ReliefTask),
    /// A split, segmentation or multicolor task on a mesh.
    Mesh(MeshTask),
}

impl NewTask {
    /// Which type of task this creates.
    #[must_use]
    pub fn task_type(&self) -> TaskType {
        match self {
            Self::ImageTo3d(_) => TaskType::ImageTo3d,
            Self::Relief(_) => TaskType::Relief,
            Self::Mesh(task) => task.task_type(),
        }
    }

    /// The price the spec gives for this task, in credits; `None` where no source gives one.
    #[must_use]
    pub fn estimated_credits(&self) -> Option<u32> {
        match self {
            Self::ImageTo3d(task) => {
                let model = task.model();
                let default = model
                    .capabilities()
                    .map(|caps| caps.default_resolution.clone());
                let resolution = task.resolution().cloned().or(default)?;
                model.estimated_credits(&resolution, task.request_type())
            }
            _ => self.task_type().credits(),
        }
    }

    /// A short label for logs: the model, or the task type.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::ImageTo3d(task) => task.model().to_string(),
            Self::Relief(_) => TaskType::Relief.to_string(),
            Self::Mesh(task) => task.task_type().to_string(),
        }
    }
}

impl From<SubmitTask> for NewTask {
    fn from(task: SubmitTask) -> Self {
        Self::ImageTo3d(task)
    }
}

impl From<MeshTask> for NewTask {
    fn from(task: MeshTask) -> Self {
        Self::Mesh(task)
    }
}

impl From<ReliefTask> for NewTask {
    fn from(task: ReliefTask) -> Self {
        Self::Relief(task)
    }
}
