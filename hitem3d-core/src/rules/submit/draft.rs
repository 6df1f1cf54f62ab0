//! A submit being put together: what the builder collects and the rules check, before it
//! becomes a [`super::SubmitTask`].

use hitem3d_types::{Model, OutputFormat, RequestType, Resolution, View};

use super::Image;

/// The fields of a submit as given, not yet checked.
#[derive(Debug, Clone)]
pub(super) struct SubmitDraft {
    pub(super) model: Model,
    pub(super) request_type: RequestType,
    pub(super) resolution: Option<Resolution>,
    pub(super) face: Option<u32>,
    pub(super) format: OutputFormat,
    pub(super) image: Option<Image>,
    pub(super) views: Vec<(View, Image)>,
    pub(super) mesh_url: Option<String>,
    pub(super) callback_url: Option<String>,
    pub(super) pbr: Option<bool>,
    pub(super) shading: Option<f64>,
    pub(super) allow_unlisted: bool,
}
