//! A mesh to upload: its type judged from its content, in memory or streamed from disk.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use hitem3d_types::upload;

use crate::{Error, Image, OpenFile};

/// A mesh file type the upload accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MeshFormat {
    /// Binary glTF.
    Glb,
    /// Wavefront OBJ (text).
    Obj,
    /// STL, binary or ASCII.
    Stl,
    /// Autodesk FBX, binary or text.
    Fbx,
    /// USDZ (a zip package).
    Usdz,
}

impl MeshFormat {
    /// Every format, in the spec's order.
    pub const ALL: [Self; 5] = [Self::Glb, Self::Usdz, Self::Obj, Self::Fbx, Self::Stl];

    /// The file extension, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Glb => "glb",
            Self::Obj => "obj",
            Self::Stl => "stl",
            Self::Fbx => "fbx",
            Self::Usdz => "usdz",
        }
    }

    /// The format a file name's extension names, if it is one the upload accepts.
    #[must_use]
    pub fn from_extension(extension: &str) -> Option<Self> {
        let extension = extension.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|format| format.extension() == extension)
            .filter(|format| upload::MESH_EXTENSIONS.contains(&format.extension()))
    }

    /// Whether `head` (the file's first bytes) and `len` fit this format. Loose where formats
    /// are: text formats only must not start like a web page or another binary format.
    #[must_use]
    pub fn fits(self, head: &[u8], len: u64) -> bool {
        let text = !head.is_empty()
            && head
                .iter()
                .all(|byte| byte.is_ascii_graphic() || byte.is_ascii_whitespace());
        let page = head
            .iter()
            .skip_while(|byte| byte.is_ascii_whitespace())
            .take(1)
            .any(|byte| *byte == b'<' || *byte == b'{');
        match self {
            Self::Glb => head.starts_with(b"glTF"),
            Self::Usdz => head.starts_with(b"PK\x03\x04"),
            Self::Fbx => head.starts_with(b"Kaydara FBX Binary") || head.starts_with(b"; FBX"),
            Self::Stl if head.starts_with(b"solid") && text => true,
            Self::Stl => head.get(80..84).is_some_and(|count| {
                let triangles = u32::from_le_bytes([count[0], count[1], count[2], count[3]]);
                len == 84 + 50 * u64::from(triangles)
            }),
            Self::Obj => text && !page,
        }
    }
}

impl fmt::Display for MeshFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A mesh to upload for `mesh_url` (to texture it, or for the mesh tasks).
///
/// ```
/// use hitem3d_core::{MeshFile, MeshFormat};
///
/// let glb = b"glTF\x02\x00\x00\x00 and the rest".to_vec();
/// let mesh = MeshFile::new(glb, MeshFormat::Glb)?;
/// assert_eq!(mesh.format(), MeshFormat::Glb);
///
/// let page = b"<html>not found</html>".to_vec();
/// let error = MeshFile::new(page, MeshFormat::Glb).unwrap_err();
/// assert!(error.to_string().contains("does not look like a GLB"));
/// # Ok::<(), hitem3d_core::MeshError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MeshFile {
    contents: Image,
    format: MeshFormat,
}

/// Why a mesh cannot be uploaded; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The name's extension is no mesh type the upload takes.
    #[error(
        "{name:?} is not a mesh file the upload takes (by its extension); use a .glb, .usdz, \
         .obj, .fbx or .stl file"
    )]
    UnknownType {
        /// The file's name.
        name: String,
    },
    /// The content does not match the type.
    #[error("the file does not look like a {expected} mesh: it starts with {head}; check the file")]
    WrongContent {
        /// The type its name or caller declared.
        expected: String,
        /// Its first bytes, as `0x..` hex.
        head: String,
    },
    /// Empty, or over the size limit.
    #[error("the mesh has {len} bytes; it must have 1 to {max} (200 MB)")]
    Size {
        /// Its size.
        len: u64,
        /// The limit.
        max: u64,
    },
}

impl MeshFile {
    /// Mesh bytes in memory, of `format`.
    ///
    /// # Errors
    /// [`MeshError`] when the bytes are empty, too large, or not of `format`.
    pub fn new(data: impl Into<Bytes>, format: MeshFormat) -> Result<Self, MeshError> {
        Self::checked(Image::new(data), format)
    }

    /// The mesh at `path`, `len` bytes long, whose first bytes `content` yields, its type
    /// named by its extension; the front-end streams the file when it uploads.
    ///
    /// # Errors
    /// [`Error::File`] when `content` cannot be read, [`Error::Mesh`] when the file is not a
    /// mesh the upload takes.
    pub fn from_file(
        path: impl Into<PathBuf>,
        len: u64,
        content: impl Read,
    ) -> Result<Self, Error> {
        let path = path.into();
        let format = path
            .extension()
            .and_then(|extension| extension.to_str())
            .and_then(MeshFormat::from_extension)
            .ok_or_else(|| MeshError::UnknownType {
                name: path
                    .file_name()
                    .map_or_else(String::new, |name| name.to_string_lossy().into_owned()),
            })?;
        let contents = Image::from_file(&path, len, content)
            .map_err(|error: io::Error| Error::file("read the mesh", &path, error))?;
        Ok(Self::checked(contents, format)?)
    }

    /// The mesh at `path`, opened with the front-end's `open`: what the clients'
    /// `mesh_from_path` does.
    ///
    /// # Errors
    /// As [`MeshFile::from_file`].
    pub fn open(path: &Path, open: &mut OpenFile) -> Result<Self, Error> {
        let (len, content) =
            open(path).map_err(|error| Error::file("read the mesh", path, error))?;
        Self::from_file(path, len, content)
    }

    fn checked(contents: Image, format: MeshFormat) -> Result<Self, MeshError> {
        let len = contents.len();
        if len == 0 || len > upload::MAX_MESH_BYTES {
            return Err(MeshError::Size {
                len,
                max: upload::MAX_MESH_BYTES,
            });
        }
        if !format.fits(contents.head(), len) {
            let head = contents
                .head()
                .iter()
                .take(8)
                .map(|byte| format!("0x{byte:02x}"))
                .collect::<Vec<_>>()
                .join(" ");
            return Err(MeshError::WrongContent {
                expected: format.extension().to_ascii_uppercase(),
                head,
            });
        }
        Ok(Self { contents, format })
    }

    /// Its type.
    #[must_use]
    pub fn format(&self) -> MeshFormat {
        self.format
    }

    /// Its size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.contents.len()
    }

    /// Never true: an empty mesh is refused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.contents.is_empty()
    }

    /// The bytes, or the file to stream them from.
    pub(crate) fn contents(&self) -> &Image {
        &self.contents
    }
}

impl fmt::Debug for MeshFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeshFile")
            .field("format", &self.format)
            .field("len", &self.len())
            .field("path", &self.contents.path())
            .finish()
    }
}
