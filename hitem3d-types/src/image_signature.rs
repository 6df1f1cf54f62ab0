//! Recognising an image format from its first bytes.

use crate::ImageFormat;

/// Bytes that must appear at a fixed offset of a file of some format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSignature {
    /// Where the bytes start.
    pub offset: usize,
    /// The bytes.
    pub bytes: &'static [u8],
}

impl ImageSignature {
    fn matches(&self, data: &[u8]) -> bool {
        data.get(self.offset..self.offset + self.bytes.len()) == Some(self.bytes)
    }
}

impl ImageFormat {
    /// The format of `data`, judged only by its content (never by a file name), or `None`
    /// when it is not an accepted image format.
    ///
    /// ```
    /// use hitem3d_types::ImageFormat;
    ///
    /// assert_eq!(ImageFormat::sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageFormat::Png));
    /// assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
    /// ```
    #[must_use]
    pub fn sniff(data: &[u8]) -> Option<Self> {
        Self::ALL.iter().copied().find(|format| {
            format
                .signatures()
                .iter()
                .all(|signature| signature.matches(data))
        })
    }
}
