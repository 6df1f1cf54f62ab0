//! The I/O a job's file steps need: the body being read, and where it is written.

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use bytes::{Bytes, BytesMut};
use hitem3d_core::{Body, PartialLocation, TransportFailure};
use http::{Request, Response};

use crate::{ResponseBody, SendLimits, Transport};

/// Bytes read per step; also how often progress is reported.
const CHUNK: usize = 64 * 1024;

/// The open file body and destination of one job. A temporary file is removed if the job
/// fails or panics.
pub(crate) struct JobIo<'a, W> {
    body: Option<ResponseBody>,
    file: Option<(File, tempfile::TempPath)>,
    writer: Option<&'a mut W>,
}

impl JobIo<'static, io::Sink> {
    /// For jobs that write files, or nothing.
    pub(crate) fn new() -> Self {
        Self {
            body: None,
            file: None,
            writer: None,
        }
    }
}

impl<'a, W: Write> JobIo<'a, W> {
    /// For a download into a caller's writer.
    pub(crate) fn writer(writer: &'a mut W) -> Self {
        Self {
            body: None,
            file: None,
            writer: Some(writer),
        }
    }

    pub(crate) fn fetch(
        &mut self,
        transport: &dyn Transport,
        request: Request<Body>,
        limits: SendLimits,
    ) -> Result<Response<()>, TransportFailure> {
        self.body = None;
        let (head, body) = transport.send(request, limits)?.into_parts();
        self.body = Some(body);
        Ok(Response::from_parts(head, ()))
    }

    pub(crate) fn read(&mut self) -> Result<Option<Bytes>, TransportFailure> {
        let Some(body) = &mut self.body else {
            return Ok(None);
        };
        let mut chunk = BytesMut::zeroed(CHUNK);
        loop {
            match body.read(&mut chunk) {
                Ok(0) => return Ok(None),
                Ok(read) => {
                    chunk.truncate(read);
                    return Ok(Some(chunk.freeze()));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(TransportFailure::body_failed(&error)),
            }
        }
    }

    pub(crate) fn create(&mut self, location: &PartialLocation) -> io::Result<()> {
        std::fs::create_dir_all(&location.dir)?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(&location.prefix).suffix(location.suffix);
        // A model is an ordinary file once renamed: readable as the umask allows, not owner-only
        // like a temporary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        self.file = Some(builder.tempfile_in(&location.dir)?.into_parts());
        Ok(())
    }

    pub(crate) fn truncate(&mut self) -> io::Result<()> {
        let (file, _) = self.file.as_mut().ok_or_else(no_destination)?;
        file.set_len(0)?;
        file.rewind()
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match (&mut self.file, &mut self.writer) {
            (Some((file, _)), _) => file.write_all(bytes),
            (None, Some(writer)) => writer.write_all(bytes),
            (None, None) => Err(no_destination()),
        }
    }

    pub(crate) fn commit(&mut self, path: &Path) -> io::Result<()> {
        let (file, temp) = self.file.take().ok_or_else(no_destination)?;
        file.sync_all()?;
        drop(file);
        temp.persist(path).map_err(|error| error.error)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().ok_or_else(no_destination)?.flush()
    }
}

fn no_destination() -> io::Error {
    io::Error::other("the job wrote before it opened a destination")
}
