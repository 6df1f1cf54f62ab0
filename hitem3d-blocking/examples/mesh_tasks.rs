//! The tasks that take a mesh: the mesh is uploaded once (`upload/token`, then a signed put
//! to the object storage), and its public URL is split into printable parts, segmented, and
//! reduced to four colours. Each result goes to `mesh-results/`.
//!
//! ```sh
//! cargo run --example mesh_tasks                 # first makes a mesh from the sample house
//! cargo run --example mesh_tasks -- chair.glb
//! ```
//!
//! With `HITEM3D_CLIENT_ID` and `HITEM3D_CLIENT_SECRET` set it uses the real service (and
//! spends credits: about 20 per task); without them, the built-in mock.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hitem3d_blocking::types::{MeshLevel, Model, OutputFormat, RequestType};
use hitem3d_blocking::{
    Error, GenerateOptions, MeshTask, ResultKind, SubmitTask, image_from_path, mesh_from_path,
};

const USAGE: &str = "usage: mesh_tasks [MESH]

Uploads MESH (.glb, .obj, .stl, .fbx, .usdz), then splits, segments and recolours it; the
results go to mesh-results/. Without MESH, first makes one from the sample house picture.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(args.first().map(PathBuf::from)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(mesh_path: Option<PathBuf>) -> Result<(), Error> {
    let (client, _mock) = support::client_or_mock(240.0)?;
    let out = Path::new("mesh-results");
    let mesh_path = match mesh_path {
        Some(path) => path,
        None => {
            let picture =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../hitem3d-cli/images/front.png");
            let task = SubmitTask::builder(Model::Hitem3dV1_5)
                .image(image_from_path(&picture)?)
                .request_type(RequestType::Geometry)
                .format(OutputFormat::Glb)
                .build()?;
            println!("making a mesh from {} first", picture.display());
            client.generate(task, GenerateOptions::new(out))?.model.path
        }
    };
    let mesh_url = client.upload_mesh(mesh_from_path(&mesh_path)?)?;
    println!("uploaded {}", mesh_path.display());

    let tasks = [
        (
            "split",
            MeshTask::split_general(MeshLevel::Medium)
                .mesh_url(mesh_url.clone())
                .format(OutputFormat::Stl)
                .build()?,
        ),
        (
            "segmentation",
            MeshTask::segmentation(MeshLevel::Low)
                .mesh_url(mesh_url.clone())
                .format(OutputFormat::Glb)
                .build()?,
        ),
        (
            "multicolor",
            MeshTask::multicolor(4)
                .mesh_url(mesh_url)
                .format(OutputFormat::ThreeMf)
                .build()?,
        ),
    ];
    std::fs::create_dir_all(out).map_err(|error| Error::file("create", out, error))?;
    for (name, task) in tasks {
        let task_id = client.submit(task)?;
        println!("{name} task {task_id} created; waiting for it");
        let outcome = client.wait(&task_id)?;
        // Parts come as a ZIP; the link's own extension says which file it is.
        let extension = outcome
            .result
            .model_url
            .split('?')
            .next()
            .and_then(|path| path.rsplit_once('.'))
            .map_or("bin", |(_, extension)| extension);
        let path = out.join(format!("{name}.{extension}"));
        let saved = client.download(&outcome.result, ResultKind::Model, &path)?;
        println!("  saved {} ({} bytes)", saved.path.display(), saved.bytes());
    }
    Ok(())
}
