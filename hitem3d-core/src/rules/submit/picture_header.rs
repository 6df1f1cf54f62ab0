//! A picture's size in pixels, read from its header: a file that is only a signature, or a
//! header cut short, is no picture, and the service would be paid to refuse it.

use std::io::Read;

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

/// What a layout parser found: the size, or a layout it does not follow (`None`, then nothing
/// is judged: the service decides). `None` outside: the bytes ran out first.
type Parsed = Option<Option<(u32, u32)>>;

/// Reads the size of a `format` picture from `leading` bytes of it (`len` in all).
pub(crate) fn read(format: ImageFormat, leading: &[u8], len: u64) -> PictureHeader {
    let parsed = match format {
        ImageFormat::Png => png(leading),
        ImageFormat::Webp => webp(leading),
        ImageFormat::Jpeg => jpeg(leading),
        // A format added later, whose layout this does not know.
        _ => Some(None),
    };
    judged(parsed, leading.len() as u64 >= len, len)
}

fn judged(parsed: Parsed, whole: bool, len: u64) -> PictureHeader {
    match parsed {
        Some(Some((width, height))) => PictureHeader::Size { width, height },
        None if whole => PictureHeader::CutShort { bytes: len },
        Some(None) | None => PictureHeader::NotReached,
    }
}

/// The most of a JPEG read to find its frame header: metadata before it is rarely more than
/// a few hundred kilobytes.
pub(crate) const JPEG_SCAN_BYTES: u64 = 1024 * 1024;

/// The size of a JPEG on disk whose `head` did not reach its frame header: the segments are
/// walked on through `rest` (the bytes after the head), up to [`JPEG_SCAN_BYTES`] in all.
pub(crate) fn scan_jpeg(head: &[u8], rest: impl Read, len: u64) -> PictureHeader {
    let mut bytes = head.to_vec();
    let mut rest = rest.take(JPEG_SCAN_BYTES.saturating_sub(head.len() as u64));
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let parsed = jpeg(&bytes);
        if parsed.is_some() {
            return judged(parsed, true, len);
        }
        match rest.read(&mut chunk) {
            Ok(0) => return judged(None, bytes.len() as u64 >= len, len),
            Ok(read) => bytes.extend_from_slice(&chunk[..read]),
            Err(_) => return PictureHeader::NotReached,
        }
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

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The signature, then the IHDR chunk: length, type, width and height as big-endian u32.
fn png(bytes: &[u8]) -> Parsed {
    if bytes.get(12..16)? != b"IHDR" {
        return Some(None);
    }
    Some(Some((be32(bytes, 16)?, be32(bytes, 20)?)))
}

/// `RIFF`, size, `WEBP`, then the first chunk: lossy (`VP8 `), lossless (`VP8L`) or extended
/// (`VP8X`), each with the size in its own layout.
fn webp(bytes: &[u8]) -> Parsed {
    match bytes.get(12..16)? {
        b"VP8 " => {
            // A key frame's start code, then 14-bit width and height.
            if bytes.get(23..26)? != [0x9d, 0x01, 0x2a] {
                return Some(None);
            }
            Some(Some((le16(bytes, 26)? & 0x3fff, le16(bytes, 28)? & 0x3fff)))
        }
        b"VP8L" => {
            if *bytes.get(20)? != 0x2f {
                return Some(None);
            }
            let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
            Some(Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)))
        }
        b"VP8X" => Some(Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1))),
        _ => Some(None),
    }
}

/// Walks the segments after the start of image to the frame header (SOF0 to SOF15, but for
/// the markers in that range that are not frames), which holds height and width.
fn jpeg(bytes: &[u8]) -> Parsed {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xff {
            return Some(None);
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            // Fill bytes before a marker.
            0xff => at += 1,
            0xc0..=0xcf if !matches!(marker, 0xc4 | 0xc8 | 0xcc) => {
                return Some(Some((be16(bytes, at + 7)?, be16(bytes, at + 5)?)));
            }
            // The end of the image before any frame: not a layout followed here.
            0xd9 => return Some(None),
            // Markers without a length.
            0xd0..=0xd8 | 0x01 => at += 2,
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
    fn a_layout_not_followed_here_is_not_judged() {
        // Bytes that are no segment marker where one should be: the service decides.
        assert_eq!(
            read(ImageFormat::Jpeg, b"\xff\xd8\xff\xe0\x00\x04ab\x00\x00", 10),
            PictureHeader::NotReached
        );
        let mut no_ihdr = PNG_2X3.to_vec();
        no_ihdr[12..16].copy_from_slice(b"gAMA");
        assert_eq!(
            read(ImageFormat::Png, &no_ihdr, 100),
            PictureHeader::NotReached
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
    fn a_jpeg_on_disk_is_walked_past_its_head_to_its_frame_header() {
        // A head of 20 bytes whose metadata segment runs on for 5,000 more.
        let mut jpeg = b"\xff\xd8\xff\xe1\x13\x8a".to_vec();
        jpeg.resize(2 + 2 + 0x138a, 0);
        jpeg.extend_from_slice(b"\xff\xc0\x00\x11\x08\x02\x00\x03\x00\x03");
        let len = jpeg.len() as u64;
        assert_eq!(
            read(ImageFormat::Jpeg, &jpeg[..20], len),
            PictureHeader::NotReached
        );
        assert_eq!(
            scan_jpeg(&jpeg[..20], &jpeg[20..], len),
            PictureHeader::Size {
                width: 768,
                height: 512
            }
        );
        // The file ends inside its metadata: cut short.
        assert_eq!(
            scan_jpeg(&jpeg[..20], &jpeg[20..3000], 3000),
            PictureHeader::CutShort { bytes: 3000 }
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
