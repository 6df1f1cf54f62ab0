//! A relief task (`depth/create-task`): a height map or height-field mesh from one picture,
//! validated completely before anything is sent.

use hitem3d_types::{ReliefFormat, ReliefModel, ReliefSetting};

use crate::rules::submit::rules::{callback_url_rule, picture, violation};
use crate::wire::base_url::is_absolute_http_url;
use crate::{Image, MultipartForm, Remedy, SubmitField, ValidationError, Violation};

/// Where a relief task's picture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReliefSource {
    /// A picture sent with the task.
    Image(Image),
    /// A picture the service fetches itself.
    Url(String),
}

/// The shape of the base plate a relief stands on (sent only with background removal off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReliefBase {
    /// A square plate (`shape_base=0`).
    Square,
    /// A round plate (`shape_base=1`).
    Circle,
}

/// A validated relief task. Build one with [`ReliefTask::builder`]:
///
/// ```
/// use hitem3d_core::{Image, ReliefTask};
/// use hitem3d_core::types::{ReliefFormat, ReliefModel};
///
/// let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
/// let task = ReliefTask::builder(ReliefFormat::Stl)
///     .image(Image::new(png))
///     .model(ReliefModel::Base)
///     .height(2.5)
///     .width_mm(80)
///     .build()?;
/// assert_eq!(task.format(), &ReliefFormat::Stl);
///
/// let error = ReliefTask::builder(ReliefFormat::Png)
///     .image_url("https://example.com/cat.png")
///     .height(99.0)
///     .build()
///     .unwrap_err();
/// assert!(error.to_string().contains("height_relief"));
/// # Ok::<(), hitem3d_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReliefTask {
    source: ReliefSource,
    format: ReliefFormat,
    model: Option<ReliefModel>,
    remove_background: Option<bool>,
    base: Option<ReliefBase>,
    engrave: Option<bool>,
    settings: Vec<(&'static str, f64)>,
    callback_url: Option<String>,
}

/// Collects a relief task's parts; [`ReliefTaskBuilder::build`] checks them all at once.
#[derive(Debug, Clone)]
#[must_use]
pub struct ReliefTaskBuilder {
    image: Option<Image>,
    image_url: Option<String>,
    format: ReliefFormat,
    model: Option<ReliefModel>,
    remove_background: Option<bool>,
    base: Option<ReliefBase>,
    engrave: Option<bool>,
    settings: Vec<(&'static str, f64)>,
    callback_url: Option<String>,
}

impl ReliefTask {
    /// A relief task producing `format`.
    pub fn builder(format: ReliefFormat) -> ReliefTaskBuilder {
        ReliefTaskBuilder {
            image: None,
            image_url: None,
            format,
            model: None,
            remove_background: None,
            base: None,
            engrave: None,
            settings: Vec::new(),
            callback_url: None,
        }
    }

    /// The picture.
    #[must_use]
    pub fn source(&self) -> &ReliefSource {
        &self.source
    }

    /// The file it produces.
    #[must_use]
    pub fn format(&self) -> &ReliefFormat {
        &self.format
    }

    /// The quality tier, when one was chosen (the service's default is `pro`).
    #[must_use]
    pub fn model(&self) -> Option<&ReliefModel> {
        self.model.as_ref()
    }

    /// The task as a form: text fields in a fixed order, then the picture, named after its
    /// sniffed format so that no local path leaves the machine.
    #[must_use]
    pub fn to_form(&self) -> MultipartForm {
        let mut form = MultipartForm::new();
        form.text("format", self.format.to_string());
        if let Some(model) = &self.model {
            form.text("model_type", model.as_str());
        }
        if let Some(remove) = self.remove_background {
            form.text("rmbg", u8::from(remove).to_string());
        }
        if let Some(base) = self.base {
            form.text(
                "shape_base",
                if base == ReliefBase::Circle { "1" } else { "0" },
            );
        }
        if let Some(engrave) = self.engrave {
            form.text("sculpmode", u8::from(engrave).to_string());
        }
        for (field, value) in &self.settings {
            form.text(*field, value.to_string());
        }
        if let Some(url) = &self.callback_url {
            form.text("callback_url", url.as_str());
        }
        match &self.source {
            ReliefSource::Url(url) => {
                form.text("image_url", url.as_str());
            }
            ReliefSource::Image(image) => {
                crate::rules::submit::add_picture(&mut form, "image", "image", image);
            }
        }
        form
    }
}

impl ReliefTaskBuilder {
    /// The picture, sent with the task (PNG, JPEG or WebP, at most 20 MB).
    pub fn image(mut self, image: Image) -> Self {
        self.image = Some(image);
        self
    }

    /// The picture at a URL the service fetches, instead of [`Self::image`].
    pub fn image_url(mut self, url: impl Into<String>) -> Self {
        self.image_url = Some(url.into());
        self
    }

    /// The quality tier (`model_type`).
    pub fn model(mut self, model: ReliefModel) -> Self {
        self.model = Some(model);
        self
    }

    /// Whether the service removes the picture's background first (`rmbg`, on by default).
    pub fn remove_background(mut self, remove: bool) -> Self {
        self.remove_background = Some(remove);
        self
    }

    /// How far the relief rises (`height_relief`).
    pub fn height(self, height: f64) -> Self {
        self.setting("height_relief", height)
    }

    /// How hard background removal cuts (`degree_rmbg`, 0 to 1).
    pub fn background_removal_strength(self, strength: f64) -> Self {
        self.setting("degree_rmbg", strength)
    }

    /// The base plate's thickness in mm (`thickness_base`; needs background removal off).
    pub fn base_thickness_mm(self, thickness: f64) -> Self {
        self.setting("thickness_base", thickness)
    }

    /// The relief's width in mm (`width`).
    pub fn width_mm(self, width: u32) -> Self {
        self.setting("width", f64::from(width))
    }

    /// The base plate's shape (`shape_base`; needs background removal off).
    pub fn base(mut self, base: ReliefBase) -> Self {
        self.base = Some(base);
        self
    }

    /// Carve the picture in (`sculpmode=1`) instead of raising it.
    pub fn engrave(mut self, engrave: bool) -> Self {
        self.engrave = Some(engrave);
        self
    }

    /// Where the service posts the finished task.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    fn setting(mut self, field: &'static str, value: f64) -> Self {
        self.settings.retain(|(known, _)| *known != field);
        self.settings.push((field, value));
        self
    }

    /// The task, or every problem with it.
    ///
    /// # Errors
    /// [`ValidationError`] listing each broken rule and what to change.
    pub fn build(self) -> Result<ReliefTask, ValidationError> {
        let violations = self.check();
        if !violations.is_empty() {
            return Err(ValidationError::new(violations));
        }
        let source = match (self.image, self.image_url) {
            (Some(image), None) => ReliefSource::Image(image),
            (None, Some(url)) => ReliefSource::Url(url),
            _ => unreachable!("the checks ask for exactly one picture"),
        };
        Ok(ReliefTask {
            source,
            format: self.format,
            model: self.model,
            remove_background: self.remove_background,
            base: self.base,
            engrave: self.engrave,
            settings: self.settings,
            callback_url: self.callback_url,
        })
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        match (&self.image, &self.image_url) {
            (None, None) => out.push(violation(
                SubmitField::Image,
                "none",
                "a relief task needs a picture",
                Remedy::Add,
                "add one with .image(...) or .image_url(...)",
            )),
            (Some(_), Some(url)) => out.push(violation(
                SubmitField::ImageUrl,
                url.clone(),
                "a relief task takes a picture or a URL, not both",
                Remedy::KeepOne,
                "keep one of .image(...) and .image_url(...)",
            )),
            (Some(image), None) => picture(SubmitField::Image, "picture", image, &mut out),
            (None, Some(url)) if !is_absolute_http_url(url) => out.push(violation(
                SubmitField::ImageUrl,
                url.clone(),
                "image_url must be an absolute http(s) URL the service can fetch",
                Remedy::Change,
                "pass a full URL such as https://example.com/picture.png",
            )),
            (None, Some(_)) => {}
        }
        if !self.format.is_known() {
            out.push(violation(
                SubmitField::Format,
                self.format.to_string(),
                format!("not a relief format this SDK knows ({})", known_formats()),
                Remedy::Change,
                "use one of them",
            ));
        }
        if self.model.as_ref().is_some_and(|model| !model.is_known()) {
            out.push(violation(
                SubmitField::ModelType,
                self.model
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                "not a relief model this SDK knows (pro, base)",
                Remedy::Change,
                "use ReliefModel::Pro or ReliefModel::Base",
            ));
        }
        for (field, value) in &self.settings {
            let Some(setting) = ReliefSetting::named(field) else {
                continue;
            };
            if !setting.accepts(*value) {
                let whole = if setting.integer {
                    "whole numbers "
                } else {
                    ""
                };
                out.push(violation(
                    SubmitField::Setting(setting.field),
                    value.to_string(),
                    format!(
                        "{} takes {whole}from {} to {}",
                        setting.field, setting.min, setting.max
                    ),
                    Remedy::Change,
                    format!(
                        "use a value in that range, or leave it unset for {}",
                        setting.default
                    ),
                ));
            }
        }
        // The base plate exists only when the background is kept.
        if self.remove_background != Some(false) {
            let base_setting = self
                .settings
                .iter()
                .any(|(field, _)| *field == "thickness_base");
            if self.base.is_some() || base_setting {
                let field = if self.base.is_some() {
                    SubmitField::ShapeBase
                } else {
                    SubmitField::Setting("thickness_base")
                };
                out.push(violation(
                    field,
                    "set",
                    "the base plate applies only with background removal off (rmbg=0)",
                    Remedy::Add,
                    "add .remove_background(false), or drop the base settings",
                ));
            }
        }
        callback_url_rule(self.callback_url.as_deref(), &mut out);
        out
    }
}

fn known_formats() -> String {
    ReliefFormat::KNOWN
        .iter()
        .map(|format| format!("{} {}", format.code(), format.name().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(", ")
}
