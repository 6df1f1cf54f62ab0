//! A picture's size in pixels, read from its header: a file that is only a signature, or a
//! header cut short, is no picture, and the service would be paid to refuse it.

use hitem3d_types::ImageFormat;

/// What a picture's first bytes say about its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PictureHeader {
    /// Width and height in pixels.
    Size {
        /// Pixels across.
        width: u32,
        /// Pixels down.
        height: u32,
    },
    /// The file ends (or the header breaks off) before the size: `bytes` of it were there.
    CutShort {
        /// How many bytes the picture has.
        bytes: u64,
    },
    /// The size is further into the file than the bytes looked at (a JPEG's metadata can be
    /// long): not judged here.
    NotReached,
}

/// Reads the size of a `format` picture from `leading` bytes of it; `whole` when they are all
/// of it (`len` bytes).
pub(crate) fn read(format: ImageFormat, leading: &[u8], len: u64) -> PictureHeader {
    let whole = leading.len() as u64 >= len;
    let found = match format {
        ImageFormat::Png => png(leading),
        ImageFormat::Webp => webp(leading),
        ImageFormat::Jpeg => match jpeg(leading) {
            Some(size) => Some(size),
            None if !whole => return PictureHeader::NotReached,
            None => None,
        },
        // A format added later, whose layout this does not know.
        _ => return PictureHeader::NotReached,
    };
    match found {
        Some((width, height)) => PictureHeader::Size { width, height },
        None => PictureHeader::CutShort { bytes: len },
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    let pair = bytes.get(at..at + 2)?;
    Some(u32::from(u16::from_be_bytes([pair[0], pair[1]])))
}

fn le16(bytes: &[u8], at: usize) -> Option<u32> {
    let pair = bytes.get(at..at + 2)?;
    Some(u32::from(u16::from_le_bytes([pair[0], pair[1]])))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let three = bytes.get(at..at + 3)?;
    Some(u32::from_le_bytes([three[0], three[1], three[2], 0]))
}

/// The signature, then the IHDR chunk: length, type, width and height as big-endian u32.
fn png(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

/// `RIFF`, size, `WEBP`, then the first chunk: lossy (`VP8 `), lossless (`VP8L`) or extended
/// (`VP8X`), each with the size in its own layout.
fn webp(bytes: &[u8]) -> Option<(u32, u32)> {
    match bytes.get(12..16)? {
        b"VP8 " => {
            // A key frame's start code, then 14-bit width and height.
            if bytes.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return None;
            }
            Some((le16(bytes, 26)? & 0x3fff, le16(bytes, 28)? & 0x3fff))
        }
        b"VP8L" => {
            if *bytes.get(20)? != 0x2f {
                return None;
            }
            let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        b"VP8X" => Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1)),
        _ => None,
    }
}

/// Walks the segments after the start of image to the frame header (SOF0 to SOF15, but for
/// the markers in that range that are not frames), which holds height and width.
fn jpeg(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xff {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            // Fill bytes before a marker.
            0xff => at += 1,
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                return Some((be16(bytes, at + 7)?, be16(bytes, at + 5)?));
            }
            // Markers without a length.
            0xd0..=0xd9 | 0x01 => at += 2,
            _ => at += 2 + usize::try_from(be16(bytes, at + 2)?).ok()?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_2X3: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x02\0\0\0\x03\x08\x02\0\0\0";

    #[test]
    fn a_png_header_gives_its_size() {
        assert_eq!(
            read(ImageFormat::Png, PNG_2X3, 1000),
            PictureHeader::Size {
                width: 2,
                height: 3
            }
        );
    }

    #[test]
    fn a_png_signature_alone_is_cut_short() {
        assert_eq!(
            read(ImageFormat::Png, b"\x89PNG\r\n\x1a\n", 8),
            PictureHeader::CutShort { bytes: 8 }
        );
        assert_eq!(
            read(ImageFormat::Png, &PNG_2X3[..20], 20),
            PictureHeader::CutShort { bytes: 20 }
        );
    }

    #[test]
    fn a_jpeg_frame_header_is_found_past_its_metadata() {
        let mut jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec();
        jpeg.extend_from_slice(b"\xff\xc0\x00\x11\x08\x00\x05\x00\x07\x03");
        assert_eq!(
            read(ImageFormat::Jpeg, &jpeg, 5000),
            PictureHeader::Size {
                width: 7,
                height: 5
            }
        );
        // Only its metadata at hand: the rest of a long file is not judged, a whole file is.
        assert_eq!(
            read(ImageFormat::Jpeg, &jpeg[..20], 5000),
            PictureHeader::NotReached
        );
        assert_eq!(
            read(ImageFormat::Jpeg, &jpeg[..20], 20),
            PictureHeader::CutShort { bytes: 20 }
        );
    }

    #[test]
    fn each_webp_layout_gives_its_size() {
        let lossy = b"RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a\x0a\x00\x0b\x00";
        assert_eq!(
            read(ImageFormat::Webp, lossy, 100),
            PictureHeader::Size {
                width: 10,
                height: 11
            }
        );
        // 14 bits of width - 1, then 14 bits of height - 1: 4 x 2.
        let bits: u32 = 3 | (1 << 14);
        let mut lossless = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        lossless.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(
            read(ImageFormat::Webp, &lossless, 100),
            PictureHeader::Size {
                width: 4,
                height: 2
            }
        );
        let extended = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0\x09\0\0\x04\0\0";
        assert_eq!(
            read(ImageFormat::Webp, extended, 100),
            PictureHeader::Size {
                width: 10,
                height: 5
            }
        );
        assert_eq!(
            read(ImageFormat::Webp, &lossy[..16], 16),
            PictureHeader::CutShort { bytes: 16 }
        );
    }
}
