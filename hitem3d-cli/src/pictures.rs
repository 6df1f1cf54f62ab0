//! The pictures of an image-to-3D task: read from disk and checked first, each problem
//! named by its file; or the built-in sample house.

use std::path::{Path, PathBuf};

use hitem3d_async::types::View;
use hitem3d_async::{Image, image_from_path};

use crate::cli::PictureArgs;
use crate::exit_code::Failure;

/// The sample house, drawn by `cargo xtask sample-images`, built into the binary so that
/// `hitem3d generate` works anywhere.
const SAMPLE: [(View, &[u8]); 4] = [
    (View::Front, include_bytes!("../images/front.png")),
    (View::Back, include_bytes!("../images/back.png")),
    (View::Left, include_bytes!("../images/left.png")),
    (View::Right, include_bytes!("../images/right.png")),
];

/// One picture, with where it came from.
#[derive(Debug, Clone)]
pub struct Picture {
    /// The view, when more than one is given.
    pub view: Option<View>,
    /// The file, or `None` for the sample.
    pub path: Option<PathBuf>,
    /// The picture for the SDK.
    pub image: Image,
}

/// The pictures the arguments give: one, several views, or the sample house's four views.
///
/// # Errors
/// A view without the front one, a file that cannot be read, or one that is no picture the
/// service takes: exit code 2, naming the file and what it is.
pub async fn pictures(args: &PictureArgs) -> Result<Vec<Picture>, Failure> {
    let others = [
        (View::Back, &args.back),
        (View::Left, &args.left),
        (View::Right, &args.right),
    ];
    let any_other = others.iter().any(|(_, path)| path.is_some());
    let Some(front) = &args.image else {
        if any_other {
            return Err(Failure::invalid(
                "views need the front view too: give it as the first argument, e.g. \
                 hitem3d generate front.png --back back.png",
            ));
        }
        return Ok(SAMPLE
            .iter()
            .map(|(view, bytes)| Picture {
                view: Some(view.clone()),
                path: None,
                image: Image::new(*bytes),
            })
            .collect());
    };
    if !any_other {
        return Ok(vec![read(None, front).await?]);
    }
    // Every view is read before any problem is reported: one run names them all.
    let mut pictures = Vec::new();
    let mut problems = Vec::new();
    let views = [(View::Front, Some(front))]
        .into_iter()
        .chain(others.map(|(view, path)| (view, path.as_ref())));
    for (view, path) in views {
        let Some(path) = path else { continue };
        match read(Some(view), path).await {
            Ok(picture) => pictures.push(picture),
            Err(failure) if failure.exit == crate::exit_code::Exit::Invalid => {
                problems.push(failure.message);
            }
            Err(failure) => return Err(failure),
        }
    }
    if problems.is_empty() {
        problems.extend(same_pictures(&pictures).await);
    }
    match problems.len() {
        0 => Ok(pictures),
        1 => Err(Failure::invalid(problems.remove(0))),
        count => Err(Failure::invalid(format!(
            "nothing was sent or charged: {count} problems with the pictures\n  - {}",
            problems.join("\n  - ")
        ))),
    }
}

/// Views that are one picture under two names (a copy, or the same file by another path):
/// one picture for two sides makes a model of neither, and is paid all the same. The SDK
/// compares the pictures it is given, not the contents of their files.
async fn same_pictures(pictures: &[Picture]) -> Vec<String> {
    let mut contents: Vec<(&Picture, Vec<u8>)> = Vec::new();
    let mut problems = Vec::new();
    for picture in pictures {
        let Some(path) = &picture.path else { continue };
        // A file that cannot be read now is reported when it is sent.
        let Ok(bytes) = tokio::fs::read(path).await else {
            continue;
        };
        if let Some((earlier, _)) = contents.iter().find(|(_, seen)| *seen == bytes) {
            problems.push(format!(
                "{} ({} view) and {} ({} view) are the same picture: give each view a picture \
                 of its own side",
                earlier.path.as_deref().unwrap_or(path).display(),
                view_name(earlier),
                path.display(),
                view_name(picture)
            ));
        }
        contents.push((picture, bytes));
    }
    problems
}

fn view_name(picture: &Picture) -> &str {
    picture.view.as_ref().map_or("front", View::as_str)
}

/// Reads one picture; streamed from disk when sent, checked now.
pub async fn read(view: Option<View>, path: &Path) -> Result<Picture, Failure> {
    // A pipe or device is refused before it is opened: opening a pipe no program writes to
    // waits for ever, and one that is written to has no size to check before sending.
    if let Ok(metadata) = tokio::fs::metadata(path).await
        && !metadata.is_file()
    {
        return Err(Failure::invalid(format!(
            "{} is {}, not a picture file: give the path of a PNG, JPEG or WebP file",
            path.display(),
            if metadata.is_dir() {
                "a folder"
            } else {
                "a pipe or device"
            }
        )));
    }
    let image = image_from_path(path).await.map_err(|error| match error {
        hitem3d_async::Error::File { source, .. } => Failure::invalid(format!(
            "cannot read {}: {}",
            path.display(),
            crate::wording::io_problem(&source)
        )),
        other => Failure::from(other),
    })?;
    if image.format().is_none() {
        return Err(Failure::invalid(format!(
            "{} is {}: the service takes PNG, JPEG or WebP pictures (judged by content, not by \
             name); convert it",
            path.display(),
            image.describe_content()
        )));
    }
    Ok(Picture {
        view,
        path: Some(path.to_path_buf()),
        image,
    })
}

/// The stem for files made from these pictures: the first picture's name, or "house" for
/// the sample.
pub fn default_stem(pictures: &[Picture]) -> String {
    pictures
        .first()
        .and_then(|picture| picture.path.as_deref())
        .and_then(Path::file_stem)
        .map_or_else(
            || "house".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        )
}
