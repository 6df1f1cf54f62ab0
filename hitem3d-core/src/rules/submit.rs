//! Submit-task input: built from named parts, validated completely before anything is sent.

mod builder;
mod content_kind;
mod draft;
mod form;
pub(crate) use form::{add_contents, add_picture};
mod image;
mod picture_header;
pub(crate) mod rules;
mod violation;

pub use builder::{SubmitImages, SubmitTask, SubmitTaskBuilder};
pub use image::{IMAGE_HEAD_BYTES, Image};
pub use violation::{Remedy, SubmitField, ValidationError, Violation};
