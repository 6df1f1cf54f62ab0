//! What is wrong with a submit, field by field.

use std::fmt;

/// A submit-task form field, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubmitField {
    /// `images` (the single-view picture).
    Images,
    /// `multi_images` (the views).
    MultiImages,
    /// `request_type`.
    RequestType,
    /// `model`.
    Model,
    /// `resolution`.
    Resolution,
    /// `face`.
    Face,
    /// `format`.
    Format,
    /// `mesh_url`.
    MeshUrl,
    /// `callback_url`.
    CallbackUrl,
    /// `pbr`.
    Pbr,
    /// `shading`.
    Shading,
    /// `image` (a relief task's picture).
    Image,
    /// `image_url` (a relief task's picture, by URL).
    ImageUrl,
    /// `model_type` (a relief task's quality tier).
    ModelType,
    /// `shape_base` (a relief's base plate shape).
    ShapeBase,
    /// `mesh` (a mesh task's mesh file).
    Mesh,
    /// A relief task's numeric setting, by its wire name (`height_relief`, `width`, ...).
    Setting(&'static str),
}

impl SubmitField {
    /// The form field's wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Images => "images",
            Self::MultiImages => "multi_images",
            Self::RequestType => "request_type",
            Self::Model => "model",
            Self::Resolution => "resolution",
            Self::Face => "face",
            Self::Format => "format",
            Self::MeshUrl => "mesh_url",
            Self::CallbackUrl => "callback_url",
            Self::Pbr => "pbr",
            Self::Shading => "shading",
            Self::Image => "image",
            Self::ImageUrl => "image_url",
            Self::ModelType => "model_type",
            Self::ShapeBase => "shape_base",
            Self::Mesh => "mesh",
            Self::Setting(field) => field,
        }
    }
}

impl fmt::Display for SubmitField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule: which field, what it held, which rule, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field at fault.
    pub field: SubmitField,
    /// What it held (described, never the image bytes).
    pub value: String,
    /// The rule it breaks.
    pub rule: String,
    /// What to change, as data: a front-end says it in its own words (a flag to add, a file
    /// to replace).
    pub remedy: Remedy,
    /// What to change, in words for a Rust caller (it names the builder's methods).
    pub fix: String,
}

/// What to change to satisfy a broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Remedy {
    /// Give the field: it is missing (or a setting it needs is).
    Add,
    /// Leave the field out: it does not apply here.
    Remove,
    /// Give the field another value: the rule says which are accepted.
    Change,
    /// Two things that exclude each other were given, or one was given twice: keep one.
    KeepOne,
    /// The file itself must change: it is empty, too large, or of a type not taken.
    ReplaceFile,
    /// The same thing was given where each needs its own (one picture for two views): give
    /// each its own.
    Distinct,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {}: {}; {}",
            self.field, self.value, self.rule, self.fix
        )
    }
}

/// A submit that breaks one or more rules. Nothing was sent, so nothing was charged.
///
/// Lists every violation at once, so one round of fixes is enough.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    pub(crate) fn new(violations: Vec<Violation>) -> Self {
        Self { violations }
    }

    /// Every violation, in field order.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether some violation concerns `field`.
    #[must_use]
    pub fn concerns(&self, field: SubmitField) -> bool {
        self.violations.iter().any(|v| v.field == field)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.violations.len();
        write!(
            f,
            "the task was not submitted (nothing was charged): {count} problem{}",
            if count == 1 { "" } else { "s" }
        )?;
        for violation in &self.violations {
            write!(f, "\n  - {violation}")?;
        }
        Ok(())
    }
}
