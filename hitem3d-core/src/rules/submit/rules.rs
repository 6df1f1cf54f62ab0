//! Every rule a submit must satisfy, checked locally because a wrong submit can cost money.

use hitem3d_types::{
    ApiErrorCode, ImageFormat, Model, ModelCapabilities, OutputFormat, RequestType, Resolution,
    Support, View, limits,
};

use super::draft::SubmitDraft;
use super::picture_header::PictureHeader;
use super::{Image, Remedy, SubmitField, Violation};
use crate::wire::base_url::is_absolute_http_url;

pub(crate) fn violation(
    field: SubmitField,
    value: impl Into<String>,
    rule: impl Into<String>,
    remedy: Remedy,
    fix: impl Into<String>,
) -> Violation {
    Violation {
        field,
        value: value.into(),
        rule: rule.into(),
        remedy,
        fix: fix.into(),
    }
}

/// How a rule text names the service's own refusal, from the spec's error table.
fn answers(code: &ApiErrorCode) -> String {
    format!("the service answers {}", code.code())
}

pub(crate) fn names<T>(items: impl Iterator<Item = T>, name: impl Fn(T) -> String) -> String {
    items.map(name).collect::<Vec<_>>().join(", ")
}

/// Checks all rules; returns every violation, in field order.
pub(super) fn check(task: &SubmitDraft) -> Vec<Violation> {
    let mut out = Vec::new();
    let caps = task.model.capabilities();
    images(task, &mut out);
    request_type(task, caps, &mut out);
    model(task, &mut out);
    resolution(task, caps, &mut out);
    face(task, caps, &mut out);
    format(task, &mut out);
    mesh_url(task, &mut out);
    callback_url(task, &mut out);
    pbr_and_shading(task, caps, &mut out);
    out
}

fn images(task: &SubmitDraft, out: &mut Vec<Violation>) {
    match (&task.image, task.views.is_empty()) {
        (None, true) => out.push(violation(
            SubmitField::Images,
            "none",
            "every task needs a picture of the object",
            Remedy::Add,
            "add one with .image(...), or views with .view(View::Front, ...) and more",
        )),
        (Some(_), false) => out.push(violation(
            SubmitField::Images,
            format!("1 image and {} views", task.views.len()),
            format!(
                "images and multi_images are exclusive ({})",
                answers(&ApiErrorCode::BothImagesAndMultiImages)
            ),
            Remedy::KeepOne,
            "use .image() for one picture, or .view() for 2 to 4 views, not both",
        )),
        (Some(image), true) => picture(SubmitField::Images, "image", image, out),
        (None, false) => views(&task.views, out),
    }
}

fn views(views: &[(View, Image)], out: &mut Vec<Violation>) {
    for view in views
        .iter()
        .map(|(view, _)| view)
        .filter(|view| !view.is_known())
    {
        out.push(violation(
            SubmitField::MultiImages,
            format!("view {:?}", view.as_str()),
            "the views are front, back, left and right",
            Remedy::Change,
            "use one of View::Front, View::Back, View::Left, View::Right",
        ));
    }
    for known in View::KNOWN {
        let count = views.iter().filter(|(view, _)| view == known).count();
        if count > 1 {
            out.push(violation(
                SubmitField::MultiImages,
                format!("{known} view given {count} times"),
                "each view is sent at most once",
                Remedy::KeepOne,
                "keep one picture per view",
            ));
        }
    }
    // One picture for two sides makes a model of neither, and is paid all the same.
    for (index, (view, image)) in views.iter().enumerate() {
        let same = views[..index]
            .iter()
            .find(|(earlier, picture)| earlier != view && picture == image);
        if let Some((earlier, _)) = same {
            out.push(violation(
                SubmitField::MultiImages,
                format!("{earlier} and {view} views"),
                "the two views are the same picture: each view shows its own side",
                Remedy::Distinct,
                "give each view its own picture",
            ));
        }
    }
    let present: Vec<&View> = views.iter().map(|(view, _)| view).collect();
    if !present.contains(&&View::Front) {
        out.push(violation(
            SubmitField::MultiImages,
            format!("views: {}", names(present.iter(), ToString::to_string)),
            "multi-view needs the front view",
            Remedy::Add,
            "add .view(View::Front, ...)",
        ));
    }
    let distinct = View::KNOWN
        .iter()
        .filter(|known| present.contains(known))
        .count();
    if distinct < limits::MIN_MULTI_VIEW_IMAGES {
        out.push(violation(
            SubmitField::MultiImages,
            format!("{distinct} distinct view"),
            format!(
                "multi-view needs {} to {} different views",
                limits::MIN_MULTI_VIEW_IMAGES,
                limits::MAX_MULTI_VIEW_IMAGES
            ),
            Remedy::Add,
            "add another view, or send a single picture with .image(...)",
        ));
    }
    for (view, image) in views {
        picture(
            SubmitField::MultiImages,
            &format!("{view} view"),
            image,
            out,
        );
    }
}

pub(crate) fn picture(field: SubmitField, what: &str, image: &Image, out: &mut Vec<Violation>) {
    // A file is named: of several views, the reader must know which to replace.
    let named;
    let what = match image.path() {
        Some(path) => {
            named = format!("{what} {}", path.display());
            named.as_str()
        }
        None => what,
    };
    if image.is_empty() {
        out.push(violation(
            field,
            format!("{what}: 0 bytes"),
            "a picture must not be empty",
            Remedy::ReplaceFile,
            "check that the file was read completely",
        ));
        return;
    }
    let len = image.len();
    if len > limits::MAX_IMAGE_BYTES {
        out.push(violation(
            field,
            format!("{what}: {len} bytes"),
            format!(
                "a picture may have at most {} bytes (20 MB)",
                limits::MAX_IMAGE_BYTES
            ),
            Remedy::ReplaceFile,
            "downscale or recompress it",
        ));
    }
    if image.format().is_none() {
        out.push(violation(
            field,
            format!("{what}: {}", image.describe_content()),
            format!(
                "a picture must be {} (judged by its content, not its name)",
                names(ImageFormat::ALL.iter(), |f| f.name().to_uppercase())
            ),
            Remedy::ReplaceFile,
            "convert it to PNG, JPEG or WebP",
        ));
    }
    let (Some(format), Some(header)) = (image.format(), image.header()) else {
        return;
    };
    let kind = format.name().to_uppercase();
    match header {
        PictureHeader::CutShort { bytes } => out.push(violation(
            field,
            format!("{what}: {kind}, {bytes} bytes"),
            "the picture breaks off before its size in pixels: it is not a whole picture",
            Remedy::ReplaceFile,
            "give the whole file (a copy or download may have been cut short)",
        )),
        PictureHeader::Size { width, height } if width == 0 || height == 0 => {
            out.push(violation(
                field,
                format!("{what}: {kind}, {width} x {height} pixels"),
                "a picture must have pixels in both directions",
                Remedy::ReplaceFile,
                "give a picture of the object",
            ));
        }
        PictureHeader::Size { .. } | PictureHeader::NotReached => {}
    }
}

fn request_type(task: &SubmitDraft, caps: Option<&ModelCapabilities>, out: &mut Vec<Violation>) {
    if !task.request_type.is_known() && !task.allow_unlisted {
        out.push(violation(
            SubmitField::RequestType,
            task.request_type.to_string(),
            "not a request type this SDK knows (1 geometry, 2 texture, 3 both)",
            Remedy::Change,
            "use RequestType::Geometry, Texture or GeometryAndTexture, or call \
             .allow_unlisted_values() to send it anyway",
        ));
    }
    if task.request_type == RequestType::Texture
        && caps.is_some_and(|caps| caps.texture_existing_mesh == Support::Unsupported)
    {
        // Only models every source says can: one the docs deny is never advised instead.
        let able = names(
            Model::KNOWN
                .iter()
                .filter(|m| m.texture_existing_mesh() == Support::Supported),
            ToString::to_string,
        );
        out.push(violation(
            SubmitField::Model,
            format!("{} with request type 2 (texture)", task.model),
            format!(
                "{} cannot texture an existing mesh ({}); the models every source says can: \
                 {able}",
                task.model,
                answers(&ApiErrorCode::ModelCannotTextureMesh)
            ),
            Remedy::Change,
            "texture with one of those models, or generate geometry and texture together \
             (RequestType::GeometryAndTexture)",
        ));
    }
}

fn model(task: &SubmitDraft, out: &mut Vec<Violation>) {
    if !task.model.is_known() && !task.allow_unlisted {
        out.push(violation(
            SubmitField::Model,
            task.model.as_str(),
            format!(
                "not a model this SDK knows ({})",
                names(Model::KNOWN.iter(), ToString::to_string)
            ),
            Remedy::Change,
            "use one of them, or call .allow_unlisted_values() to send a newer model as is",
        ));
    }
}

fn resolution(task: &SubmitDraft, caps: Option<&ModelCapabilities>, out: &mut Vec<Violation>) {
    let Some(resolution) = &task.resolution else {
        return;
    };
    match caps {
        Some(caps)
            if !caps.accepts(resolution, &task.request_type)
                && (resolution.is_known() || !task.allow_unlisted) =>
        {
            let texture_only = if caps.texture_resolutions.is_empty() {
                String::new()
            } else {
                format!(
                    ", and {} when texturing a mesh (request type 2)",
                    names(caps.texture_resolutions.iter(), ToString::to_string)
                )
            };
            out.push(violation(
                SubmitField::Resolution,
                resolution.as_str(),
                format!(
                    "{} accepts {}{texture_only} ({})",
                    task.model,
                    names(caps.resolutions.iter(), |o| o.resolution.to_string()),
                    answers(&ApiErrorCode::InvalidResolution)
                ),
                Remedy::Change,
                format!(
                    "use one of those, or leave it unset for {}",
                    caps.default_resolution
                ),
            ));
        }
        None if !resolution.is_known() && !task.allow_unlisted => out.push(violation(
            SubmitField::Resolution,
            resolution.as_str(),
            format!(
                "not a resolution this SDK knows ({})",
                names(Resolution::KNOWN.iter(), ToString::to_string)
            ),
            Remedy::Change,
            "use one of them, or call .allow_unlisted_values() to send it anyway",
        )),
        _ => {}
    }
}

fn face(task: &SubmitDraft, caps: Option<&ModelCapabilities>, out: &mut Vec<Violation>) {
    let (Some(face), Some(caps)) = (task.face, caps) else {
        return;
    };
    if !caps.face_range().contains(&face) {
        out.push(violation(
            SubmitField::Face,
            face.to_string(),
            format!(
                "{} takes {} to {} faces ({})",
                task.model,
                caps.face_min,
                caps.face_max,
                answers(&ApiErrorCode::InvalidFace)
            ),
            Remedy::Change,
            "use a face count in that range, or leave it unset to let the service choose",
        ));
    }
}

fn format(task: &SubmitDraft, out: &mut Vec<Violation>) {
    if !task.format.is_known() && !task.allow_unlisted {
        out.push(violation(
            SubmitField::Format,
            task.format.to_string(),
            format!(
                "not an output format this SDK knows ({})",
                names(OutputFormat::KNOWN.iter(), |f| format!(
                    "{} {}",
                    f.code(),
                    f.name().unwrap_or("?")
                ))
            ),
            Remedy::Change,
            "use one of them, or call .allow_unlisted_values() to send it anyway",
        ));
    }
}

fn mesh_url(task: &SubmitDraft, out: &mut Vec<Violation>) {
    let texture = task.request_type == RequestType::Texture;
    match (&task.mesh_url, texture) {
        (None, true) => out.push(violation(
            SubmitField::MeshUrl,
            "none",
            format!(
                "request type 2 (texture) needs the mesh to texture ({})",
                answers(&ApiErrorCode::MeshUrlRequired)
            ),
            Remedy::Add,
            "pass .mesh_url(...) with the model URL of a finished geometry task",
        )),
        (Some(url), false) => out.push(violation(
            SubmitField::MeshUrl,
            url.clone(),
            "mesh_url is only used with request type 2 (texture)",
            Remedy::Remove,
            "remove it, or set .request_type(RequestType::Texture)",
        )),
        (Some(url), true) if !is_absolute_http_url(url) => out.push(violation(
            SubmitField::MeshUrl,
            url.clone(),
            format!(
                "mesh_url must be an absolute http(s) URL ({})",
                answers(&ApiErrorCode::MeshUrlNotHttp)
            ),
            Remedy::Change,
            "pass the full URL of a mesh Hitem3D generated",
        )),
        _ => {}
    }
}

fn callback_url(task: &SubmitDraft, out: &mut Vec<Violation>) {
    callback_url_rule(task.callback_url.as_deref(), out);
}

/// Every task type's `callback_url`: an absolute http(s) URL the service can reach.
pub(crate) fn callback_url_rule(url: Option<&str>, out: &mut Vec<Violation>) {
    if let Some(url) = url
        && !is_absolute_http_url(url)
    {
        out.push(violation(
            SubmitField::CallbackUrl,
            url,
            "callback_url must be an absolute http(s) URL the service can reach",
            Remedy::Change,
            "pass a full URL such as https://example.com/hitem3d/callback",
        ));
    }
}

fn pbr_and_shading(task: &SubmitDraft, caps: Option<&ModelCapabilities>, out: &mut Vec<Violation>) {
    let textured = task.request_type != RequestType::Geometry;
    let checks = [
        (
            SubmitField::Pbr,
            task.pbr.map(|p| u8::from(p).to_string()),
            caps.map(|c| c.pbr),
        ),
        (
            SubmitField::Shading,
            task.shading.map(|s| s.to_string()),
            caps.map(|c| c.shading),
        ),
    ];
    for (field, value, support) in checks {
        let Some(value) = value else { continue };
        if support == Some(Support::Unsupported) {
            out.push(violation(
                field,
                value.clone(),
                format!("{} has no {field} setting", task.model),
                Remedy::Remove,
                format!("remove .{field}(...), or use a model from v2.0 on"),
            ));
        }
        if !textured {
            out.push(violation(
                field,
                value,
                format!("{field} applies only to textured results, not request type 1 (geometry)"),
                Remedy::Remove,
                format!("remove .{field}(...), or generate with texture"),
            ));
        }
    }
    if let Some(shading) = task.shading
        && !(0.0..=1.0).contains(&shading)
    {
        out.push(violation(
            SubmitField::Shading,
            shading.to_string(),
            "shading is a strength from 0.0 to 1.0",
            Remedy::Change,
            "use a value in that range, e.g. 0.5",
        ));
    }
}
