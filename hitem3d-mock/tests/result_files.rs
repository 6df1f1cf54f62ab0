//! Generated files load in independent parsers, and keep the picture's shape.

mod support;

use std::io::{Cursor, Read as _};

use hitem3d_mock::assets::{self, PixelGrid};
use hitem3d_types::{OutputFormat, Resolution};

fn generate(format: &OutputFormat) -> (Vec<u8>, Vec<u8>) {
    let (model, cover) = assets::generate(&support::png(), Some(&Resolution::R1024), format);
    (model.bytes, cover.bytes)
}

#[test]
fn glb_loads_in_the_gltf_crate_with_its_attributes() {
    let (bytes, _) = generate(&OutputFormat::Glb);
    let (document, buffers, _) = gltf::import_slice(&bytes).expect("a valid GLB");
    let mesh = document.meshes().next().unwrap();
    let primitive = mesh.primitives().next().unwrap();
    let reader = primitive.reader(|buffer| Some(&buffers[buffer.index()]));
    let positions: Vec<[f32; 3]> = reader.read_positions().unwrap().collect();
    let normals: Vec<[f32; 3]> = reader.read_normals().unwrap().collect();
    let indices: Vec<u32> = reader.read_indices().unwrap().into_u32().collect();
    assert_eq!(positions.len(), normals.len());
    assert!(reader.read_colors(0).is_some());
    assert_eq!(indices.len() % 3, 0);
    assert!(indices.iter().all(|i| (*i as usize) < positions.len()));
    for n in &normals {
        let length = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        assert!((length - 1.0).abs() < 1e-5, "unit normals");
    }
    let bounds = primitive.bounding_box();
    assert!(bounds.max[0] - bounds.min[0] <= 1.0 + 1e-6);
}

#[test]
fn binary_stl_loads_in_stl_io() {
    let (bytes, _) = generate(&OutputFormat::Stl);
    let mesh = stl_io::read_stl(&mut Cursor::new(&bytes)).expect("a valid STL");
    assert!(mesh.faces.len() > 100);
    assert_eq!(bytes.len(), 84 + 50 * mesh.faces.len());
    mesh.validate().expect("every face refers to real vertices");
}

#[test]
fn obj_loads_in_tobj_with_colours() {
    let (bytes, _) = generate(&OutputFormat::Obj);
    let (models, _) = tobj::load_obj_buf(
        &mut Cursor::new(&bytes),
        &tobj::LoadOptions::default(),
        |_| Err(tobj::LoadError::OpenFileFailed),
    )
    .expect("a valid OBJ");
    let mesh = &models[0].mesh;
    assert!(!mesh.indices.is_empty());
    assert_eq!(mesh.vertex_color.len(), mesh.positions.len());
}

fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>, u64)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let offset = file.data_start().unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().unwrap().to_string(), data, offset)
        })
        .collect()
}

#[test]
fn usdz_is_an_aligned_zip_with_a_usda_layer() {
    let (bytes, _) = generate(&OutputFormat::Usdz);
    let entries = zip_entries(&bytes);
    assert_eq!(entries.len(), 1);
    let (name, data, offset) = &entries[0];
    assert_eq!(name, "model.usda");
    assert_eq!(offset % 64, 0, "USDZ data is 64-byte aligned");
    let text = String::from_utf8(data.clone()).unwrap();
    assert!(text.starts_with("#usda 1.0"));
    assert!(text.contains("point3f[] points"));
}

#[test]
fn three_mf_is_a_zip_with_the_core_parts() {
    let (bytes, _) = generate(&OutputFormat::ThreeMf);
    let names: Vec<String> = zip_entries(&bytes)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    assert_eq!(
        names,
        ["[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"]
    );
}

#[test]
fn fbx_is_an_ascii_fbx_document() {
    let (bytes, _) = generate(&OutputFormat::Fbx);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("; FBX 7.4.0 project file"));
    assert!(text.contains("PolygonVertexIndex"));
}

#[test]
fn the_cover_is_a_webp_of_the_object() {
    let (_, cover) = generate(&OutputFormat::Glb);
    assert_eq!(
        image::guess_format(&cover).unwrap(),
        image::ImageFormat::WebP
    );
    let picture = image::load_from_memory(&cover)
        .expect("a valid WebP")
        .to_rgb8();
    assert!(picture.width() >= 64);
    let centre = picture
        .get_pixel(picture.width() / 2, picture.height() / 2)
        .0;
    assert!(
        centre[0] > 150 && centre[1] < 100,
        "the red square is in the middle: {centre:?}"
    );
}

#[test]
fn the_mesh_follows_the_picture() {
    // A red square on white: only the square rises above the plate.
    let grid = PixelGrid::from_picture(&support::png(), 32);
    let object = grid.cells.iter().filter(|cell| cell.is_some()).count();
    assert_eq!(object, 16 * 16);
    let relief = grid.relief();
    // Top and bottom grids of 32 × 32 quads, and walls of 4 × 32 quads, two triangles each.
    assert_eq!(relief.triangle_count(), 2 * 32 * 32 * 2 + 2 * 4 * 32);
    let height_at = |x: f32, y: f32| {
        relief
            .positions
            .iter()
            .filter(|p| (p[0] - x).abs() < 0.02 && (p[1] - y).abs() < 0.02)
            .map(|p| p[2])
            .fold(0.0_f32, f32::max)
    };
    assert!(height_at(0.0, 0.0) > 0.05, "the square rises");
    assert!(height_at(0.45, 0.45) < 0.03, "the background stays flat");
}
