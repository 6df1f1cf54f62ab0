//! An input picture: bytes in memory, or a file streamed from disk.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use hitem3d_types::ImageFormat;

use super::picture_header::{self, PictureHeader};
use crate::{Error, FileSegment, OpenFile};

/// How many of a file's first bytes are kept to judge its format: more than any signature,
/// and enough for a binary STL's triangle count (bytes 80 to 84) when the file is a mesh.
pub const IMAGE_HEAD_BYTES: usize = 96;

/// One input picture.
///
/// Its format is judged from the content ([`ImageFormat::sniff`]); a file name is never trusted.
/// In memory ([`Image::new`]), the bytes are shared, not copied, all the way into the request
/// body. On disk ([`Image::from_file`], or the clients' `image_from_path`), only the length and
/// the first bytes are held; the transport streams the file as it sends, so a submit's memory
/// does not grow with its pictures.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    source: Source,
}

#[derive(Clone, PartialEq, Eq)]
enum Source {
    Memory(Bytes),
    Disk {
        file: FileSegment,
        head: Bytes,
        /// The size read past the head (a JPEG's frame header can lie beyond it).
        scanned: Option<PictureHeader>,
    },
}

impl Image {
    /// Wraps image bytes (a `Vec<u8>`, `Bytes`, or `&'static [u8]`).
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self {
            source: Source::Memory(data.into()),
        }
    }

    /// A picture on disk at `path`, `len` bytes long, whose first bytes `content` yields (an
    /// open file, for one); reads [`IMAGE_HEAD_BYTES`] from it, and for a JPEG whose size
    /// lies past them, on to its frame header (at most a megabyte). The front-end that sends
    /// the task opens the file again and checks it still has `len` bytes.
    ///
    /// ```
    /// use hitem3d_core::Image;
    /// use hitem3d_core::types::ImageFormat;
    ///
    /// let png = &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01 and the rest of the file"[..];
    /// let image = Image::from_file("/pictures/front.png", 19_900_000, png)?;
    /// assert_eq!(image.len(), 19_900_000);
    /// assert_eq!(image.format(), Some(ImageFormat::Png));
    /// assert!(image.data().is_none(), "nothing of it is held but its head");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// What reading `content` fails with.
    pub fn from_file(
        path: impl Into<PathBuf>,
        len: u64,
        mut content: impl Read,
    ) -> io::Result<Self> {
        let mut head = Vec::with_capacity(IMAGE_HEAD_BYTES);
        (&mut content)
            .take(IMAGE_HEAD_BYTES as u64)
            .read_to_end(&mut head)?;
        // A JPEG's size may lie past its metadata: read on (at most a megabyte) to it.
        let scanned = match ImageFormat::sniff(&head) {
            Some(ImageFormat::Jpeg)
                if picture_header::read(ImageFormat::Jpeg, &head, len)
                    == PictureHeader::NotReached =>
            {
                Some(picture_header::scan_jpeg(&head, content, len))
            }
            _ => None,
        };
        Ok(Self {
            source: Source::Disk {
                file: FileSegment::new(path, len),
                head: head.into(),
                scanned,
            },
        })
    }

    /// The picture at `path`, opened with the front-end's `open` for its length and first
    /// bytes: what the clients' `image_from_path` does.
    ///
    /// # Errors
    /// [`Error::File`] when it cannot be opened or read.
    pub fn open(path: &Path, open: &mut OpenFile) -> Result<Self, Error> {
        open(path)
            .and_then(|(len, content)| Self::from_file(path, len, content))
            .map_err(|error| Error::file("read the picture", path, error))
    }

    /// The bytes, for a picture in memory.
    #[must_use]
    pub fn data(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Memory(data) => Some(data),
            Source::Disk { .. } => None,
        }
    }

    /// The file, for a picture on disk.
    #[must_use]
    pub fn file(&self) -> Option<&FileSegment> {
        match &self.source {
            Source::Memory(_) => None,
            Source::Disk { file, .. } => Some(file),
        }
    }

    /// Where the picture is, for one on disk.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.file().map(FileSegment::path)
    }

    /// The contents as a request body of their own: the shared bytes, or the file to stream.
    pub(crate) fn to_body(&self) -> crate::Body {
        match &self.source {
            Source::Memory(data) => crate::Body::from_bytes(data.clone()),
            Source::Disk { file, .. } => {
                let mut body = crate::Body::empty();
                body.push_segment(crate::BodySegment::File(file.clone()));
                body
            }
        }
    }

    /// The first bytes (at most [`IMAGE_HEAD_BYTES`]).
    #[must_use]
    pub fn head(&self) -> &[u8] {
        match &self.source {
            Source::Memory(data) => &data[..data.len().min(IMAGE_HEAD_BYTES)],
            Source::Disk { head, .. } => head,
        }
    }

    /// What the picture's header says of its size, for a picture of a known format.
    pub(crate) fn header(&self) -> Option<PictureHeader> {
        let format = self.format()?;
        Some(match &self.source {
            Source::Memory(data) => picture_header::read(format, data, self.len()),
            Source::Disk {
                scanned: Some(scanned),
                ..
            } => *scanned,
            Source::Disk { head, .. } => picture_header::read(format, head, self.len()),
        })
    }

    /// What the picture is by its first bytes, in words: "a PNG picture", "a GIF picture",
    /// or "content starting 0x47 0x49 …" when it is nothing this SDK recognises.
    #[must_use]
    pub fn describe_content(&self) -> String {
        super::content_kind::describe_content(self.head())
    }

    /// The size in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        match &self.source {
            Source::Memory(data) => data.len() as u64,
            Source::Disk { file, .. } => file.len(),
        }
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The format sniffed from the content, or `None` if it is not PNG, JPEG or WebP.
    #[must_use]
    pub fn format(&self) -> Option<ImageFormat> {
        ImageFormat::sniff(self.head())
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("len", &self.len())
            .field("format", &self.format())
            .field("on_disk", &self.file().is_some())
            .finish()
    }
}

impl From<Vec<u8>> for Image {
    fn from(data: Vec<u8>) -> Self {
        Self::new(data)
    }
}

impl From<Bytes> for Image {
    fn from(data: Bytes) -> Self {
        Self::new(data)
    }
}

impl From<&'static [u8]> for Image {
    fn from(data: &'static [u8]) -> Self {
        Self::new(data)
    }
}
