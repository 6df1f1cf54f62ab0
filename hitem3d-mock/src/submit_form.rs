//! Reading a submit-task form the way the service does, rule by rule, code by code.

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::stream;
use hitem3d_types::{
    ApiErrorCode, ImageFormat, Model, ModelCapabilities, OutputFormat, RequestType, Resolution,
    Support, View, ViewMask, limits,
};
use sha2::{Digest, Sha256};

use crate::journal::FileSummary;
use crate::refusal::Refusal;
use crate::task::SubmitRecord;

fn refuse(code: &ApiErrorCode) -> Refusal {
    Refusal::documented(code)
}

/// The parts of a form.
#[derive(Debug, Default)]
pub(crate) struct Form {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<(String, Option<String>, Bytes)>,
}

impl Form {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    pub(crate) fn files(&self, name: &str) -> Vec<&Bytes> {
        self.files
            .iter()
            .filter(|(key, _, _)| key == name)
            .map(|(_, _, data)| data)
            .collect()
    }

    /// The file name of the first file under `name`.
    pub(crate) fn first_file_name(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(key, _, _)| key == name)
            .and_then(|(_, file_name, _)| file_name.as_deref())
    }

    pub(crate) fn summaries(&self) -> Vec<FileSummary> {
        self.files
            .iter()
            .map(|(field, file_name, data)| FileSummary {
                field: field.clone(),
                file_name: file_name.clone(),
                len: data.len(),
                sha256: Sha256::digest(data)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            })
            .collect()
    }
}

/// The largest submit body worth parsing: four views at the size limit and 1 MB for the rest.
pub(crate) const MAX_FORM_BYTES: u64 =
    limits::MAX_IMAGE_BYTES * limits::MAX_MULTI_VIEW_IMAGES as u64 + 1_000_000;

/// Parses a `multipart/form-data` body with the boundary from `content_type`.
pub(crate) fn parse(content_type: Option<&str>, body: &[u8]) -> Option<Form> {
    let boundary = multer::parse_boundary(content_type?).ok()?;
    let chunks = stream::iter([Ok::<_, Infallible>(Bytes::copy_from_slice(body))]);
    let mut multipart = multer::Multipart::new(chunks, boundary);
    // The body is already in memory, so this blocks on nothing.
    futures_executor::block_on(async {
        let mut form = Form::default();
        while let Some(field) = multipart.next_field().await.ok()? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let data = field.bytes().await.ok()?;
            if file_name.is_some() {
                form.files.push((name, file_name, data));
            } else {
                form.fields
                    .push((name, String::from_utf8_lossy(&data).into_owned()));
            }
        }
        Some(form)
    })
}

/// Applies the service's rules in its order; the first broken one is answered.
pub(crate) fn check(form: &Form) -> Result<SubmitRecord, Refusal> {
    let images = form.files("images");
    let views = form.files("multi_images");
    let pictures = match (images.is_empty(), views.is_empty()) {
        (false, false) => return Err(refuse(&ApiErrorCode::BothImagesAndMultiImages)),
        (true, true) => return Err(refuse(&ApiErrorCode::ImagesRequired)),
        (false, true) => images.clone(),
        (true, false) => views.clone(),
    };
    if images.len() > 1 || views.len() > limits::MAX_MULTI_VIEW_IMAGES {
        return Err(refuse(&ApiErrorCode::TooManyMultiImages));
    }
    for picture in &pictures {
        check_picture(picture)?;
    }
    if !views.is_empty() {
        check_view_mask(form.field("multi_images_bit"), views.len())?;
    }
    let request_type = match form.field("request_type") {
        None => RequestType::GeometryAndTexture,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .map(RequestType::from_code)
            .filter(RequestType::is_known)
            .ok_or(Refusal::INVALID_REQUEST_TYPE)?,
    };
    // The model is required; the resolution defaults to the server's, which not every model
    // takes (hitem3dv2.1 has only 1536 ones).
    let model = Model::from_wire(form.field("model").unwrap_or_default());
    let Some(capabilities) = model.capabilities().filter(|_| model.is_known()) else {
        return Err(refuse(&ApiErrorCode::InvalidModel));
    };
    let resolution = Resolution::from_wire(
        form.field("resolution")
            .unwrap_or(limits::SERVER_DEFAULT_RESOLUTION),
    );
    if !capabilities.accepts(&resolution, &request_type) {
        return Err(refuse(&ApiErrorCode::InvalidResolution));
    }
    if let Some(face) = form.field("face") {
        let valid = face
            .parse::<u32>()
            .is_ok_and(|face| capabilities.face_range().contains(&face));
        if !valid {
            return Err(refuse(&ApiErrorCode::InvalidFace));
        }
    }
    let format = match form.field("format") {
        None => OutputFormat::Obj,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .map(OutputFormat::from_code)
            .filter(OutputFormat::is_known)
            .ok_or_else(|| refuse(&ApiErrorCode::UnsupportedFormat))?,
    };
    check_settings(form, capabilities)?;
    if request_type == RequestType::Texture {
        let Some(mesh_url) = form.field("mesh_url") else {
            return Err(refuse(&ApiErrorCode::MeshUrlRequired));
        };
        if !(mesh_url.starts_with("http://") || mesh_url.starts_with("https://")) {
            return Err(refuse(&ApiErrorCode::MeshUrlNotHttp));
        }
        if capabilities.texture_existing_mesh == Support::Unsupported {
            return Err(refuse(&ApiErrorCode::ModelCannotTextureMesh));
        }
    }
    Ok(SubmitRecord {
        model,
        request_type,
        resolution: Some(resolution),
        format,
        callback_url: form.field("callback_url").map(str::to_owned),
        picture: pictures[0].to_vec(),
        product: None,
        picture_name: form
            .first_file_name("images")
            .or_else(|| form.first_file_name("multi_images"))
            .map(str::to_owned),
    })
}

/// One uploaded picture: not empty, within the size limit, PNG, JPEG or WebP.
pub(crate) fn check_picture(picture: &[u8]) -> Result<(), Refusal> {
    if picture.is_empty() {
        return Err(refuse(&ApiErrorCode::EmptyFile));
    }
    if picture.len() as u64 > limits::MAX_IMAGE_BYTES {
        return Err(refuse(&ApiErrorCode::FileTooLarge));
    }
    if ImageFormat::sniff(picture).is_none() {
        return Err(refuse(&ApiErrorCode::UnsupportedImageType));
    }
    // A small file that declares an enormous picture is refused from its header, before
    // anything decodes it.
    if !crate::assets::picture_size_acceptable(picture) {
        return Err(refuse(&ApiErrorCode::FileTooLarge));
    }
    Ok(())
}

/// `pbr=1` and a non-zero `shading` only for models that have them; `pbr=0` (what the vendor's
/// plugin sends to the others) and `shading=0` are accepted everywhere.
fn check_settings(form: &Form, capabilities: &ModelCapabilities) -> Result<(), Refusal> {
    let on = |name: &str| {
        form.field(name)
            .and_then(|text| text.trim().parse::<f64>().ok())
            .is_some_and(|value| value != 0.0)
    };
    let refused = (on("pbr") && capabilities.pbr == Support::Unsupported)
        || (on("shading") && capabilities.shading == Support::Unsupported);
    if refused {
        return Err(Refusal::SETTING_NOT_SUPPORTED);
    }
    Ok(())
}

/// The bitmap must name as many views as were sent, front included.
fn check_view_mask(mask: Option<&str>, count: usize) -> Result<(), Refusal> {
    let mismatch = Refusal::VIEW_MASK_MISMATCH;
    let Some(mask) = mask else {
        // Two clients never send the bitmap; the service then reads the views in order.
        return Ok(());
    };
    let mask: ViewMask = mask.parse().map_err(|_| mismatch)?;
    let named = View::KNOWN
        .iter()
        .filter(|view| mask.contains(view))
        .count();
    if named != count || !mask.contains(&View::Front) {
        return Err(mismatch);
    }
    Ok(())
}
