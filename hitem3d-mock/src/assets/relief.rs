//! A relief task's file: a height map of the picture (16-bit PNG, 32-bit float EXR, 8-bit
//! BMP), or the height-field mesh raised from it (STL, GLB, 3MF) in millimetres, as the
//! task's settings shape it: its width, relief height, base thickness, embossed or engraved.

use std::io::Cursor;

use hitem3d_types::ReliefFormat;
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb};

use super::mesh::{PixelGrid, Raise};
use super::{GeneratedFile, glb, stl, three_mf};

/// Height map pixels across: enough to show the picture, small enough to make at once.
const MAP_SIZE: u32 = 128;

/// Mesh cells across.
const MESH_SIZE: u32 = 56;

/// What a relief task's settings make of the picture, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliefShape {
    /// `width`: the plate along its longer side.
    pub width: f32,
    /// `height_relief`: how high the brightest part stands above the base.
    pub height: f32,
    /// `thickness_base`: the base under the relief.
    pub base: f32,
    /// `sculpmode=1`: carved into the base rather than raised from it.
    pub engrave: bool,
}

impl ReliefShape {
    /// The shape from the task's settings, each missing one at the service's default (the
    /// spec's).
    #[must_use]
    pub fn from_settings(setting: impl Fn(&str) -> Option<f64>, engrave: bool) -> Self {
        let value = |field: &str| {
            let default = hitem3d_types::ReliefSetting::named(field).map_or(1.0, |s| s.default);
            #[allow(clippy::cast_possible_truncation, reason = "settings are small")]
            let value = setting(field).unwrap_or(default) as f32;
            value
        };
        Self {
            width: value("width"),
            height: value("height_relief"),
            base: value("thickness_base"),
            engrave,
        }
    }

    /// In units of `unit` millimetres.
    fn raise(&self, unit: f32) -> Raise {
        // As in the height map: every object cell a tenth of the height at least.
        Raise {
            across: self.width / unit,
            plate: self.base / unit,
            lowest: 0.1 * self.height / unit,
            span: 0.9 * self.height / unit,
            engrave: self.engrave,
        }
    }
}

/// The file for `format` (unknown formats get a PNG height map).
#[must_use]
pub fn file(picture: &[u8], format: &ReliefFormat, shape: &ReliefShape) -> GeneratedFile {
    match format {
        ReliefFormat::Stl | ReliefFormat::Glb | ReliefFormat::ThreeMf => {
            // STL and 3MF count in millimetres, glTF in metres.
            let unit = if *format == ReliefFormat::Glb {
                1000.0
            } else {
                1.0
            };
            let mesh = PixelGrid::from_picture(picture, MESH_SIZE).raised(&shape.raise(unit));
            let (bytes, extension, content_type) = match format {
                ReliefFormat::Stl => (stl::write(&mesh), "stl", "model/stl"),
                ReliefFormat::Glb => (glb::write(&mesh), "glb", "model/gltf-binary"),
                _ => (three_mf::write(&mesh), "3mf", "model/3mf"),
            };
            GeneratedFile {
                bytes,
                extension,
                content_type,
            }
        }
        ReliefFormat::Exr => height_map(picture, ImageFormat::OpenExr, "exr", "image/x-exr"),
        ReliefFormat::Bmp => height_map(picture, ImageFormat::Bmp, "bmp", "image/bmp"),
        _ => height_map(picture, ImageFormat::Png, "png", "image/png"),
    }
}

/// Heights from 0 (background) to 1 (the brightest part of the object).
fn heights(picture: &[u8]) -> (u32, u32, Vec<f32>) {
    let grid = PixelGrid::from_picture(picture, MAP_SIZE);
    let heights = grid
        .cells
        .iter()
        .map(|cell| {
            cell.map_or(0.0, |[r, g, b]| {
                // Brighter parts stand higher; every object cell at least a little.
                0.1 + 0.9 * (0.2126 * r + 0.7152 * g + 0.0722 * b)
            })
        })
        .collect();
    (grid.width, grid.height, heights)
}

fn height_map(
    picture: &[u8],
    format: ImageFormat,
    extension: &'static str,
    content_type: &'static str,
) -> GeneratedFile {
    let (width, height, values) = heights(picture);
    let at = |x: u32, y: u32| values[(y * width + x) as usize];
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "heights are in [0, 1]"
    )]
    let image = match format {
        ImageFormat::Png => {
            DynamicImage::ImageLuma16(ImageBuffer::from_fn(width, height, |x, y| {
                Luma([(at(x, y) * f32::from(u16::MAX)).round() as u16])
            }))
        }
        ImageFormat::OpenExr => {
            DynamicImage::ImageRgb32F(ImageBuffer::from_fn(width, height, |x, y| {
                let h = at(x, y);
                Rgb([h, h, h])
            }))
        }
        _ => DynamicImage::ImageLuma8(ImageBuffer::from_fn(width, height, |x, y| {
            Luma([(at(x, y) * 255.0).round() as u8])
        })),
    };
    let mut bytes = Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .expect("an in-memory height map encodes");
    GeneratedFile {
        bytes: bytes.into_inner(),
        extension,
        content_type,
    }
}
