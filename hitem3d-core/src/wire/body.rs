//! Request bodies as a list of segments: shared bytes in memory, and files streamed from disk.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::{Buf, Bytes, BytesMut};

use crate::TransportFailure;

/// A request body: a sequence of segments whose total length is known up front.
///
/// A multipart upload is a few small header segments around the pictures: buffers shared, never
/// copied, or files the transport reads from disk as it sends ([`FileSegment`]). Transports send
/// the segments one after another ([`Body::into_segments`], [`Body::into_reader`]) under the
/// `Content-Length` the core set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    segments: Vec<BodySegment>,
    len: u64,
}

/// One piece of a [`Body`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySegment {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file, read from disk while the body is sent.
    File(FileSegment),
}

impl BodySegment {
    /// The length in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            Self::Bytes(bytes) => bytes.len() as u64,
            Self::File(file) => file.len,
        }
    }

    /// Whether the segment has no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A file part of a body: its path and the length it had when it was checked, which the body's
/// `Content-Length` counts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSegment {
    path: PathBuf,
    len: u64,
}

impl FileSegment {
    /// The file at `path`, `len` bytes long when it was checked.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>, len: u64) -> Self {
        Self {
            path: path.into(),
            len,
        }
    }

    /// Where the file is.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its length when it was checked.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it was empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Checks that the file about to be sent, `actual` bytes long now, still has the length it
    /// was checked with: otherwise the body would not match its `Content-Length`.
    ///
    /// # Errors
    /// An [`io::ErrorKind::InvalidData`] error naming the file and both lengths.
    pub fn check_len(&self, actual: u64) -> io::Result<()> {
        if actual == self.len {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} changed after it was checked: {} bytes then, {actual} now; build the task again",
                self.path.display(),
                self.len
            ),
        ))
    }
}

/// Opens a file for reading: the front-end's file access, since the core has none. Gives the
/// file's length now and a reader from its start.
pub type OpenFile = Box<dyn FnMut(&Path) -> io::Result<(u64, Box<dyn Read + Send>)> + Send>;

/// The [`OpenFile`] a front-end makes from its two file calls: `open` a path, and tell an open
/// file's length.
///
/// ```
/// use std::io;
/// use hitem3d_core::{OpenFile, file_access};
///
/// // A front-end passes the opening of a file and its metadata length; here, bytes in memory.
/// let mut open: OpenFile = file_access(|_| Ok(io::Cursor::new(b"bytes")), |file| Ok(file.get_ref().len() as u64));
/// let (len, _) = open("any.png".as_ref())?;
/// assert_eq!(len, 5);
/// # Ok::<(), io::Error>(())
/// ```
pub fn file_access<F: Read + Send + 'static>(
    open: fn(&Path) -> io::Result<F>,
    len: fn(&F) -> io::Result<u64>,
) -> OpenFile {
    Box::new(move |path| {
        let file = open(path)?;
        Ok((len(&file)?, Box::new(file) as Box<dyn Read + Send>))
    })
}

/// A segment ready to send: bytes, or a file opened and checked ([`Body::open`]).
#[derive(Debug)]
pub enum OpenedSegment {
    /// Bytes in memory.
    Bytes(Bytes),
    /// A file, read to the length it was checked with.
    File(FileReader),
}

/// Reads an opened file part to the length it was checked with, and fails if it ends early.
pub struct FileReader {
    file: FileSegment,
    reader: io::Take<Box<dyn Read + Send>>,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("file", &self.file)
            .field("left", &self.reader.limit())
            .finish_non_exhaustive()
    }
}

impl Read for FileReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.reader.read(buf)?;
        if n == 0 && !buf.is_empty() && self.reader.limit() > 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} ended {} bytes early while it was sent",
                    self.file.path().display(),
                    self.reader.limit()
                ),
            ));
        }
        Ok(n)
    }
}

/// The next chunk of at most `size` bytes from `reader`, `None` at its end. Short reads are
/// gathered up to `size` (a reader that hands out a few kilobytes at a time still yields full
/// chunks), nothing is zeroed first, and a read interrupted by a signal is tried again.
///
/// # Errors
/// What reading fails with.
pub fn read_chunk(reader: &mut impl Read, size: usize) -> io::Result<Option<Bytes>> {
    let mut chunk = Vec::with_capacity(size);
    reader.take(size as u64).read_to_end(&mut chunk)?;
    Ok((!chunk.is_empty()).then(|| Bytes::from(chunk)))
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
        self.push_segment(BodySegment::Bytes(segment));
    }

    pub(crate) fn push_segment(&mut self, segment: BodySegment) {
        if !segment.is_empty() {
            self.len += segment.len();
            self.segments.push(segment);
        }
    }

    /// The segments, in order.
    #[must_use]
    pub fn segments(&self) -> &[BodySegment] {
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
    pub fn into_segments(self) -> Vec<BodySegment> {
        self.segments
    }

    /// Opens every file part with `open` before anything is sent, checking that each is still
    /// there with the length it was checked with: a file that changed would make the body
    /// disagree with its `Content-Length` half-way through.
    ///
    /// # Errors
    /// [`TransportFailure::refused`], naming the file: sending again would not help.
    pub fn open(self, mut open: OpenFile) -> Result<Vec<OpenedSegment>, TransportFailure> {
        self.segments
            .into_iter()
            .map(|segment| match segment {
                BodySegment::Bytes(bytes) => Ok(OpenedSegment::Bytes(bytes)),
                BodySegment::File(file) => open(file.path())
                    .and_then(|(len, reader)| file.check_len(len).map(|()| reader))
                    .map(|reader| {
                        let reader = reader.take(file.len());
                        OpenedSegment::File(FileReader { file, reader })
                    })
                    .map_err(|error| {
                        TransportFailure::refused(format!("cannot send the picture: {error}"))
                    }),
            })
            .collect()
    }

    /// The body as a [`io::Read`] over its segments, copying nothing beforehand; its files are
    /// opened first ([`Body::open`]).
    ///
    /// # Errors
    /// As [`Body::open`].
    pub fn into_reader(self, open: OpenFile) -> Result<BodyReader, TransportFailure> {
        Ok(BodyReader {
            segments: self.open(open)?.into(),
        })
    }

    /// The body as one buffer: free for zero or one segment, a copy otherwise; `None` when a
    /// segment is a file (the core reads no file).
    #[must_use]
    pub fn to_bytes(&self) -> Option<Bytes> {
        let mut parts = Vec::with_capacity(self.segments.len());
        for segment in &self.segments {
            match segment {
                BodySegment::Bytes(bytes) => parts.push(bytes),
                BodySegment::File(_) => return None,
            }
        }
        Some(match parts.as_slice() {
            [] => Bytes::new(),
            [one] => (*one).clone(),
            many => {
                let mut joined = BytesMut::with_capacity(usize::try_from(self.len).unwrap_or(0));
                for part in many {
                    joined.extend_from_slice(part);
                }
                joined.freeze()
            }
        })
    }
}

/// Reads a [`Body`]'s segments in order ([`Body::into_reader`]).
#[derive(Debug)]
pub struct BodyReader {
    segments: VecDeque<OpenedSegment>,
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while let Some(segment) = self.segments.front_mut() {
            let n = match segment {
                OpenedSegment::Bytes(bytes) => {
                    let n = bytes.len().min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    bytes.advance(n);
                    n
                }
                OpenedSegment::File(file) => file.read(buf)?,
            };
            if n > 0 {
                return Ok(n);
            }
            self.segments.pop_front();
        }
        Ok(0)
    }
}

impl From<FileSegment> for Body {
    /// A body of one file, to read on its own with [`Body::into_reader`].
    fn from(file: FileSegment) -> Self {
        let mut body = Self::empty();
        body.push_segment(BodySegment::File(file));
        body
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Body {
        let mut body = Body::empty();
        for segment in ["--b\r\n", "", "picture bytes", "\r\n--b--"] {
            body.push(Bytes::from_static(segment.as_bytes()));
        }
        body
    }

    /// Opens every file as these bytes, `len` long by its metadata.
    fn files_are(len: u64, bytes: &'static [u8]) -> OpenFile {
        Box::new(move |_| Ok((len, Box::new(bytes) as Box<dyn Read + Send>)))
    }

    fn read_in_threes(mut reader: BodyReader) -> io::Result<Vec<u8>> {
        let mut read = Vec::new();
        while let Some(chunk) = read_chunk(&mut reader, 3)? {
            assert!(chunk.len() <= 3);
            read.extend_from_slice(&chunk);
        }
        assert_eq!(reader.read(&mut [0; 3])?, 0, "stays at the end");
        Ok(read)
    }

    #[test]
    fn segments_joined_read_or_handed_out_are_the_same_bytes() {
        let joined = body().to_bytes().unwrap();
        assert_eq!(&joined[..], b"--b\r\npicture bytes\r\n--b--");
        assert_eq!(body().len(), joined.len() as u64);
        let handed_out: Vec<u8> = body()
            .into_segments()
            .into_iter()
            .flat_map(|segment| match segment {
                BodySegment::Bytes(bytes) => bytes.to_vec(),
                BodySegment::File(_) => unreachable!(),
            })
            .collect();
        assert_eq!(handed_out, joined.to_vec());
        // Read through a small buffer, so that segments are split across reads.
        let reader = body().into_reader(files_are(0, b"")).unwrap();
        assert_eq!(read_in_threes(reader).unwrap(), joined.to_vec());
    }

    fn with_file(len: u64) -> Body {
        let mut body = Body::from_bytes(Bytes::from_static(b"<"));
        body.push_segment(BodySegment::File(FileSegment::new(
            "/pictures/front.png",
            len,
        )));
        body.push(Bytes::from_static(b">"));
        body
    }

    /// Hands out one byte per read, as a slow socket might.
    struct Trickle(&'static [u8]);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            buf[0] = *first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn chunks_gather_short_reads_up_to_their_size() {
        let mut reader = Trickle(b"abcdefghij");
        let chunks: Vec<Bytes> =
            std::iter::from_fn(|| read_chunk(&mut reader, 4).unwrap()).collect();
        assert_eq!(chunks, [&b"abcd"[..], b"efgh", b"ij"]);
    }

    #[test]
    fn a_file_segment_is_read_in_its_place_and_counted_in_the_length() {
        let body = with_file(5);
        assert_eq!(body.len(), 7);
        assert_eq!(body.to_bytes(), None, "the core reads no file");
        let reader = body.into_reader(files_are(5, b"12345")).unwrap();
        assert_eq!(read_in_threes(reader).unwrap(), b"<12345>");
    }

    #[test]
    fn a_file_that_changed_is_refused_before_anything_is_read() {
        let changed = with_file(5)
            .into_reader(files_are(9, b"123456789"))
            .unwrap_err();
        assert!(changed.is_refused());
        assert!(
            changed
                .to_string()
                .contains("front.png changed after it was checked: 5 bytes then, 9 now"),
            "{changed}"
        );
        let gone: OpenFile = Box::new(|path| {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is gone", path.display()),
            ))
        });
        let gone = with_file(5).into_reader(gone).unwrap_err();
        assert!(gone.is_refused());
        assert!(gone.to_string().contains("front.png is gone"), "{gone}");
        assert!(
            body()
                .into_reader(Box::new(|_| unreachable!("no file to open")))
                .is_ok()
        );
    }

    #[test]
    fn a_file_that_shrinks_while_it_is_sent_fails_the_read_and_one_that_grows_is_cut() {
        let shrunk = with_file(5).into_reader(files_are(5, b"123")).unwrap();
        let error = read_in_threes(shrunk).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            error.to_string().contains("front.png ended 2 bytes early"),
            "{error}"
        );
        let grown = with_file(5).into_reader(files_are(5, b"1234567")).unwrap();
        assert_eq!(
            read_in_threes(grown).unwrap(),
            b"<12345>",
            "the Content-Length holds"
        );
    }
}
