//! Real result files, made from the input picture.

mod cover;
mod fbx;
mod glb;
mod jpeg_frame;
mod mesh;
mod obj;
pub mod parts;
pub mod relief;
mod stl;
mod three_mf;
mod usdz;
mod zip_package;

use hitem3d_types::{OutputFormat, Resolution};

pub use mesh::{MAX_PICTURE_SIDE, Mesh, PixelGrid, picture_size_acceptable};

/// A generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The file extension, without the dot.
    pub extension: &'static str,
    /// The media type.
    pub content_type: &'static str,
}

/// Grid cells across for a resolution: finer for the higher ones.
#[must_use]
pub fn grid_size(resolution: Option<&Resolution>) -> u32 {
    match resolution.map(Resolution::as_str) {
        Some("512") => 24,
        Some("1024") => 40,
        Some(r) if r.starts_with("2048") => 72,
        _ => 56,
    }
}

/// The model file for `format` (unknown formats get GLB) and the cover, from the picture.
#[must_use]
pub fn generate(
    picture: &[u8],
    resolution: Option<&Resolution>,
    format: &OutputFormat,
) -> (GeneratedFile, GeneratedFile) {
    let grid = PixelGrid::from_picture(picture, grid_size(resolution));
    let mesh = grid.relief();
    let model = model_file(&mesh, format);
    let cover = GeneratedFile {
        bytes: cover::write(&grid),
        extension: hitem3d_types::limits::COVER_EXTENSION,
        content_type: "image/webp",
    };
    (model, cover)
}

/// The mesh written in `format`.
#[must_use]
pub fn model_file(mesh: &Mesh, format: &OutputFormat) -> GeneratedFile {
    let (bytes, extension, content_type) = match format {
        OutputFormat::Obj => (obj::write(mesh), "obj", "text/plain"),
        OutputFormat::Stl => (stl::write(mesh), "stl", "model/stl"),
        OutputFormat::Fbx => (fbx::write(mesh), "fbx", "application/octet-stream"),
        OutputFormat::Usdz => (usdz::write(mesh), "usdz", "model/vnd.usdz+zip"),
        OutputFormat::ThreeMf => (three_mf::write(mesh), "3mf", "model/3mf"),
        _ => (glb::write(mesh), "glb", "model/gltf-binary"),
    };
    GeneratedFile {
        bytes,
        extension,
        content_type,
    }
}
