//! The I/O the core's driver asks for, on tokio and the client's transport.

use std::io;
#[cfg(target_os = "linux")]
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use hitem3d_core::front_end::*;
#[cfg(target_os = "linux")]
use rustix::fs::Advice::DontNeed;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::ResponseBody;
use crate::client::Inner;

type Answer = Result<Response<Bytes>, TransportFailure>;

impl Effects for Inner {
    type Body = ResponseBody;
    type Partial = (tokio::fs::File, tempfile::TempPath);

    fn now(&self) -> Timestamp {
        Timestamp::from_elapsed(self.epoch.elapsed())
    }

    async fn sleep_until(&self, until: Timestamp) {
        // On tokio's clock, so that paused-time tests drive it too.
        tokio::time::sleep_until(self.epoch + until.elapsed()).await;
    }

    async fn await_change(&self, core: &ClientCore, seen: u64) {
        loop {
            // Made before looking, so a change in between still wakes this caller.
            let changed = self.changed.notified();
            if core.changes() != seen {
                return;
            }
            changed.await;
        }
    }

    // Not an `async fn`, which would keep the request beside the transport's future that took it.
    fn exchange(&self, request: Request<Body>) -> impl Future<Output = Answer> {
        let limit = self.core.config().request_timeout;
        let sent = self.transport.send(request);
        let exchange = async move {
            let (head, mut body) = sent.await?.into_parts();
            let mut bytes = BytesMut::with_capacity(answer_capacity(&head.headers));
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk?);
                if bytes.len() >= ANSWER_READ_LIMIT {
                    break;
                }
            }
            Ok(Response::from_parts(head, bytes.freeze()))
        };
        let bounded = tokio::time::timeout(limit, exchange);
        bounded.map(move |answer| {
            answer.unwrap_or_else(|_| Err(TransportFailure::call_timed_out(limit)))
        })
    }

    async fn fetch(
        &self,
        request: Request<Body>,
    ) -> Result<Response<ResponseBody>, TransportFailure> {
        within(self.idle(), self.transport.send(request)).await?
    }

    async fn read(&self, body: &mut ResponseBody) -> Result<Option<Bytes>, TransportFailure> {
        within(self.idle(), body.next()).await?.transpose()
    }

    async fn create_dir(&self, dir: &Path) -> io::Result<()> {
        tokio::fs::create_dir_all(dir).await
    }

    async fn create_partial(&self, location: &PartialLocation) -> io::Result<Self::Partial> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(&location.prefix).suffix(location.suffix);
        // A model is an ordinary file once renamed: readable as the umask allows, not owner-only
        // like a temporary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let (file, temp) = builder.tempfile_in(&location.dir)?.into_parts();
        // Held until renamed or the process ends: a partial file no process holds is stale.
        file.try_lock()?;
        Ok((tokio::fs::File::from_std(file), temp))
    }

    fn partial_path<'p>(&self, (_, temp): &'p Self::Partial) -> &'p Path {
        temp
    }

    async fn write(&self, (file, _): &mut Self::Partial, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes).await
    }

    #[cfg(target_os = "linux")]
    async fn start_writeback(
        &self,
        (file, _): &mut Self::Partial,
        range: Range<u64>,
    ) -> io::Result<()> {
        // No flush first: tokio may still be writing the last piece, which the final flush
        // then writes; a flush here would take the error of a failed write, which must fail
        // the download instead of ending as an ignored hint.
        let file = std::os::fd::AsFd::as_fd(file).try_clone_to_owned()?;
        let length = std::num::NonZeroU64::new(range.end - range.start);
        // Advice that the range is not needed starts writing it to disk at once (its pages
        // stay cached until written); the call may wait for the disk's queue.
        let advise = move || rustix::fs::fadvise(file, range.start, length, DontNeed);
        Ok(crate::upload_files::off_runtime(advise).await?)
    }

    async fn commit(
        &self,
        (file, temp): Self::Partial,
        path: &Path,
        overwrite: bool,
    ) -> io::Result<()> {
        file.sync_all().await?;
        drop(file);
        let persisted = if overwrite {
            temp.persist(path)
        } else {
            temp.persist_noclobber(path)
        };
        persisted.map_err(|error| error.error)
    }

    async fn exists(&self, path: &Path) -> io::Result<bool> {
        // The name, not what it points to: a dangling link takes it too.
        hitem3d_core::name_taken(tokio::fs::symlink_metadata(path).await)
    }

    async fn journal(&self, call: JournalCall) -> Result<JournalReply, JournalError> {
        if let JournalStore::Async(_) = &call.store {
            return call.run_async().await;
        }
        // A blocking store may wait seconds for a lock: on the blocking pool, never on a
        // worker, which would stall every other task of the runtime meanwhile.
        crate::upload_files::off_runtime(move || call.run()).await
    }
}

impl Inner {
    fn idle(&self) -> Duration {
        self.core.config().download_idle_timeout
    }
}

/// A caller's writer as the destination of a download.
pub(crate) struct WriterSink<'a, W>(pub(crate) &'a mut W);

impl<W: AsyncWrite + Unpin> Sink for WriterSink<'_, W> {
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes).await
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.0.flush().await
    }
}

/// Runs `future`, or reports a timeout if nothing arrives within `idle`.
async fn within<T>(idle: Duration, future: impl Future<Output = T>) -> Result<T, TransportFailure> {
    tokio::time::timeout(idle, future)
        .await
        .map_err(|_| TransportFailure::idle_timed_out(idle))
}
