//! A deterministic `multipart/form-data` encoder that never copies file contents.

use std::fmt;

use bytes::Bytes;

use crate::machines::seeded_random::SeededRandom;
use crate::{Body, BodySegment, FileSegment};

/// The longest boundary RFC 2046 allows.
const MAX_BOUNDARY_LEN: usize = 70;

/// A multipart boundary.
///
/// Injectable so tests can compare bodies byte for byte; [`Boundary::from_seed`] makes a fresh
/// one from the caller's randomness.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Boundary(String);

/// A boundary that breaks RFC 2046's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "multipart boundary {0:?} must be 1 to 70 characters of letters, digits and '()+_,-./:=?', \
     not ending in a space"
)]
pub struct InvalidBoundary(String);

impl Boundary {
    /// A boundary from text.
    ///
    /// # Errors
    /// [`InvalidBoundary`] unless it has 1–70 RFC 2046 boundary characters.
    pub fn new(text: impl Into<String>) -> Result<Self, InvalidBoundary> {
        let text = text.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
        if text.is_empty()
            || text.len() > MAX_BOUNDARY_LEN
            || text.ends_with(' ')
            || !text.chars().all(allowed)
        {
            return Err(InvalidBoundary(text));
        }
        Ok(Self(text))
    }

    /// A boundary of 32 pseudo-random hex digits derived from `seed`.
    #[must_use]
    pub fn from_seed(seed: u64) -> Self {
        let mut random = SeededRandom::new(seed);
        Self(format!(
            "hitem3d-{:016x}{:016x}",
            random.next_u64(),
            random.next_u64()
        ))
    }

    /// The boundary text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// The chosen boundary occurs inside a part, so the body would be ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the multipart boundary occurs inside part {part:?}; encode again with another boundary")]
pub struct BoundaryCollision {
    /// The field name of the part that contains the boundary.
    pub part: String,
}

#[derive(Debug, Clone)]
enum Content {
    Text(String),
    File {
        file_name: String,
        content_type: String,
        data: FileData,
    },
}

#[derive(Debug, Clone)]
enum FileData {
    Memory(Bytes),
    /// Streamed from disk when sent; not scanned for the boundary, which is 128 random bits.
    Disk(FileSegment),
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    content: Content,
}

/// A form to encode as `multipart/form-data`, parts in insertion order.
///
/// ```
/// use hitem3d_core::{Boundary, MultipartForm};
///
/// let mut form = MultipartForm::new();
/// form.text("model", "hitem3dv2.1");
/// let boundary = Boundary::new("b").unwrap();
/// let body = form.encode(&boundary).unwrap().to_bytes().unwrap();
/// assert_eq!(
///     body,
///     &b"--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nhitem3dv2.1\r\n--b--\r\n"[..]
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct MultipartForm {
    parts: Vec<Part>,
}

impl MultipartForm {
    /// An empty form.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub fn text(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.parts.push(Part {
            name: name.into(),
            content: Content::Text(value.into()),
        });
        self
    }

    /// Adds a file; `data` is shared, not copied.
    pub fn file(
        &mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: Bytes,
    ) -> &mut Self {
        self.push_file(name, file_name, content_type, FileData::Memory(data))
    }

    /// Adds a file the transport reads from disk as it sends the body. Its contents are not
    /// scanned for the boundary (the core reads no file): encode it with a random boundary
    /// ([`MultipartForm::encode_with_seed`]), whose 128 bits no picture contains by chance.
    pub fn file_on_disk(
        &mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        file: FileSegment,
    ) -> &mut Self {
        self.push_file(name, file_name, content_type, FileData::Disk(file))
    }

    fn push_file(
        &mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: FileData,
    ) -> &mut Self {
        self.parts.push(Part {
            name: name.into(),
            content: Content::File {
                file_name: file_name.into(),
                content_type: content_type.into(),
                data,
            },
        });
        self
    }

    /// The `Content-Type` header value for a body encoded with `boundary`.
    #[must_use]
    pub fn content_type(boundary: &Boundary) -> String {
        format!("multipart/form-data; boundary={}", boundary.as_str())
    }

    /// Encodes the form. Headers become small segments; file contents are the caller's buffers.
    ///
    /// # Errors
    /// [`BoundaryCollision`] when a part contains the boundary.
    pub fn encode(&self, boundary: &Boundary) -> Result<Body, BoundaryCollision> {
        let delimiter = format!("--{}", boundary.as_str());
        let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
        let mut body = Body::empty();
        // Each part's header carries the CRLF that closes the previous part.
        let mut pending = String::new();
        for part in &self.parts {
            let name = escape(&part.name);
            pending.push_str(&delimiter);
            pending.push_str("\r\n");
            let data = match &part.content {
                Content::Text(value) => {
                    pending.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                    ));
                    BodySegment::Bytes(Bytes::from(value.clone().into_bytes()))
                }
                Content::File {
                    file_name,
                    content_type,
                    data,
                } => {
                    pending.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{}\"\r\n\
                         Content-Type: {}\r\n\r\n",
                        escape(file_name),
                        strip_line_breaks(content_type)
                    ));
                    match data {
                        FileData::Memory(bytes) => BodySegment::Bytes(bytes.clone()),
                        FileData::Disk(file) => BodySegment::File(file.clone()),
                    }
                }
            };
            if let BodySegment::Bytes(bytes) = &data
                && finder.find(bytes).is_some()
            {
                return Err(BoundaryCollision {
                    part: part.name.clone(),
                });
            }
            body.push(Bytes::from(std::mem::take(&mut pending).into_bytes()));
            body.push_segment(data);
            pending.push_str("\r\n");
        }
        pending.push_str(&delimiter);
        pending.push_str("--\r\n");
        body.push(Bytes::from(pending.into_bytes()));
        Ok(body)
    }

    /// Encodes with a boundary made from `seed`, trying further boundaries in the (astronomically
    /// unlikely) case of a collision.
    ///
    /// # Panics
    /// Never in practice: it would need 64 consecutive 128-bit boundaries to occur in the data.
    #[must_use]
    pub fn encode_with_seed(&self, seed: u64) -> (Boundary, Body) {
        let mut random = SeededRandom::new(seed);
        for _ in 0..64 {
            let boundary = Boundary::from_seed(random.next_u64());
            if let Ok(body) = self.encode(&boundary) {
                return (boundary, body);
            }
        }
        panic!("64 random multipart boundaries all occurred inside the form data")
    }
}

/// Escapes a quoted header parameter the way browsers do (WHATWG): `"` and line breaks are
/// percent-encoded, so a file name can never end the header early.
fn escape(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn strip_line_breaks(value: &str) -> String {
    value.replace(['\r', '\n'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_follow_rfc_2046() {
        assert!(Boundary::new("abc-123_'()+,./:=?").is_ok());
        assert!(Boundary::new("").is_err());
        assert!(Boundary::new("a".repeat(71)).is_err());
        assert!(Boundary::new("trailing ").is_err());
        assert!(Boundary::new("quote\"").is_err());
        let seeded = Boundary::from_seed(42);
        assert_eq!(seeded, Boundary::from_seed(42));
        assert_eq!(seeded.as_str().len(), 40);
        assert!(Boundary::new(seeded.as_str()).is_ok());
    }

    #[test]
    fn file_contents_are_shared_not_copied() {
        let image = Bytes::from(vec![7_u8; 4096]);
        let mut form = MultipartForm::new();
        form.file("images", "image.png", "image/png", image.clone());
        let body = form.encode(&Boundary::new("b").unwrap()).unwrap();
        let shared = body.segments().iter().any(|segment| {
            matches!(segment, BodySegment::Bytes(bytes)
                if bytes.as_ptr() == image.as_ptr() && bytes.len() == image.len())
        });
        assert!(shared, "the image buffer itself is a body segment");
        let total: u64 = body.segments().iter().map(BodySegment::len).sum();
        assert_eq!(body.len(), total);
    }

    #[test]
    fn a_file_on_disk_becomes_a_file_segment_between_its_headers() {
        let mut form = MultipartForm::new();
        let front = FileSegment::new("/pictures/front.png", 20_000_000);
        form.file_on_disk("images", "image.png", "image/png", front.clone());
        let body = form.encode(&Boundary::new("b").unwrap()).unwrap();
        let segments = body.segments();
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[1], BodySegment::File(front));
        let headers = segments[0].len() + segments[2].len();
        assert_eq!(body.len(), 20_000_000 + headers);
    }

    #[test]
    fn a_colliding_boundary_is_refused_and_the_seeded_encoder_moves_on() {
        let mut form = MultipartForm::new();
        form.text("x", "before --b after");
        assert_eq!(
            form.encode(&Boundary::new("b").unwrap()),
            Err(BoundaryCollision {
                part: "x".to_owned()
            })
        );
        let (boundary, body) = form.encode_with_seed(1);
        assert_ne!(boundary.as_str(), "b");
        assert!(!body.is_empty());
    }

    #[test]
    fn quotes_and_line_breaks_cannot_escape_the_header() {
        let mut form = MultipartForm::new();
        form.file(
            "f\"x",
            "a\"\r\nb.png",
            "image/png\r\nX: y",
            Bytes::from_static(b"1"),
        );
        let body = form
            .encode(&Boundary::new("b").unwrap())
            .unwrap()
            .to_bytes()
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains("name=\"f%22x\"; filename=\"a%22%0D%0Ab.png\""),
            "{text}"
        );
        assert!(text.contains("Content-Type: image/pngX: y\r\n"), "{text}");
    }
}
