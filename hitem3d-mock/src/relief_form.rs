//! The rules of `depth/create-task`, as the mock applies them: one picture (a file or a URL),
//! a known format and quality tier, and settings within the spec's ranges.

use hitem3d_types::{
    ApiErrorCode, Model, OutputFormat, RELIEF_SETTINGS, ReliefFormat, ReliefModel, RequestType,
};

use crate::assets::relief::ReliefShape;
use crate::refusal::Refusal;
use crate::submit_form::{Form, check_picture};
use crate::task::SubmitRecord;
use crate::workshop::Product;

/// Applies the rules; the first broken one is answered.
pub(crate) fn check(form: &Form) -> Result<SubmitRecord, Refusal> {
    let files = form.files("image");
    let picture = match (files.as_slice(), form.field("image_url")) {
        ([], None) => return Err(Refusal::documented(&ApiErrorCode::ImagesRequired)),
        ([_, ..], Some(_)) => {
            return Err(Refusal::documented(&ApiErrorCode::BothImagesAndMultiImages));
        }
        ([_, _, ..], None) => return Err(Refusal::documented(&ApiErrorCode::TooManyMultiImages)),
        ([picture], None) => {
            check_picture(picture)?;
            picture.to_vec()
        }
        // The mock fetches nothing: a picture by URL becomes the stand-in shape.
        ([], Some(url)) if url.starts_with("http://") || url.starts_with("https://") => Vec::new(),
        ([], Some(_)) => return Err(Refusal::SETTING_INVALID),
    };
    let format = form
        .field("format")
        .and_then(|text| text.parse::<i64>().ok())
        .map(ReliefFormat::from_code)
        .filter(ReliefFormat::is_known)
        .ok_or_else(|| Refusal::documented(&ApiErrorCode::UnsupportedFormat))?;
    if let Some(model) = form.field("model_type")
        && !ReliefModel::from_wire(model).is_known()
    {
        return Err(Refusal::SETTING_INVALID);
    }
    for flag in ["rmbg", "shape_base", "sculpmode"] {
        if form
            .field(flag)
            .is_some_and(|text| !matches!(text, "0" | "1"))
        {
            return Err(Refusal::SETTING_INVALID);
        }
    }
    for setting in RELIEF_SETTINGS {
        let Some(text) = form.field(setting.field) else {
            continue;
        };
        if !text
            .parse::<f64>()
            .is_ok_and(|value| setting.accepts(value))
        {
            return Err(Refusal::SETTING_INVALID);
        }
    }
    let shape = ReliefShape::from_settings(
        |field| form.field(field).and_then(|text| text.parse().ok()),
        form.field("sculpmode") == Some("1"),
    );
    Ok(SubmitRecord {
        model: Model::from_wire("relief"),
        request_type: RequestType::GeometryAndTexture,
        resolution: None,
        format: OutputFormat::Glb,
        callback_url: form.field("callback_url").map(str::to_owned),
        picture,
        picture_name: form.first_file_name("image").map(str::to_owned),
        product: Some(Product::Relief(format, shape)),
    })
}
