//! A validated task as a multipart form, with the field names the service expects.

use hitem3d_types::ImageFormat;

use super::{Image, SubmitImages, SubmitTask};
use crate::MultipartForm;

fn file_name(stem: &str, image: &Image) -> (String, &'static str) {
    // Validation guarantees a known format; the fallback keeps this total.
    let format = image.format().unwrap_or(ImageFormat::Png);
    (
        format!("{stem}.{}", format.extensions()[0]),
        format.media_type(),
    )
}

/// The name a single picture is sent under: its own file's name for one on disk (in letters,
/// digits, `-`, `_` and `.`; its directory never leaves the machine), so that what the
/// service, its logs and a stand-in see names the picture; `image` for one in memory.
fn own_stem(image: &Image) -> String {
    let stem: String = image
        .path()
        .and_then(|path| path.file_stem())
        .map(|stem| {
            stem.to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .take(64)
                .collect()
        })
        .unwrap_or_default();
    if stem.trim_matches(['.', '_']).is_empty() {
        "image".to_owned()
    } else {
        stem
    }
}

/// Adds a picture as a file part: shared bytes, or the file streamed from disk.
pub(crate) fn add_picture(form: &mut MultipartForm, field: &str, stem: &str, image: &Image) {
    let (name, media_type) = file_name(stem, image);
    add_contents(form, field, name, media_type, image);
}

/// Adds a file part with `contents` (a picture's, or a mesh's), in memory or on disk.
pub(crate) fn add_contents(
    form: &mut MultipartForm,
    field: &str,
    name: String,
    media_type: &str,
    contents: &Image,
) {
    match (contents.data(), contents.file()) {
        (Some(data), _) => form.file(field, name, media_type, data.clone()),
        (None, Some(file)) => form.file_on_disk(field, name, media_type, file.clone()),
        (None, None) => unreachable!("contents are in memory or on disk"),
    };
}

impl SubmitTask {
    /// The task as a form: text fields in a fixed order, then the pictures.
    ///
    /// File names are the picture's own file name for a single picture on disk, the view's
    /// (`front.png`) for views, and `image` for a picture in memory, each with the sniffed
    /// format's extension: no directory ever leaves the machine.
    #[must_use]
    pub fn to_form(&self) -> MultipartForm {
        let mut form = MultipartForm::new();
        form.text("request_type", self.request_type.to_string());
        form.text("model", self.model.as_str());
        if let Some(resolution) = &self.resolution {
            form.text("resolution", resolution.as_str());
        }
        if let Some(face) = self.face {
            form.text("face", face.to_string());
        }
        form.text("format", self.format.to_string());
        if let Some(url) = &self.mesh_url {
            form.text("mesh_url", url.as_str());
        }
        if let Some(url) = &self.callback_url {
            form.text("callback_url", url.as_str());
        }
        if let Some(pbr) = self.pbr {
            form.text("pbr", u8::from(pbr).to_string());
        }
        if let Some(shading) = self.shading {
            form.text("shading", shading.to_string());
        }
        match &self.images {
            SubmitImages::Single(image) => {
                add_picture(&mut form, "images", &own_stem(image), image);
            }
            SubmitImages::Views(views) => {
                if let Some(mask) = self.view_mask() {
                    form.text("multi_images_bit", mask.to_string());
                }
                for (view, image) in views {
                    add_picture(&mut form, "multi_images", view.as_str(), image);
                }
            }
        }
        form
    }
}
