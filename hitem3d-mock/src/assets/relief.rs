//! A relief task's file: a height map of the picture (16-bit PNG, 32-bit float EXR, 8-bit
//! BMP), or the height-field mesh raised from it (STL, GLB, 3MF).

use std::io::Cursor;

use hitem3d_types::ReliefFormat;
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb};

use super::mesh::PixelGrid;
use super::{GeneratedFile, glb, stl, three_mf};

/// Height map pixels across: enough to show the picture, small enough to make at once.
const MAP_SIZE: u32 = 128;

/// Mesh cells across.
const MESH_SIZE: u32 = 56;

/// The file for `format` (unknown formats get a PNG height map).
#[must_use]
pub fn file(picture: &[u8], format: &ReliefFormat) -> GeneratedFile {
    match format {
        ReliefFormat::Stl | ReliefFormat::Glb | ReliefFormat::ThreeMf => {
            let mesh = PixelGrid::from_picture(picture, MESH_SIZE).relief();
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
