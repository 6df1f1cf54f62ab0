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
    (
        View::Front,
        include_bytes!("../../examples/images/front.png"),
    ),
    (View::Back, include_bytes!("../../examples/images/back.png")),
    (View::Left, include_bytes!("../../examples/images/left.png")),
    (
        View::Right,
        include_bytes!("../../examples/images/right.png"),
    ),
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
    let mut pictures = vec![read(Some(View::Front), front).await?];
    for (view, path) in others {
        if let Some(path) = path {
            pictures.push(read(Some(view), path).await?);
        }
    }
    Ok(pictures)
}

/// Reads one picture; streamed from disk when sent, checked now.
pub async fn read(view: Option<View>, path: &Path) -> Result<Picture, Failure> {
    let image = image_from_path(path).await.map_err(|error| match error {
        hitem3d_async::Error::File { source, .. } => {
            Failure::invalid(format!("cannot read {}: {source}", path.display()))
        }
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
