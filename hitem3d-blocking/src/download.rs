//! Streaming a result file to a path (atomically) or to any writer.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use hitem3d_core::{
    BodyAction, DownloadPlan, DownloadProgress, DownloadStep, DownloadSummary, Error,
    PartialLocation, ResultKind, SavedFile, TaskResult,
};

use crate::transport::body_failure;
use crate::{Client, SendLimits};

/// Bytes read per step; also how often progress is reported.
const CHUNK: usize = 64 * 1024;

/// Where the bytes go, and whether it can start over after a broken body.
trait Destination {
    /// Empties the destination before a body is written from its start.
    fn restart(&mut self) -> Result<(), Error>;
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error>;
}

/// A temporary file next to the final path, renamed into place only when complete; removed if
/// the download fails or panics.
struct PartialFile {
    file: std::fs::File,
    temp: tempfile::TempPath,
}

impl Destination for PartialFile {
    fn restart(&mut self) -> Result<(), Error> {
        let path = self.temp.to_path_buf();
        self.file
            .set_len(0)
            .map_err(|source| Error::file("truncate", &path, source))?;
        self.file
            .seek(SeekFrom::Start(0))
            .map(drop)
            .map_err(|source| Error::file("rewind", &path, source))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.file
            .write_all(bytes)
            .map_err(|source| Error::file("write", self.temp.to_path_buf(), source))
    }
}

/// A caller's writer: it cannot start over, so a body that breaks off is not refetched.
struct Writer<'a, W>(&'a mut W);

impl<W: Write> Destination for Writer<'_, W> {
    fn restart(&mut self) -> Result<(), Error> {
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.0.write_all(bytes).map_err(Error::Write)
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
    pub fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
    ) -> Result<SavedFile, Error> {
        self.download_with(result, kind, path, |_| {})
    }

    /// [`Client::download`], reporting bytes as they arrive.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub fn download_with(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: impl AsRef<Path>,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<SavedFile, Error> {
        let path = path.as_ref();
        let mut partial = create_partial(path)?;
        let plan = self.download_plan(result, kind);
        let summary = self.run_download(plan, &mut partial, on_progress)?;
        let PartialFile { file, temp } = partial;
        file.sync_all()
            .map_err(|source| Error::file("flush", temp.to_path_buf(), source))?;
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
    pub fn download_to_writer<W: Write>(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        writer: &mut W,
        on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let plan = self
            .download_plan(result, kind)
            .with_append_only_destination();
        let summary = self.run_download(plan, &mut Writer(&mut *writer), on_progress)?;
        writer.flush().map_err(Error::Write)?;
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

    fn run_download(
        &self,
        mut plan: DownloadPlan,
        destination: &mut impl Destination,
        mut on_progress: impl FnMut(DownloadProgress),
    ) -> Result<DownloadSummary, Error> {
        let _entered =
            tracing::info_span!("hitem3d.download", task_id = %plan.result().task_id).entered();
        let limits = SendLimits::idle(self.inner.config.download_idle_timeout);
        let mut buffer = vec![0_u8; CHUNK];
        loop {
            match plan.next(self.now()) {
                DownloadStep::Requery(task_id) => {
                    tracing::debug!("link stale or refused; querying for fresh links");
                    let answer = self.query_once(&task_id);
                    plan.on_requery(answer, self.now());
                }
                DownloadStep::Wait { until } => self.inner.clock.sleep_until(until),
                DownloadStep::Done(result) => return Ok(result?),
                DownloadStep::Get(request) => {
                    tracing::debug!(attempt = plan.attempts(), "fetching");
                    let response = match self.inner.transport.send(request, limits) {
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
                    destination.restart()?;
                    on_progress(plan.progress(0));
                    let mut bytes = 0_u64;
                    let broke = loop {
                        match body.read(&mut buffer) {
                            Ok(0) => break None,
                            Ok(read) => {
                                destination.write(&buffer[..read])?;
                                bytes += read as u64;
                                on_progress(plan.progress(bytes));
                            }
                            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                            Err(error) => break Some(body_failure(&error)),
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
}

/// Opens the temporary file of a download to `path`.
fn create_partial(path: &Path) -> Result<PartialFile, Error> {
    let location = PartialLocation::for_path(path)?;
    std::fs::create_dir_all(&location.dir)
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
    Ok(PartialFile { file, temp })
}
