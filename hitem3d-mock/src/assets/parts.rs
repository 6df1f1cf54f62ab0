//! The files of the mesh tasks: a mesh cut into parts (split, segmentation), packed as a ZIP of
//! part files, and a mesh whose colours are reduced to a few (multicolor). The mesh is the
//! relief of the task's stand-in picture: the mock reads no uploaded mesh.

use hitem3d_types::OutputFormat;

use super::mesh::{Mesh, PixelGrid};
use super::{GeneratedFile, model_file, zip_package};

/// Mesh cells across.
const MESH_SIZE: u32 = 40;

/// The colours a recoloured mesh picks from, in order: distinct, printable filament colours.
const PALETTE: [[f32; 3]; 8] = [
    [0.9, 0.9, 0.9],
    [0.1, 0.1, 0.1],
    [0.8, 0.1, 0.1],
    [0.1, 0.6, 0.2],
    [0.1, 0.3, 0.8],
    [0.95, 0.8, 0.1],
    [0.9, 0.45, 0.1],
    [0.5, 0.2, 0.6],
];

fn stand_in(picture: &[u8]) -> Mesh {
    PixelGrid::from_picture(picture, MESH_SIZE).relief()
}

/// `count` parts (at least one), as `part_1.<ext>` … in a ZIP.
#[must_use]
pub fn file(picture: &[u8], format: &OutputFormat, count: usize) -> GeneratedFile {
    let count = count.max(1);
    let mesh = stand_in(picture);
    let parts = split(&mesh, count);
    let files: Vec<(String, Vec<u8>)> = parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let file = model_file(part, format);
            (format!("part_{}.{}", index + 1, file.extension), file.bytes)
        })
        .collect();
    let named: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.clone()))
        .collect();
    GeneratedFile {
        bytes: zip_package::write(&named, 4),
        extension: "zip",
        content_type: "application/zip",
    }
}

/// The mesh with each vertex's colour replaced by the nearest of the first `colors` palette
/// colours (0: all of them).
#[must_use]
pub fn recolored(picture: &[u8], format: &OutputFormat, colors: usize) -> GeneratedFile {
    let palette = &PALETTE[..if colors == 0 {
        PALETTE.len()
    } else {
        colors.min(PALETTE.len())
    }];
    let mut mesh = stand_in(picture);
    for color in &mut mesh.colors {
        if let Some(nearest) = palette
            .iter()
            .min_by(|a, b| distance(a, color).total_cmp(&distance(b, color)))
        {
            *color = *nearest;
        }
    }
    model_file(&mesh, format)
}

fn distance(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    (0..3).map(|i| (a[i] - b[i]).powi(2)).sum()
}

/// Cuts the mesh into `count` slices across its width, by each triangle's centre, keeping the
/// vertices each slice uses.
fn split(mesh: &Mesh, count: usize) -> Vec<Mesh> {
    let (min, max) = mesh.bounds();
    let width = (max[0] - min[0]).max(f32::EPSILON);
    let mut parts = vec![Mesh::default(); count];
    for triangle in mesh.indices.chunks_exact(3) {
        let centre = triangle
            .iter()
            .map(|&i| mesh.positions[i as usize][0])
            .sum::<f32>()
            / 3.0;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a share of a small count"
        )]
        let slot = (((centre - min[0]) / width) * count as f32) as usize;
        let part = &mut parts[slot.min(count - 1)];
        for &i in triangle {
            let i = i as usize;
            part.indices
                .push(u32::try_from(part.positions.len()).expect("small meshes"));
            part.positions.push(mesh.positions[i]);
            part.normals.push(mesh.normals[i]);
            part.colors.push(mesh.colors[i]);
        }
    }
    parts.retain(|part| !part.indices.is_empty());
    parts
}
