//! What a file that is no picture the service takes most likely is, for the message that
//! refuses it: "a GIF picture" says more than a row of bytes.

use hitem3d_types::ImageFormat;

/// Names the content by its first bytes: an accepted format ("a PNG picture"), a known other
/// one ("a GIF picture", "a PDF document"), or its first bytes in hex with `0x`.
pub(crate) fn describe_content(head: &[u8]) -> String {
    if head.is_empty() {
        return "an empty file".to_owned();
    }
    if let Some(format) = ImageFormat::sniff(head) {
        return format!("a {} picture", format.name().to_uppercase());
    }
    if let Some(kind) = known_other(head) {
        return kind.to_owned();
    }
    let bytes: Vec<String> = head.iter().take(8).map(|b| format!("0x{b:02x}")).collect();
    format!("content starting {}", bytes.join(" "))
}

fn known_other(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"GIF8", "a GIF picture"),
        (b"BM", "a BMP picture"),
        (b"II*\0", "a TIFF picture"),
        (b"MM\0*", "a TIFF picture"),
        (b"8BPS", "a Photoshop (PSD) file"),
        (b"\0\0\x01\0", "an ICO icon"),
        (b"\xff\x0a", "a JPEG XL picture"),
        (b"\0\0\0\x0cJXL ", "a JPEG XL picture"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"glTF", "a GLB model"),
    ];
    if let Some((_, kind)) = SIGNATURES.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    // ISO media files: a size, then `ftyp` and a brand.
    if head.get(4..8) == Some(b"ftyp") {
        return Some(match head.get(8..12) {
            Some(b"avif" | b"avis") => "an AVIF picture",
            Some(b"heic" | b"heix" | b"hevc" | b"hevx" | b"mif1" | b"msf1") => "a HEIC picture",
            _ => "a video or ISO media file",
        });
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(64)]).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("<svg") || (text.starts_with("<?xml") && text.contains("<svg")) {
        Some("an SVG drawing")
    } else if text.starts_with("<!doctype html") || text.starts_with("<html") {
        Some("an HTML page")
    } else if text.starts_with('<') {
        Some("an XML file")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::describe_content;

    #[test]
    fn pictures_of_other_formats_are_named_and_unknown_bytes_are_hex_with_0x() {
        assert_eq!(describe_content(b"GIF89a\x01\0"), "a GIF picture");
        assert_eq!(describe_content(b"\x89PNG\r\n\x1a\n...."), "a PNG picture");
        assert_eq!(
            describe_content(b"\0\0\0\x18ftypheic\0\0"),
            "a HEIC picture"
        );
        assert_eq!(describe_content(b"<svg xmlns=..."), "an SVG drawing");
        assert_eq!(
            describe_content(b"\x01\x02\xfe\xff"),
            "content starting 0x01 0x02 0xfe 0xff"
        );
        assert_eq!(describe_content(b""), "an empty file");
    }
}
