//! `hitem3d split`, `segment`, `multicolor` and `upload`: the tasks that take a mesh.

use std::path::Path;

use hitem3d_async::MeshTaskBuilder;
use hitem3d_async::types::{MeshLevel, SplitJoint, SplitPart};
use hitem3d_async::{MeshTask, mesh_from_path};
use serde_json::json;

use crate::cli::{MeshArgs, MulticolorArgs, SegmentArgs, SplitArgs, SplitKind, UploadArgs};
use crate::commands::task_run::run_task;
use crate::exit_code::{Exit, Failure};
use crate::report::Report;
use crate::session::{Connect, connect};

/// Runs `hitem3d split`.
pub async fn split(args: SplitArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    // A setting of the other kind would be dropped unsaid, and the split paid all the same.
    let builder = match (args.kind, args.level, args.parts, args.joint) {
        (SplitKind::General, level, None, None) => {
            MeshTask::split_general(level.unwrap_or(MeshLevel::Medium))
        }
        (SplitKind::Character, None, parts, joint) => MeshTask::split_character(
            parts.unwrap_or(SplitPart::A),
            joint.unwrap_or(SplitJoint::None),
        ),
        (SplitKind::General, ..) => {
            return Err(Failure::invalid(
                "--parts and --joint are for --kind character: a general object is split by \
                 --level (nothing was sent or paid)",
            ));
        }
        (SplitKind::Character, ..) => {
            return Err(Failure::invalid(
                "--level is for a general object: give --kind general, or split the character \
                 by --parts and --joint (nothing was sent or paid)",
            ));
        }
    };
    run(builder, &args.mesh, "split", how, report).await
}

/// Runs `hitem3d segment`.
pub async fn segment(args: SegmentArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let builder = MeshTask::segmentation(args.level.clone());
    let mut mesh = args.mesh;
    // The service needs a format for segments; GLB keeps them apart as named meshes.
    mesh.format
        .get_or_insert(hitem3d_async::types::OutputFormat::Glb);
    run(builder, &mesh, "segments", how, report).await
}

/// Runs `hitem3d multicolor`.
pub async fn multicolor(
    args: MulticolorArgs,
    how: &Connect,
    report: Report,
) -> Result<Exit, Failure> {
    let builder = MeshTask::multicolor(args.colors);
    run(builder, &args.mesh, "multicolor", how, report).await
}

/// Runs `hitem3d upload`: prints the public URL a task's `--mesh-url` can use.
pub async fn upload(args: &UploadArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let mesh = read_mesh(&args.mesh).await?;
    let session = connect(how, report).await?;
    let ephemeral = session.say_nothing_outlives_the_mock("the uploaded mesh", report);
    let url = session.client.upload_mesh(mesh).await?;
    report.emit(
        "uploaded",
        json!({"path": args.mesh.display().to_string(), "url": url,
               "ends_with_this_process": ephemeral}),
        &url,
    );
    Ok(Exit::Done)
}

/// The mesh task from `builder` and the common options, run to its saved file.
async fn run(
    mut builder: MeshTaskBuilder,
    args: &MeshArgs,
    suffix: &str,
    how: &Connect,
    report: Report,
) -> Result<Exit, Failure> {
    let is_url = args.mesh.starts_with("http://") || args.mesh.starts_with("https://");
    let stem_base = if is_url {
        "mesh".to_owned()
    } else {
        let path = Path::new(&args.mesh);
        builder = builder.mesh(read_mesh(path).await?);
        path.file_stem().map_or_else(
            || "mesh".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        )
    };
    if is_url {
        builder = builder.mesh_url(args.mesh.clone());
    }
    if let Some(format) = &args.format {
        builder = builder.format(format.clone());
    }
    let task = builder.build()?;
    let stem = args
        .name
        .clone()
        .unwrap_or_else(|| format!("{stem_base}-{suffix}"));
    run_task(task.into(), &stem, &args.output, how, report).await
}

/// A mesh file, its type checked from its name and first bytes.
async fn read_mesh(path: &Path) -> Result<hitem3d_async::MeshFile, Failure> {
    mesh_from_path(path).await.map_err(|error| match error {
        hitem3d_async::Error::File { source, .. } => Failure::invalid(format!(
            "cannot read {}: {}",
            path.display(),
            crate::wording::io_problem(&source)
        )),
        other => Failure::invalid(format!(
            "{}: {}",
            path.display(),
            crate::wording::error(&other)
        )),
    })
}
