//! Streaming a result file to a path (atomically) or to any writer.

use std::io::SeekFrom;
use std::path::Path;

use futures_util::StreamExt;
use hitem3d_core::{
    BodyAction, DownloadPlan, DownloadProgress, DownloadStep, DownloadSummary, Error,
    PartialLocation, ResultKind, SavedFile, TaskResult, TransportFailure,
};
use tokio::io::{AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tracing::Instrument;

use crate::Client;

/// Where the bytes go, and whether it can start over after a broken body.
trait Destination {
    /// Empties the destination before a body is written from its start.
    async fn restart(&mut self) -> Result<(), Error>;
    async fn write(&mut self, bytes: &[u8]) -> Result<(), Error>;
}

/// A temporary file next to the final path, renamed into place only when complete; removed if
/// the download fails or its future is dropped.
struct PartialFile {
    file: tokio::fs::File,
    temp: tempfile::TempPath,
}

impl Destination for PartialFile {
    async fn restart(&mut self) -> Result<(), Error> {
        let path = self.temp.to_path_buf();
        self.file
            .set_len(0)
            .await
            .map_err(|source| Error::file("truncate", &path, source))?;
        self.file
            .seek(SeekFrom::Start(0))
            .await
            .map(drop)
            .map_err(|source| Error::file("rewind", &path, source))
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.file
            .write_all(bytes)
            .await
            .map_err(|source| Error::file("write", self.temp.to_path_buf(), source))
    }
}

/// A caller's writer: it cannot start over, so a body that breaks off is not refetched.
struct Writer<'a, W>(&'a mut W);

impl<W: AsyncWrite + Unpin> Destination for Writer<'_, W> {
    async fn restart(&mut self) -> Result<(), Error> {
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.0.write_all(bytes).await.map_err(Error::Write)
    }
}

impl Client {
    /// Downloads one result file to `path`: streamed to a temporary file in the same directory
    /// (made if missing) and renamed to `path` only when complete, so `path` never holds half
    /// a model. Stale or refused links (a result link lives an hour) are replaced by querying
    /// the task again; the bearer token is never sent to the file host.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::File`] when it cannot be
    /// written.
    pub async fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
    ) -> Result<SavedFile, Error> {
        self.download_with(result, kind, path, |_| {}).await
    }

    /// [`Client::download`], reporting bytes as they arrive.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub async fn download_with(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<SavedFile, Error> {
        let path = path.as_ref();
        let mut partial = create_partial(path).await?;
        let plan = self.download_plan(result, kind);
        let summary = self.run_download(plan, &mut partial, on_progress).await?;
        let PartialFile { file, temp } = partial;
        let temp_path = temp.to_path_buf();
        file.sync_all()
            .await
            .map_err(|source| Error::file("flush", &temp_path, source))?;
        drop(file);
        temp.persist(path)
            .map_err(|error| Error::file("rename to", path, error.error))?;
        tracing::info!(path = %path.display(), bytes = summary.bytes, "saved");
        Ok(SavedFile::new(path, summary))
    }

    /// Streams one result file into `writer` (a socket, a hasher, memory). A writer cannot
    /// start over, so a body that breaks off midway ends with an error instead of a refetch on
    /// top of the bytes written; [`Client::download`] has no such limit.
    ///
    /// # Errors
    /// [`Error::Download`] when the file cannot be fetched, [`Error::Write`] when the writer
    /// fails.
    pub async fn download_to_writer<W: AsyncWrite + Unpin>(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        writer: &mut W,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let plan = self
            .download_plan(result, kind)
            .with_append_only_destination();
        let summary = self
            .run_download(plan, &mut Writer(&mut *writer), on_progress)
            .await?;
        writer.flush().await.map_err(Error::Write)?;
        Ok(summary)
    }

    fn download_plan(&self, result: &TaskResult, kind: ResultKind) -> DownloadPlan {
        DownloadPlan::new(
            &self.inner.requests,
            result.clone(),
            kind,
            self.inner.config.download,
            self.seed(),
        )
    }

    async fn run_download(
        &self,
        mut plan: DownloadPlan,
        destination: &mut impl Destination,
        mut on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let span = tracing::info_span!(
            "hitem3d.download",
            task_id = %plan.result().task_id,
        );
        let idle = self.inner.config.download_idle_timeout;
        async move {
            loop {
                match plan.next(self.now()) {
                    DownloadStep::Requery(task_id) => {
                        tracing::debug!("link stale or refused; querying for fresh links");
                        let answer = self.query_once(&task_id).await;
                        plan.on_requery(answer, self.now());
                    }
                    DownloadStep::Wait { until } => self.inner.clock.sleep_until(until).await,
                    DownloadStep::Done(result) => return Ok(result?),
                    DownloadStep::Get(request) => {
                        tracing::debug!(attempt = plan.attempts(), "fetching");
                        let response = match within(idle, self.inner.transport.send(request))
                            .await
                            .and_then(|sent| sent)
                        {
                            Ok(response) => response,
                            Err(failure) => {
                                plan.on_transport_failure(failure, self.now());
                                continue;
                            }
                        };
                        let (parts, mut body) = response.into_parts();
                        if plan.on_response(parts.status, &parts.headers, self.now())
                            == BodyAction::Discard
                        {
                            continue;
                        }
                        destination.restart().await?;
                        on_progress(plan.progress(0));
                        let mut bytes = 0_u64;
                        let broke = loop {
                            match within(idle, body.next()).await {
                                Ok(Some(Ok(chunk))) => {
                                    destination.write(&chunk).await?;
                                    bytes += chunk.len() as u64;
                                    on_progress(plan.progress(bytes));
                                }
                                Ok(None) => break None,
                                Ok(Some(Err(failure))) | Err(failure) => break Some(failure),
                            }
                        };
                        match broke {
                            None => plan.on_saved(bytes, self.now()),
                            Some(failure) => plan.on_transport_failure(failure, self.now()),
                        }
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Runs `future`, or reports a timeout if nothing arrives within `idle`.
async fn within<T>(
    idle: std::time::Duration,
    future: impl Future<Output = T>,
) -> Result<T, TransportFailure> {
    tokio::time::timeout(idle, future).await.map_err(|_| {
        TransportFailure::timed_out(
            hitem3d_core::Delivery::MaybeSent,
            format!("nothing received for {} s", idle.as_secs_f64()),
        )
    })
}

/// Opens the temporary file of a download to `path`.
async fn create_partial(path: &Path) -> Result<PartialFile, Error> {
    let location = PartialLocation::for_path(path)?;
    tokio::fs::create_dir_all(&location.dir)
        .await
        .map_err(|source| Error::file("create the directory", &location.dir, source))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(&location.prefix).suffix(location.suffix);
    // A model is an ordinary file once renamed: readable as the umask allows, not owner-only
    // like a temporary file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let named = builder
        .tempfile_in(&location.dir)
        .map_err(|source| Error::file("create a temporary file in", &location.dir, source))?;
    let (file, temp) = named.into_parts();
    Ok(PartialFile {
        file: tokio::fs::File::from_std(file),
        temp,
    })
}
