//! Geometry first, texture later: a cheap untextured mesh to check the shape, then a second
//! task that paints that mesh (`request_type` 2 with its `mesh_url`). Only some models can
//! texture an existing mesh; the SDK says which before anything is sent.
//!
//! ```sh
//! cargo run --example staged_texture               # the sample house
//! cargo run --example staged_texture -- chair.png
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::path::PathBuf;
use std::process::ExitCode;

use hitem3d_async::types::{Model, OutputFormat, RequestType, Support, View};
use hitem3d_async::{Error, GenerateOptions, Image, SubmitTask};

const USAGE: &str = "usage: staged_texture [PICTURE]

Makes the geometry of PICTURE first (request type 1), then textures that mesh (request type 2
with its URL); both models go to out/.";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match support::plain_arguments(USAGE) {
        Ok(args) => args,
        Err(exit) => return exit,
    };
    let path = args
        .first()
        .map_or_else(|| support::sample_picture(&View::Front), PathBuf::from);
    let picture = match support::read_picture(&path) {
        Ok(picture) => picture,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let session = match support::connect(120.0).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&session, picture).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => support::fail(&error),
    }
}

async fn run(session: &support::Session, picture: Vec<u8>) -> Result<(), Error> {
    let model = Model::Hitem3dV1_5;
    let texturing = match model.texture_existing_mesh() {
        Support::Supported => "yes",
        Support::Unsupported => "no",
        _ => "not confirmed by the docs",
    };
    println!("{model} textures existing meshes: {texturing}");

    let geometry = SubmitTask::builder(model.clone())
        .image(Image::new(picture.clone()))
        .request_type(RequestType::Geometry)
        .format(OutputFormat::Glb)
        .build()?;
    let shape = session
        .client
        .generate(
            geometry,
            GenerateOptions::new("out").with_file_stem("staged-geometry"),
        )
        .await?;
    println!(
        "1. geometry: {} ({} bytes)",
        shape.model.path.display(),
        shape.model.bytes()
    );

    // The mesh link is the geometry task's result link; it works for an hour.
    let texture = SubmitTask::builder(model)
        .image(Image::new(picture))
        .request_type(RequestType::Texture)
        .mesh_url(shape.wait.result.model_url.clone())
        .format(OutputFormat::Glb)
        .build()?;
    let textured = session
        .client
        .generate(
            texture,
            GenerateOptions::new("out").with_file_stem("staged-textured"),
        )
        .await?;
    println!(
        "2. textured: {} ({} bytes)",
        textured.model.path.display(),
        textured.model.bytes()
    );
    Ok(())
}
