//! An image-to-3D task from the command line: the SDK's task, and the journal key that makes
//! the same pictures and options the same paid task.

use hitem3d_async::journal::JournalKey;
use hitem3d_async::{SubmitTask, ValidationError};
use sha2::{Digest, Sha256};

use crate::cli::ModelArgs;
use crate::exit_code::Failure;
use crate::pictures::Picture;

/// The task, validated by the SDK before anything is sent.
///
/// # Errors
/// Every problem the SDK finds, for the caller to word for its reader (exit code 2).
pub fn build(pictures: &[Picture], model: &ModelArgs) -> Result<SubmitTask, ValidationError> {
    let mut builder = SubmitTask::builder(model.model.clone()).format(model.format.clone());
    match pictures {
        [single] if single.view.is_none() => builder = builder.image(single.image.clone()),
        views => {
            for picture in views {
                let view = picture
                    .view
                    .clone()
                    .unwrap_or(hitem3d_async::types::View::Front);
                builder = builder.view(view, picture.image.clone());
            }
        }
    }
    if let Some(resolution) = &model.resolution {
        builder = builder.resolution(resolution.clone());
    }
    if let Some(request_type) = &model.request_type {
        builder = builder.request_type(request_type.clone());
    }
    if let Some(mesh_url) = &model.mesh_url {
        builder = builder.mesh_url(mesh_url.clone());
    }
    if let Some(face) = model.face {
        builder = builder.face(face);
    }
    builder.build()
}

/// The key of a task in the journal: a digest of what decides the result (the pictures'
/// contents and views, model, resolution, request type, faces, format, mesh), not of where it
/// is saved. The same command run again finds the task it paid for.
///
/// # Errors
/// A picture that cannot be read.
pub async fn journal_key(pictures: &[Picture], model: &ModelArgs) -> Result<JournalKey, Failure> {
    let mut digest = Sha256::new();
    let options = format!(
        "image-to-3d|{}|{:?}|{:?}|{:?}|{:?}|{}",
        model.model,
        model.resolution.as_ref().map(ToString::to_string),
        model.request_type.as_ref().map(ToString::to_string),
        model.face,
        model.mesh_url,
        model.format
    );
    digest.update(options.as_bytes());
    for picture in pictures {
        let view = picture.view.as_ref().map_or("image", |view| view.as_str());
        digest.update(view.as_bytes());
        let bytes = match &picture.path {
            Some(path) => tokio::fs::read(path).await.map_err(|error| {
                Failure::invalid(format!(
                    "cannot read {}: {}",
                    path.display(),
                    crate::wording::io_problem(&error)
                ))
            })?,
            None => picture
                .image
                .data()
                .map(|bytes| bytes.to_vec())
                .unwrap_or_default(),
        };
        digest.update(Sha256::digest(&bytes));
    }
    let hex: String = digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok(JournalKey::new(format!("sha256:{hex}")))
}
