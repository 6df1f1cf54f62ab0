//! An input picture.

use std::fmt;

use bytes::Bytes;
use hitem3d_types::ImageFormat;

/// The bytes of one input picture.
///
/// Its format is judged from the content ([`ImageFormat::sniff`]); a file name is never trusted.
/// The bytes are shared, not copied, all the way into the request body.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    data: Bytes,
}

impl Image {
    /// Wraps image bytes (a `Vec<u8>`, `Bytes`, or `&'static [u8]`).
    pub fn new(data: impl Into<Bytes>) -> Self {
        Self { data: data.into() }
    }

    /// The bytes.
    #[must_use]
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// The size in bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The format sniffed from the content, or `None` if it is not PNG, JPEG or WebP.
    #[must_use]
    pub fn format(&self) -> Option<ImageFormat> {
        ImageFormat::sniff(&self.data)
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Image")
            .field("len", &self.data.len())
            .field("format", &self.format())
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
