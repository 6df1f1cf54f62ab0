//! Where a download is written before it is complete.

use std::io;
use std::path::{Path, PathBuf};

use crate::Error;

/// Where the temporary file of a download to `path` goes: the same directory, so that the
/// final rename stays on one file system, under a hidden name that says what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartialLocation {
    /// The directory of the final file (`.` for a bare file name).
    pub dir: PathBuf,
    /// The start of the temporary file's name: `.` and the final name, then a dot.
    pub prefix: String,
    /// The end of the temporary file's name.
    pub suffix: &'static str,
}

impl PartialLocation {
    /// The location for a download to `path`.
    ///
    /// ```
    /// use std::path::Path;
    /// use hitem3d_core::PartialLocation;
    ///
    /// let partial = PartialLocation::for_path(Path::new("out/chair.glb"))?;
    /// assert_eq!(partial.dir, Path::new("out"));
    /// assert_eq!(partial.prefix, ".chair.glb.");
    /// # Ok::<(), hitem3d_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::File`] when `path` names no file (it ends in `..` or is a root).
    pub fn for_path(path: &Path) -> Result<Self, Error> {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().ok_or_else(|| {
            Error::file(
                "write to",
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
            )
        })?;
        Ok(Self {
            dir,
            prefix: format!(".{}.", name.to_string_lossy()),
            suffix: ".part",
        })
    }
}
