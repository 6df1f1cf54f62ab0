//! Request bodies as a list of shared byte segments.

use std::collections::VecDeque;
use std::io;

use bytes::{Buf, Bytes, BytesMut};

/// A request body: a sequence of [`Bytes`] segments whose total length is known up front.
///
/// A multipart upload is a few small header segments around the image buffers; the images are
/// shared, never copied. Transports send the segments one after another
/// ([`Body::into_segments`], [`Body::into_reader`]) under the `Content-Length` the core set;
/// [`Body::to_bytes`] joins them for a transport that needs one buffer, at the cost of a copy.
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

    /// The segments, in order, to send one after another.
    #[must_use]
    pub fn into_segments(self) -> Vec<Bytes> {
        self.segments
    }

    /// The body as a [`io::Read`] over its segments, copying nothing beforehand.
    #[must_use]
    pub fn into_reader(self) -> BodyReader {
        BodyReader {
            segments: self.segments.into(),
        }
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

/// Reads a [`Body`]'s segments in order ([`Body::into_reader`]).
#[derive(Debug)]
pub struct BodyReader {
    segments: VecDeque<Bytes>,
}

impl io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while let Some(segment) = self.segments.front_mut() {
            if segment.is_empty() {
                self.segments.pop_front();
                continue;
            }
            let n = segment.len().min(buf.len());
            buf[..n].copy_from_slice(&segment[..n]);
            segment.advance(n);
            return Ok(n);
        }
        Ok(0)
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn body() -> Body {
        let mut body = Body::empty();
        for segment in ["--b\r\n", "", "picture bytes", "\r\n--b--"] {
            body.push(Bytes::from_static(segment.as_bytes()));
        }
        body
    }

    #[test]
    fn segments_joined_read_or_handed_out_are_the_same_bytes() {
        let joined = body().to_bytes();
        assert_eq!(&joined[..], b"--b\r\npicture bytes\r\n--b--");
        assert_eq!(body().len(), joined.len() as u64);
        assert_eq!(body().into_segments().concat(), joined.to_vec());

        // Read through a small buffer, so that segments are split across reads.
        let mut reader = body().into_reader();
        let mut read = Vec::new();
        let mut buffer = [0_u8; 3];
        loop {
            let n = reader.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buffer[..n]);
        }
        assert_eq!(read, joined.to_vec());
        assert_eq!(reader.read(&mut buffer).unwrap(), 0, "stays at the end");
    }
}
