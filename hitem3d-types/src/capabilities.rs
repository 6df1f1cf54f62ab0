//! What each model accepts, as recorded in `spec/hitem3d.toml`.

use std::ops::RangeInclusive;

use crate::{Model, OutputFormat, RequestType, Resolution};

/// How sure we are that a model supports a feature.
///
/// The public sources disagree on several capabilities; this keeps the disagreement visible
/// instead of hiding it in a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Support {
    /// The sources agree it works.
    Supported,
    /// The docs say it does not work; a request using it is refused before sending.
    Unsupported,
    /// The sources disagree or are silent: it is allowed, and the server decides.
    Unverified,
}

impl Support {
    /// `false` only when the feature is known not to work.
    #[must_use]
    pub fn may_be_used(self) -> bool {
        !matches!(self, Self::Unsupported)
    }
}

/// Estimated price of one task, in credits, by request type.
///
/// Estimates only: the official pricing page is not public, and the known tables disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreditPrice {
    /// `request_type = 1`, geometry only.
    pub geometry: u32,
    /// `request_type = 2`, texture an existing mesh.
    pub texture: u32,
    /// `request_type = 3`, geometry and texture.
    pub both: u32,
}

impl CreditPrice {
    /// The price for a request type; `None` for a request type this SDK does not know.
    #[must_use]
    pub fn for_request_type(&self, request_type: &RequestType) -> Option<u32> {
        match request_type {
            RequestType::Geometry => Some(self.geometry),
            RequestType::Texture => Some(self.texture),
            RequestType::GeometryAndTexture => Some(self.both),
            RequestType::Other(_) => None,
        }
    }
}

/// One resolution a model offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionOption {
    /// The resolution.
    pub resolution: Resolution,
    /// The face count the docs recommend at this resolution, if they give one.
    pub recommended_face: Option<u32>,
    /// The estimated price, if any source gives one.
    pub credits: Option<CreditPrice>,
}

/// Everything the spec knows about one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCapabilities {
    /// The resolutions the model accepts, in the spec's order.
    pub resolutions: &'static [ResolutionOption],
    /// Resolutions it accepts besides those only when texturing an existing mesh
    /// (`request_type = 2`), as the vendor's own plugin sends them.
    pub texture_resolutions: &'static [Resolution],
    /// The resolution used when none is given (what the vendor's own tools choose).
    pub default_resolution: Resolution,
    /// The smallest accepted `face` value.
    pub face_min: u32,
    /// The largest accepted `face` value.
    pub face_max: u32,
    /// Whether `request_type = 2` (texture an existing mesh) works with this model.
    pub texture_existing_mesh: Support,
    /// Whether the `pbr` field applies.
    pub pbr: Support,
    /// Whether the `shading` (de-lighting) field applies.
    pub shading: Support,
    /// Where these facts come from.
    pub source: &'static str,
}

impl ModelCapabilities {
    /// The accepted `face` range.
    #[must_use]
    pub fn face_range(&self) -> RangeInclusive<u32> {
        self.face_min..=self.face_max
    }

    /// The entry for `resolution`, if the model accepts it.
    #[must_use]
    pub fn resolution(&self, resolution: &Resolution) -> Option<&'static ResolutionOption> {
        self.resolutions
            .iter()
            .find(|option| &option.resolution == resolution)
    }

    /// Whether a task of `request_type` may ask for `resolution`: one of the model's own, or,
    /// when texturing an existing mesh, one of its [`Self::texture_resolutions`].
    ///
    /// ```
    /// use hitem3d_types::{Model, RequestType, Resolution};
    ///
    /// let portrait = Model::ScenePortraitV1_5.capabilities().unwrap();
    /// assert!(portrait.accepts(&Resolution::R512, &RequestType::Texture));
    /// assert!(!portrait.accepts(&Resolution::R512, &RequestType::GeometryAndTexture));
    /// ```
    #[must_use]
    pub fn accepts(&self, resolution: &Resolution, request_type: &RequestType) -> bool {
        self.resolution(resolution).is_some()
            || (*request_type == RequestType::Texture
                && self.texture_resolutions.contains(resolution))
    }
}

impl Model {
    /// Does this model accept `resolution`? `None` when the model is unknown to this SDK.
    ///
    /// ```
    /// use hitem3d_types::{Model, Resolution};
    ///
    /// assert_eq!(Model::Hi3dV3_0.accepts_resolution(&Resolution::R2048Master), Some(true));
    /// assert_eq!(Model::Hitem3dV1.accepts_resolution(&Resolution::R2048Master), Some(false));
    /// ```
    #[must_use]
    pub fn accepts_resolution(&self, resolution: &Resolution) -> Option<bool> {
        self.capabilities()
            .map(|caps| caps.resolution(resolution).is_some())
    }

    /// The accepted `face` range; `None` when the model is unknown to this SDK.
    #[must_use]
    pub fn face_range(&self) -> Option<RangeInclusive<u32>> {
        self.capabilities().map(ModelCapabilities::face_range)
    }

    /// May this model texture an existing mesh (`request_type = 2`)?
    /// [`Support::Unverified`] for models unknown to this SDK.
    #[must_use]
    pub fn texture_existing_mesh(&self) -> Support {
        self.capabilities()
            .map_or(Support::Unverified, |caps| caps.texture_existing_mesh)
    }

    /// The estimated price of a task, in credits; `None` when no source gives one.
    #[must_use]
    pub fn estimated_credits(
        &self,
        resolution: &Resolution,
        request_type: &RequestType,
    ) -> Option<u32> {
        self.capabilities()?
            .resolution(resolution)?
            .credits?
            .for_request_type(request_type)
    }
}

impl OutputFormat {
    /// The file extension to use for a result of this format, without the dot.
    ///
    /// Unknown formats get `"bin"`: the name stays safe even when the server adds a format.
    #[must_use]
    pub fn file_extension(&self) -> &'static str {
        self.extension().unwrap_or("bin")
    }
}
