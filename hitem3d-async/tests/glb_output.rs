//! The main job's output, checked by a parser that is not ours: the four sample views go
//! through `generate` on the mock, and the GLB that comes out must be a structurally valid
//! glTF 2.0 mesh by the `gltf` crate's reading. (For the Khronos validator, see the README.)

use std::path::Path;

use hitem3d_async::types::{Model, OutputFormat, View};
use hitem3d_async::{Client, GenerateOptions, Image, SubmitTask};
use hitem3d_mock::{MockConfig, MockService};

mod kit;

fn sample(view: &View) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../hitem3d-cli/images")
        .join(format!("{view}.png"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_main_job_writes_a_valid_glb_mesh() {
    let mock = MockService::start_with(MockConfig::fast()).await;
    let client = Client::new(kit::config_for(&mock)).unwrap();
    let dir = kit::out_dir();
    let mut builder = SubmitTask::builder(Model::Hitem3dV2_1).format(OutputFormat::Glb);
    for view in [View::Front, View::Back, View::Left, View::Right] {
        builder = builder.view(view.clone(), Image::new(sample(&view)));
    }

    let generated = client
        .generate(builder.build().unwrap(), GenerateOptions::new(dir.path()))
        .await
        .unwrap();

    let bytes = std::fs::read(&generated.model.path).unwrap();
    let glb = gltf::Glb::from_slice(&bytes).expect("a GLB container");
    assert_eq!(glb.header.version, 2);
    assert_eq!(
        glb.header.length as usize,
        bytes.len(),
        "the header's length is the file's"
    );
    let (document, buffers, _) = gltf::import_slice(&bytes).expect("glTF JSON that validates");
    assert_eq!(document.scenes().count(), 1);
    let mut triangles = 0;
    for mesh in document.meshes() {
        for primitive in mesh.primitives() {
            assert_eq!(primitive.mode(), gltf::mesh::Mode::Triangles);
            let reader = primitive.reader(|buffer| Some(&buffers[buffer.index()]));
            let positions: Vec<[f32; 3]> = reader.read_positions().expect("positions").collect();
            assert!(positions.len() >= 3);
            // The accessor's bounds (required for positions) must hold every vertex.
            let bounds = primitive.bounding_box();
            for position in &positions {
                for axis in 0..3 {
                    assert!(position[axis].is_finite());
                    assert!(
                        bounds.min[axis] <= position[axis] && position[axis] <= bounds.max[axis],
                        "vertex {position:?} outside the declared bounds {bounds:?}"
                    );
                }
            }
            let indices: Vec<u32> = reader.read_indices().expect("indices").into_u32().collect();
            assert_eq!(indices.len() % 3, 0, "whole triangles");
            assert!(
                indices
                    .iter()
                    .all(|&index| (index as usize) < positions.len())
            );
            triangles += indices.len() / 3;
            if let Some(normals) = reader.read_normals() {
                for normal in normals {
                    let length = normal.iter().map(|c| c * c).sum::<f32>().sqrt();
                    assert!((length - 1.0).abs() < 1e-3, "unit normals, got {length}");
                }
            }
        }
    }
    assert!(
        triangles > 100,
        "a real mesh, not a placeholder: {triangles} triangles"
    );
}
