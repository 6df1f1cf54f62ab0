//! The rules of the mesh tasks (split, segmentation, multicolor), as the mock applies them: one
//! mesh (a file or a URL), a format the task answers in, and known choices.

use hitem3d_types::{
    ApiErrorCode, MULTICOLOR_COLORS, MULTICOLOR_DEFAULT_COLORS, MeshLevel, MeshTaskSpec, Model,
    OutputFormat, RequestType, SplitJoint, SplitPart, TaskType, upload,
};

use crate::refusal::Refusal;
use crate::submit_form::Form;
use crate::task::SubmitRecord;
use crate::workshop::Product;

/// Parts per level: split (general) and segmentation.
fn parts_for(level: &MeshLevel) -> usize {
    match level {
        MeshLevel::Low => 3,
        MeshLevel::High => 8,
        _ => 5,
    }
}

/// Applies the rules of `task_type`; the first broken one is answered.
pub(crate) fn check(form: &Form, task_type: TaskType) -> Result<SubmitRecord, Refusal> {
    let invalid = Refusal::SETTING_INVALID;
    let spec = MeshTaskSpec::of(task_type).ok_or(invalid)?;
    let files = form.files("mesh");
    match (files.as_slice(), form.field("mesh_url")) {
        ([], None) => return Err(Refusal::documented(&ApiErrorCode::ImagesRequired)),
        ([_, ..], Some(_)) => {
            return Err(Refusal::documented(&ApiErrorCode::BothImagesAndMultiImages));
        }
        ([mesh], None) => {
            if mesh.is_empty() {
                return Err(Refusal::documented(&ApiErrorCode::EmptyFile));
            }
            if mesh.len() as u64 > upload::MAX_MESH_BYTES {
                return Err(Refusal::documented(&ApiErrorCode::FileTooLarge));
            }
        }
        ([], Some(url)) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            return Err(Refusal::documented(&ApiErrorCode::MeshUrlNotHttp));
        }
        _ => {}
    }
    let character = task_type == TaskType::Split && form.field("model") != Some("general");
    let format_code = match form.field("format") {
        Some(text) => text
            .parse::<i64>()
            .map_err(|_| Refusal::documented(&ApiErrorCode::UnsupportedFormat))?,
        None => spec
            .default_format
            .ok_or_else(|| Refusal::documented(&ApiErrorCode::UnsupportedFormat))?,
    };
    let formats = if character {
        spec.character_formats
    } else {
        spec.formats
    };
    if !formats.contains(&format_code) {
        return Err(Refusal::documented(&ApiErrorCode::UnsupportedFormat));
    }
    let format = OutputFormat::from_code(format_code);
    let known = |field: &str, ok: &dyn Fn(&str) -> bool| form.field(field).is_none_or(ok);
    let level = |field: &str| {
        form.field(field)
            .map_or(MeshLevel::Medium, MeshLevel::from_wire)
    };
    let product = match task_type {
        TaskType::Split => {
            let model_ok = known("model", &|m| matches!(m, "character" | "general"));
            let part_ok = known("part", &|p| SplitPart::from_wire(p).is_known());
            let joint_ok = known("joint", &|j| SplitJoint::from_wire(j).is_known());
            let merge_ok = known("merge", &|m| matches!(m, "yes" | "no"));
            let level_ok = known("level", &|l| MeshLevel::from_wire(l).is_known());
            if !(model_ok && part_ok && joint_ok && merge_ok && level_ok) {
                return Err(invalid);
            }
            let count = if character {
                form.field("part")
                    .map_or(SplitPart::A, SplitPart::from_wire)
                    .parts()
                    .map_or(6, |parts| parts as usize)
            } else {
                parts_for(&level("level"))
            };
            Product::Parts { format, count }
        }
        TaskType::Segmentation => {
            if !known("seg_level", &|l| MeshLevel::from_wire(l).is_known()) {
                return Err(invalid);
            }
            Product::Parts {
                format,
                count: parts_for(&level("seg_level")),
            }
        }
        _ => {
            let colors = match form.field("number_color") {
                None => MULTICOLOR_DEFAULT_COLORS,
                Some(text) => text
                    .parse::<u32>()
                    .ok()
                    .filter(|colors| MULTICOLOR_COLORS.contains(colors))
                    .ok_or(invalid)?,
            };
            if form
                .field("model")
                .is_some_and(|model| model != "multicolor")
            {
                return Err(invalid);
            }
            Product::Recolored {
                format,
                colors: colors as usize,
            }
        }
    };
    Ok(SubmitRecord {
        model: Model::from_wire(task_type.name()),
        request_type: RequestType::GeometryAndTexture,
        resolution: None,
        format: OutputFormat::Glb,
        callback_url: form.field("callback_url").map(str::to_owned),
        // The stand-in shape: the mock reads no uploaded mesh.
        picture: Vec::new(),
        picture_name: form.first_file_name("mesh").map(str::to_owned),
        product: Some(product),
    })
}
