//! A JPEG's size in pixels from its frame header, read by walking its segments: the decoder
//! reads it only with the scan that follows, so a file that is a header alone (or declares
//! more than the decoder takes) showed no size and passed the size check.

/// Width and height from the first frame header (SOF0–SOF15), if the segments before it are
/// whole.
pub(crate) fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let byte_pair = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Fill bytes may come before a marker.
        while *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            at += 2;
            continue;
        }
        // Start of scan, or end of image: no frame header before it.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let is_frame = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
        if is_frame {
            let height = byte_pair(at + 5)?;
            let width = byte_pair(at + 7)?;
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + usize::from(byte_pair(at + 2)?);
    }
}

#[cfg(test)]
mod tests {
    use super::jpeg_dimensions;

    /// A JPEG of a header alone: an APP0 segment, then a frame of `width` × `height`.
    fn header(width: u16, height: u16) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'J', b'F'];
        jpeg.extend_from_slice(&[0xFF, 0xFF, 0xC2, 0x00, 0x11, 0x08]);
        jpeg.extend_from_slice(&height.to_be_bytes());
        jpeg.extend_from_slice(&width.to_be_bytes());
        jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
        jpeg
    }

    #[test]
    fn the_frame_header_gives_the_size_past_other_segments() {
        assert_eq!(jpeg_dimensions(&header(65535, 32768)), Some((65535, 32768)));
        assert_eq!(jpeg_dimensions(&header(640, 480)), Some((640, 480)));
    }

    #[test]
    fn no_frame_header_no_size() {
        assert_eq!(jpeg_dimensions(b"\xFF\xD8\xFF\xDA\x00\x02"), None);
        assert_eq!(jpeg_dimensions(&header(640, 480)[..10]), None);
        assert_eq!(jpeg_dimensions(b"\x89PNG\r\n\x1a\n"), None);
    }
}
