//! The I/O the core's driver asks for, on the standard library and the client's transport, and the
//! file access of pictures sent from disk. Every future here finishes on its first poll.

use std::fs::File;
use std::io::{self, Read, Write};
#[cfg(target_os = "linux")]
use std::ops::Range;
use std::path::Path;

use hitem3d_core::front_end::*;
#[cfg(target_os = "linux")]
use rustix::fs::Advice::DontNeed;

use crate::client::Inner;
use crate::{ResponseBody, SendLimits};

/// Bytes read per step; also how often progress is reported.
const CHUNK: usize = 64 * 1024;

impl Effects for Inner {
    type Body = ResponseBody;
    type Partial = (File, tempfile::TempPath);

    fn now(&self) -> Timestamp {
        Timestamp::from_elapsed(self.epoch.elapsed())
    }

    async fn sleep_until(&self, until: Timestamp) {
        std::thread::sleep(until.elapsed().saturating_sub(self.epoch.elapsed()));
    }

    async fn await_change(&self, core: &ClientCore, seen: u64) {
        self.changed.wait(core, seen);
    }

    async fn exchange(&self, request: Request<Body>) -> Result<Response<Bytes>, TransportFailure> {
        let limits = SendLimits::whole(self.core.config().request_timeout);
        let (head, body) = self.transport.send(request, limits)?.into_parts();
        let mut bytes = Vec::with_capacity(answer_capacity(&head.headers));
        body.take(ANSWER_READ_LIMIT as u64)
            .read_to_end(&mut bytes)
            .map_err(|error| TransportFailure::body_failed(&error))?;
        Ok(Response::from_parts(head, Bytes::from(bytes)))
    }

    async fn fetch(
        &self,
        request: Request<Body>,
    ) -> Result<Response<ResponseBody>, TransportFailure> {
        let limits = SendLimits::idle(self.core.config().download_idle_timeout);
        self.transport.send(request, limits)
    }

    async fn read(&self, body: &mut ResponseBody) -> Result<Option<Bytes>, TransportFailure> {
        read_chunk(body, CHUNK).map_err(|error| TransportFailure::body_failed(&error))
    }

    async fn create_dir(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)
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
        Ok((file, temp))
    }

    fn partial_path<'p>(&self, (_, temp): &'p Self::Partial) -> &'p Path {
        temp
    }

    async fn write(&self, (file, _): &mut Self::Partial, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }

    #[cfg(target_os = "linux")]
    async fn start_writeback(&self, file: &mut Self::Partial, range: Range<u64>) -> io::Result<()> {
        // Advice that the range is not needed starts writing it to disk at once (its pages
        // stay cached until written).
        let length = std::num::NonZeroU64::new(range.end - range.start);
        Ok(rustix::fs::fadvise(&file.0, range.start, length, DontNeed)?)
    }

    async fn commit(
        &self,
        (file, temp): Self::Partial,
        path: &Path,
        overwrite: bool,
    ) -> io::Result<()> {
        // Synced, and closed at the end of the statement (moved into the block), before the
        // rename.
        File::sync_all(&{ file })?;
        match overwrite {
            true => temp.persist(path),
            false => temp.persist_noclobber(path),
        }
        .map_err(|error| error.error)
    }

    async fn exists(&self, path: &Path) -> io::Result<bool> {
        // The name, not what it points to: a dangling link takes it too.
        hitem3d_core::name_taken(path.symlink_metadata())
    }
}

/// A picture on disk, checked like one in memory (size, format from its first bytes) but
/// never read whole: the transport streams the file as it sends the task, so a submit's memory
/// does not grow with its pictures.
///
/// # Errors
/// [`Error::File`] when the file cannot be opened or read.
pub fn image_from_path(path: impl AsRef<Path>) -> Result<Image, Error> {
    Image::open(path.as_ref(), &mut open_file())
}

/// A mesh on disk for [`crate::Client::upload_mesh`], its type named by its extension and
/// checked against its first bytes; the upload streams the file.
///
/// # Errors
/// [`Error::File`] when the file cannot be read, [`Error::Mesh`] when it is no mesh the upload
/// takes.
pub fn mesh_from_path(path: impl AsRef<Path>) -> Result<MeshFile, Error> {
    MeshFile::open(path.as_ref(), &mut open_file())
}

/// The file access the core's pictures and bodies are given.
pub(crate) fn open_file() -> OpenFile {
    file_access(|path| File::open(path), |file| Ok(file.metadata()?.len()))
}
