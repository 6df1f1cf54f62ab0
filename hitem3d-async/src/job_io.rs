//! The I/O a job's file steps need: the body being read, and where it is written.

use std::io;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use hitem3d_core::{Body, PartialLocation, TransportFailure};
use http::{Request, Response};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt};

use crate::{ResponseBody, Transport};

/// The open file body and destination of one job. A temporary file is removed if the job
/// fails or its future is dropped.
pub(crate) struct JobIo<'a, W> {
    body: Option<ResponseBody>,
    file: Option<(tokio::fs::File, tempfile::TempPath)>,
    writer: Option<&'a mut W>,
}

impl JobIo<'static, tokio::io::Sink> {
    /// For jobs that write files, or nothing.
    pub(crate) fn new() -> Self {
        Self {
            body: None,
            file: None,
            writer: None,
        }
    }
}

impl<'a, W: AsyncWrite + Unpin> JobIo<'a, W> {
    /// For a download into a caller's writer.
    pub(crate) fn writer(writer: &'a mut W) -> Self {
        Self {
            body: None,
            file: None,
            writer: Some(writer),
        }
    }

    pub(crate) async fn fetch(
        &mut self,
        transport: &dyn Transport,
        request: Request<Body>,
        idle: Duration,
    ) -> Result<Response<()>, TransportFailure> {
        self.body = None;
        let (head, body) = within(idle, transport.send(request)).await??.into_parts();
        self.body = Some(body);
        Ok(Response::from_parts(head, ()))
    }

    pub(crate) async fn read(&mut self, idle: Duration) -> Result<Option<Bytes>, TransportFailure> {
        let Some(body) = &mut self.body else {
            return Ok(None);
        };
        within(idle, body.next()).await?.transpose()
    }

    pub(crate) async fn create(&mut self, location: PartialLocation) -> io::Result<()> {
        tokio::fs::create_dir_all(&location.dir).await?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(&location.prefix).suffix(location.suffix);
        // A model is an ordinary file once renamed: readable as the umask allows, not owner-only
        // like a temporary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (file, temp) = builder.tempfile_in(&location.dir)?.into_parts();
        self.file = Some((tokio::fs::File::from_std(file), temp));
        Ok(())
    }

    pub(crate) async fn truncate(&mut self) -> io::Result<()> {
        let (file, _) = self.file.as_mut().ok_or_else(no_destination)?;
        file.set_len(0).await?;
        file.rewind().await.map(drop)
    }

    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match (&mut self.file, &mut self.writer) {
            (Some((file, _)), _) => file.write_all(bytes).await,
            (None, Some(writer)) => writer.write_all(bytes).await,
            (None, None) => Err(no_destination()),
        }
    }

    pub(crate) async fn commit(&mut self, path: &Path) -> io::Result<()> {
        let (file, temp) = self.file.take().ok_or_else(no_destination)?;
        file.sync_all().await?;
        drop(file);
        temp.persist(path).map_err(|error| error.error)
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        self.writer
            .as_mut()
            .ok_or_else(no_destination)?
            .flush()
            .await
    }
}

fn no_destination() -> io::Error {
    io::Error::other("the job wrote before it opened a destination")
}

/// Runs `future`, or reports a timeout if nothing arrives within `idle`.
async fn within<T>(idle: Duration, future: impl Future<Output = T>) -> Result<T, TransportFailure> {
    tokio::time::timeout(idle, future)
        .await
        .map_err(|_| TransportFailure::idle_timed_out(idle))
}
