//! Request bodies as a list of shared byte segments.

use bytes::{Bytes, BytesMut};

/// A request body: a sequence of [`Bytes`] segments whose total length is known up front.
///
/// A multipart upload is a few small header segments around the image buffers; the images are
/// shared, never copied, until a transport that needs one contiguous buffer asks for
/// [`Body::to_bytes`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    segments: Vec<Bytes>,
    len: u64,
}

impl Body {
    /// An empty body.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// A body of one segment.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let mut body = Self::empty();
        body.push(bytes.into());
        body
    }

    pub(crate) fn push(&mut self, segment: Bytes) {
        if !segment.is_empty() {
            self.len += segment.len() as u64;
            self.segments.push(segment);
        }
    }

    /// The segments, in order.
    #[must_use]
    pub fn segments(&self) -> &[Bytes] {
        &self.segments
    }

    /// The total length in bytes (the `Content-Length`).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the body has no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body as one buffer. Free for zero or one segment; copies otherwise.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        match self.segments.as_slice() {
            [] => Bytes::new(),
            [one] => one.clone(),
            many => {
                let mut joined = BytesMut::with_capacity(usize::try_from(self.len).unwrap_or(0));
                for segment in many {
                    joined.extend_from_slice(segment);
                }
                joined.freeze()
            }
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}
