//! The submit-task builder and the validated task it produces.

use hitem3d_types::{Model, OutputFormat, RequestType, Resolution, View, ViewMask};

use super::draft::SubmitDraft;
use super::rules;
use super::{Image, ValidationError};

/// The pictures of a validated task.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitImages {
    /// One picture, sent as `images`.
    Single(Image),
    /// Two to four views, front first, in `multi_images_bit` order.
    Views(Vec<(View, Image)>),
}

impl SubmitImages {
    /// How many pictures are sent.
    #[must_use]
    pub fn count(&self) -> usize {
        match self {
            Self::Single(_) => 1,
            Self::Views(views) => views.len(),
        }
    }
}

/// A submit-task request that passed every local check. Build one with [`SubmitTask::builder`].
///
/// ```
/// use hitem3d_core::{Image, SubmitTask};
/// use hitem3d_core::types::{Model, OutputFormat, Resolution};
///
/// # let png = Image::new(&b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01 rest of the file"[..]);
/// let task = SubmitTask::builder(Model::Hitem3dV2_1)
///     .image(png)
///     .format(OutputFormat::Glb)
///     .build()?;
/// assert_eq!(task.resolution(), Some(&Resolution::R1536Fast), "the model's default");
/// # Ok::<(), hitem3d_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitTask {
    pub(crate) model: Model,
    pub(crate) request_type: RequestType,
    pub(crate) resolution: Option<Resolution>,
    pub(crate) face: Option<u32>,
    pub(crate) format: OutputFormat,
    pub(crate) images: SubmitImages,
    pub(crate) mesh_url: Option<String>,
    pub(crate) callback_url: Option<String>,
    pub(crate) pbr: Option<bool>,
    pub(crate) shading: Option<f64>,
}

impl SubmitTask {
    /// Starts a task for `model`. Defaults: geometry and texture, the model's default
    /// resolution, GLB output, the server's choice of face count.
    pub fn builder(model: Model) -> SubmitTaskBuilder {
        SubmitTaskBuilder::new(SubmitDraft {
            model,
            request_type: RequestType::GeometryAndTexture,
            resolution: None,
            face: None,
            format: OutputFormat::Glb,
            image: None,
            views: Vec::new(),
            mesh_url: None,
            callback_url: None,
            pbr: None,
            shading: None,
            allow_unlisted: false,
        })
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// What the task generates.
    #[must_use]
    pub fn request_type(&self) -> &RequestType {
        &self.request_type
    }

    /// The resolution sent; `None` only for a model unknown to this SDK with none given.
    #[must_use]
    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_ref()
    }

    /// The face count sent, if any.
    #[must_use]
    pub fn face(&self) -> Option<u32> {
        self.face
    }

    /// The output format.
    #[must_use]
    pub fn format(&self) -> &OutputFormat {
        &self.format
    }

    /// The pictures.
    #[must_use]
    pub fn images(&self) -> &SubmitImages {
        &self.images
    }

    /// The `multi_images_bit` value, for a multi-view task.
    #[must_use]
    pub fn view_mask(&self) -> Option<ViewMask> {
        match &self.images {
            SubmitImages::Single(_) => None,
            SubmitImages::Views(views) => Some(views.iter().map(|(view, _)| view).collect()),
        }
    }

    /// The mesh to texture (request type 2).
    #[must_use]
    pub fn mesh_url(&self) -> Option<&str> {
        self.mesh_url.as_deref()
    }

    /// The webhook URL.
    #[must_use]
    pub fn callback_url(&self) -> Option<&str> {
        self.callback_url.as_deref()
    }

    /// Whether PBR maps were asked for, if set.
    #[must_use]
    pub fn pbr(&self) -> Option<bool> {
        self.pbr
    }

    /// The de-shading strength, if set.
    #[must_use]
    pub fn shading(&self) -> Option<f64> {
        self.shading
    }

    /// Total bytes of the pictures.
    #[must_use]
    pub fn image_bytes(&self) -> u64 {
        match &self.images {
            SubmitImages::Single(image) => image.len(),
            SubmitImages::Views(views) => views.iter().map(|(_, image)| image.len()).sum(),
        }
    }
}

/// Collects a submit-task request; [`SubmitTaskBuilder::build`] checks every rule at once.
#[derive(Debug, Clone)]
#[must_use]
pub struct SubmitTaskBuilder {
    draft: SubmitDraft,
}

impl SubmitTaskBuilder {
    fn new(draft: SubmitDraft) -> Self {
        Self { draft }
    }

    /// The single picture (single-view mode, sent as `images`).
    pub fn image(mut self, image: impl Into<Image>) -> Self {
        self.draft.image = Some(image.into());
        self
    }

    /// One view of a multi-view task (sent as `multi_images`); the front view is required.
    pub fn view(mut self, view: View, image: impl Into<Image>) -> Self {
        self.draft.views.push((view, image.into()));
        self
    }

    /// What to generate (default: geometry and texture).
    pub fn request_type(mut self, request_type: RequestType) -> Self {
        self.draft.request_type = request_type;
        self
    }

    /// The resolution (default: the model's default).
    pub fn resolution(mut self, resolution: Resolution) -> Self {
        self.draft.resolution = Some(resolution);
        self
    }

    /// The face count (default: the server chooses).
    pub fn face(mut self, face: u32) -> Self {
        self.draft.face = Some(face);
        self
    }

    /// The output format (default: GLB; the server's own default would be OBJ).
    pub fn format(mut self, format: OutputFormat) -> Self {
        self.draft.format = format;
        self
    }

    /// The mesh to texture, for [`RequestType::Texture`]: the model URL of a finished Hitem3D
    /// geometry task.
    pub fn mesh_url(mut self, url: impl Into<String>) -> Self {
        self.draft.mesh_url = Some(url.into());
        self
    }

    /// A URL the service POSTs the final task state to.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.draft.callback_url = Some(url.into());
        self
    }

    /// Ask for PBR material maps (models from v2.0 on, textured results only).
    pub fn pbr(mut self, pbr: bool) -> Self {
        self.draft.pbr = Some(pbr);
        self
    }

    /// De-shading strength, 0.0–1.0: how much baked-in lighting to remove (PBR models,
    /// textured results only).
    pub fn shading(mut self, shading: f64) -> Self {
        self.draft.shading = Some(shading);
        self
    }

    /// Send models, resolutions, formats and request types this SDK does not know, as given,
    /// and let the server judge them. For models released after this SDK.
    pub fn allow_unlisted_values(mut self) -> Self {
        self.draft.allow_unlisted = true;
        self
    }

    /// Checks every rule and returns the task, or every violation at once.
    ///
    /// # Errors
    /// [`ValidationError`] listing each broken rule with its fix.
    pub fn build(self) -> Result<SubmitTask, ValidationError> {
        let violations = rules::check(&self.draft);
        if !violations.is_empty() {
            return Err(ValidationError::new(violations));
        }
        let resolution = self.draft.resolution.or_else(|| {
            self.draft
                .model
                .capabilities()
                .map(|caps| caps.default_resolution.clone())
        });
        let images = match self.draft.image {
            Some(image) => SubmitImages::Single(image),
            None => {
                let mut views = self.draft.views;
                views.sort_by_key(|(view, _)| view.bit());
                SubmitImages::Views(views)
            }
        };
        Ok(SubmitTask {
            model: self.draft.model,
            request_type: self.draft.request_type,
            resolution,
            face: self.draft.face,
            format: self.draft.format,
            images,
            mesh_url: self.draft.mesh_url,
            callback_url: self.draft.callback_url,
            pbr: self.draft.pbr,
            shading: self.draft.shading,
        })
    }
}
