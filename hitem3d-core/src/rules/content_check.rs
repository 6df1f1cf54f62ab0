//! Whether a downloaded file's bytes are the kind of file that was asked for: an error page
//! served with status 200 must not be saved as `model.glb` and reported as success.

use std::fmt;

use hitem3d_types::{ImageFormat, OutputFormat};

use crate::ResultKind;

/// How many leading bytes the check needs.
pub(crate) const HEAD_BYTES: usize = 84;

/// What a result file is expected to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A model in this format.
    Model(OutputFormat),
    /// A model of a format not known here: only pages and documents are refused.
    AnyModel,
    /// A picture (the cover).
    Picture,
}

impl Expected {
    /// What `kind` should be, given the format asked for, if known.
    pub(crate) fn for_kind(kind: ResultKind, format: Option<OutputFormat>) -> Self {
        match (kind, format) {
            (ResultKind::Cover, _) => Self::Picture,
            (ResultKind::Model, Some(format)) if format.is_known() => Self::Model(format),
            (ResultKind::Model, _) => Self::AnyModel,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Model(format) => {
                let name = format
                    .name()
                    .map_or_else(|| "3D".to_owned(), str::to_ascii_uppercase);
                write!(f, "a {name} model")
            }
            Self::AnyModel => f.write_str("a 3D model"),
            Self::Picture => f.write_str("a PNG, JPEG or WebP picture"),
        }
    }
}

/// Checks the first bytes of a file (at most [`HEAD_BYTES`], fewer if the file is shorter)
/// and, for binary STL, its total size. `Err` names what arrived instead.
pub(crate) fn check(expected: &Expected, head: &[u8], total: u64) -> Result<(), String> {
    let arrived = Arrived::sniff(head);
    let fits = match expected {
        Expected::Picture => matches!(arrived, Arrived::Png | Arrived::Jpeg | Arrived::Webp),
        Expected::AnyModel => !arrived.is_document(),
        Expected::Model(format) => match format {
            OutputFormat::Glb => arrived == Arrived::Glb { version: 2 },
            OutputFormat::Usdz | OutputFormat::ThreeMf => arrived == Arrived::Zip,
            OutputFormat::Fbx => matches!(arrived, Arrived::FbxBinary | Arrived::FbxText),
            OutputFormat::Stl => return check_stl(arrived, head, total),
            OutputFormat::Obj => arrived == Arrived::Text,
            _ => !arrived.is_document(),
        },
    };
    if fits {
        Ok(())
    } else {
        Err(arrived.to_string())
    }
}

/// An ASCII STL starts with `solid`; a binary one is an 80-byte header, a triangle count and
/// 50 bytes per triangle.
fn check_stl(arrived: Arrived, head: &[u8], total: u64) -> Result<(), String> {
    if head.starts_with(b"solid") && arrived == Arrived::Text {
        return Ok(());
    }
    if arrived.is_document() {
        return Err(arrived.to_string());
    }
    let Some(count) = head.get(80..84) else {
        return Err(format!("{total} bytes, too short for a binary STL"));
    };
    let triangles = u64::from(u32::from_le_bytes([count[0], count[1], count[2], count[3]]));
    let expected = 84 + 50 * triangles;
    if total == expected {
        Ok(())
    } else {
        Err(format!(
            "{total} bytes where a binary STL of {triangles} triangles has {expected}"
        ))
    }
}

/// What the first bytes of a file look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrived {
    Glb { version: u32 },
    Zip,
    FbxBinary,
    FbxText,
    Png,
    Jpeg,
    Webp,
    Gif,
    Pdf,
    Html,
    Xml,
    Json,
    Text,
    Empty,
    Unknown([u8; 4]),
}

impl Arrived {
    fn sniff(head: &[u8]) -> Self {
        if head.is_empty() {
            return Self::Empty;
        }
        if let Some(rest) = head.strip_prefix(b"glTF") {
            let version = rest
                .get(..4)
                .map_or(0, |v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]));
            return Self::Glb { version };
        }
        if head.starts_with(b"PK\x03\x04") {
            return Self::Zip;
        }
        if head.starts_with(b"Kaydara FBX Binary") {
            return Self::FbxBinary;
        }
        if head.starts_with(b"%PDF") {
            return Self::Pdf;
        }
        if head.starts_with(b"GIF8") {
            return Self::Gif;
        }
        match ImageFormat::sniff(head) {
            Some(ImageFormat::Png) => return Self::Png,
            Some(ImageFormat::Jpeg) => return Self::Jpeg,
            Some(ImageFormat::Webp) => return Self::Webp,
            _ => {}
        }
        let text = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
        let is_text = text
            .iter()
            .all(|&byte| byte.is_ascii_graphic() || byte.is_ascii_whitespace() || byte >= 0x80);
        if !is_text {
            let mut start = [0_u8; 4];
            for (slot, byte) in start.iter_mut().zip(head) {
                *slot = *byte;
            }
            return Self::Unknown(start);
        }
        let trimmed = text.trim_ascii_start();
        let lower: Vec<u8> = trimmed
            .iter()
            .take(16)
            .map(u8::to_ascii_lowercase)
            .collect();
        if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
            Self::Html
        } else if lower.starts_with(b"<?xml") || lower.starts_with(b"<") {
            Self::Xml
        } else if lower.starts_with(b"{") || lower.starts_with(b"[") {
            Self::Json
        } else if trimmed.starts_with(b";") || trimmed.starts_with(b"FBXHeaderExtension") {
            Self::FbxText
        } else {
            Self::Text
        }
    }

    /// A page or a document: what an error answer looks like, never a model.
    fn is_document(self) -> bool {
        matches!(
            self,
            Self::Html | Self::Xml | Self::Json | Self::Pdf | Self::Empty
        )
    }
}

impl fmt::Display for Arrived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Glb { version } => write!(f, "a glTF binary of version {version}"),
            Self::Zip => f.write_str("a ZIP archive"),
            Self::FbxBinary => f.write_str("a binary FBX file"),
            Self::FbxText => f.write_str("an ASCII FBX file"),
            Self::Png => f.write_str("a PNG picture"),
            Self::Jpeg => f.write_str("a JPEG picture"),
            Self::Webp => f.write_str("a WebP picture"),
            Self::Gif => f.write_str("a GIF picture"),
            Self::Pdf => f.write_str("a PDF document"),
            Self::Html => f.write_str("an HTML page"),
            Self::Xml => f.write_str("an XML document"),
            Self::Json => f.write_str("a JSON document"),
            Self::Text => f.write_str("plain text"),
            Self::Empty => f.write_str("an empty file"),
            Self::Unknown(start) => write!(
                f,
                "unknown bytes starting 0x{:02X} 0x{:02X} 0x{:02X} 0x{:02X}",
                start[0], start[1], start[2], start[3]
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(format: OutputFormat, head: &[u8], total: u64) -> Result<(), String> {
        check(&Expected::Model(format), head, total)
    }

    #[test]
    fn each_format_accepts_its_own_signature() {
        assert_eq!(model(OutputFormat::Glb, b"glTF\x02\0\0\0rest", 100), Ok(()));
        assert_eq!(model(OutputFormat::Usdz, b"PK\x03\x04rest", 100), Ok(()));
        assert_eq!(model(OutputFormat::ThreeMf, b"PK\x03\x04rest", 100), Ok(()));
        assert_eq!(
            model(OutputFormat::Fbx, b"Kaydara FBX Binary  \0", 100),
            Ok(())
        );
        assert_eq!(
            model(OutputFormat::Fbx, b"; FBX 7.4.0 project file\n", 100),
            Ok(())
        );
        assert_eq!(model(OutputFormat::Obj, b"# obj\nv 0 0 0\n", 100), Ok(()));
        assert_eq!(
            model(OutputFormat::Stl, b"solid house\n facet", 100),
            Ok(())
        );
        let mut binary = vec![0_u8; 84];
        binary[80] = 2;
        assert_eq!(model(OutputFormat::Stl, &binary, 84 + 100), Ok(()));
        assert!(check(&Expected::Picture, b"\x89PNG\r\n\x1a\n", 100).is_ok());
    }

    #[test]
    fn an_error_page_is_named_for_what_it_is() {
        let page = b"<!DOCTYPE html><html><body>502 Bad Gateway";
        assert_eq!(
            model(OutputFormat::Glb, page, 40),
            Err("an HTML page".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Stl, b"<?xml version=\"1.0\"?><Error>", 40),
            Err("an XML document".to_owned())
        );
        assert_eq!(
            check(&Expected::AnyModel, b"{\"code\":500}", 12),
            Err("a JSON document".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Glb, b"glTF\x01\0\0\0", 8),
            Err("a glTF binary of version 1".to_owned())
        );
        assert_eq!(
            check(&Expected::Picture, b"GIF89a", 6),
            Err("a GIF picture".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Glb, b"\x00\x01\x02\x03\x04", 5),
            Err("unknown bytes starting 0x00 0x01 0x02 0x03".to_owned())
        );
    }

    #[test]
    fn each_format_refuses_the_others() {
        let glb = b"glTF\x02\0\0\0rest";
        let zip = b"PK\x03\x04rest";
        assert_eq!(
            model(OutputFormat::Usdz, glb, 100),
            Err("a glTF binary of version 2".to_owned())
        );
        assert_eq!(
            model(OutputFormat::ThreeMf, glb, 100),
            Err("a glTF binary of version 2".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Fbx, zip, 100),
            Err("a ZIP archive".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Obj, zip, 100),
            Err("a ZIP archive".to_owned())
        );
        assert_eq!(
            model(OutputFormat::Glb, zip, 100),
            Err("a ZIP archive".to_owned())
        );
    }

    #[test]
    fn covers_may_be_png_jpeg_or_webp() {
        assert!(check(&Expected::Picture, b"\xFF\xD8\xFF\xE0rest", 100).is_ok());
        assert!(check(&Expected::Picture, b"RIFF\0\0\0\0WEBPVP8 ", 100).is_ok());
        assert_eq!(
            check(&Expected::Picture, b"<html><body>", 12),
            Err("an HTML page".to_owned())
        );
    }

    #[test]
    fn a_binary_stl_must_have_the_size_its_count_says() {
        let mut head = vec![0_u8; 84];
        head[80] = 2;
        assert!(
            model(OutputFormat::Stl, &head, 84 + 50)
                .unwrap_err()
                .contains("2 triangles")
        );
        assert!(model(OutputFormat::Stl, b"short", 5).is_err());
    }
}
