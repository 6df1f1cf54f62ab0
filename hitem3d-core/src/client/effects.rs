//! The I/O a front-end does for the core's jobs: each method one effect, deciding nothing.

use std::io;
use std::ops::Range;
use std::path::Path;

use bytes::Bytes;
use http::{Request, Response};

use crate::journal::{JournalCall, JournalError, JournalReply};
use crate::{Body, ClientCore, PartialLocation, Timestamp, TransportFailure};

/// The I/O a front-end can do. Each method does one thing and decides nothing; the
/// [`crate::Driver`] says when. `hitem3d-async` implements it on its async runtime and HTTP client,
/// `hitem3d-blocking` on blocking I/O, whose futures finish on their first poll.
pub trait Effects {
    /// A response body being read.
    type Body;
    /// A temporary file being written.
    type Partial;

    /// Now, on a monotonic clock.
    fn now(&self) -> Timestamp;

    /// Returns at `until`.
    fn sleep_until(&self, until: Timestamp) -> impl Future<Output = ()>;

    /// Returns once `core`'s [`ClientCore::changes`] differs from `seen`, woken by the
    /// callback given to [`ClientCore::new`].
    fn await_change(&self, core: &ClientCore, seen: u64) -> impl Future<Output = ()>;

    /// Sends an API request and reads its answer, at most [`crate::ANSWER_READ_LIMIT`]
    /// bytes, all within [`crate::ClientConfig::request_timeout`]; running out of time is
    /// [`TransportFailure::call_timed_out`].
    fn exchange(
        &self,
        request: Request<Body>,
    ) -> impl Future<Output = Result<Response<Bytes>, TransportFailure>>;

    /// Sends a file request and returns when its head has arrived, within
    /// [`crate::ClientConfig::download_idle_timeout`].
    fn fetch(
        &self,
        request: Request<Body>,
    ) -> impl Future<Output = Result<Response<Self::Body>, TransportFailure>>;

    /// The next piece of `body`, `None` at its end; nothing for the idle timeout is
    /// [`TransportFailure::idle_timed_out`].
    fn read(
        &self,
        body: &mut Self::Body,
    ) -> impl Future<Output = Result<Option<Bytes>, TransportFailure>>;

    /// Creates a directory and its parents.
    fn create_dir(&self, dir: &Path) -> impl Future<Output = io::Result<()>>;

    /// Creates a new temporary file in the location's directory, which exists; dropped, it is
    /// removed. It is locked (an advisory lock, held until it is committed or dropped), so a
    /// later run can tell a file whose writer was killed from one still being written.
    fn create_partial(
        &self,
        location: &PartialLocation,
    ) -> impl Future<Output = io::Result<Self::Partial>>;

    /// Where the temporary file is, to list it in [`ClientCore::partial_files`] while it
    /// exists.
    fn partial_path<'p>(&self, file: &'p Self::Partial) -> &'p Path;

    /// Appends to the temporary file.
    fn write(&self, file: &mut Self::Partial, bytes: &[u8])
    -> impl Future<Output = io::Result<()>>;

    /// Asks the system to start writing `range` of the temporary file to disk, without waiting
    /// for it, so that [`Effects::commit`]'s flush finds little left to write. A hint: an
    /// error is logged at DEBUG and otherwise ignored. The default answers
    /// [`io::ErrorKind::Unsupported`], for systems that have no such request.
    fn start_writeback(
        &self,
        file: &mut Self::Partial,
        range: Range<u64>,
    ) -> impl Future<Output = io::Result<()>> {
        let _ = (file, range);
        std::future::ready(Err(io::ErrorKind::Unsupported.into()))
    }

    /// Flushes the temporary file to disk and renames it to `path`. Unless `overwrite`, a file
    /// already at `path` stays and the answer is [`io::ErrorKind::AlreadyExists`] (the
    /// temporary file is then removed).
    fn commit(
        &self,
        file: Self::Partial,
        path: &Path,
        overwrite: bool,
    ) -> impl Future<Output = io::Result<()>>;

    /// Whether anything exists at `path`, a symbolic link included even when what it points to
    /// does not: the name is taken, and a file saved there later would fail after payment.
    fn exists(&self, path: &Path) -> impl Future<Output = io::Result<bool>>;

    /// Runs a journal operation. The default runs it on the calling thread
    /// ([`JournalCall::run`]), as a front-end whose every effect blocks does; a store may block
    /// for seconds (SQLite waits for another process's lock), so an async front-end overrides
    /// it to run blocking stores off its runtime's workers and to await async ones
    /// ([`JournalCall::run_async`]).
    fn journal(
        &self,
        call: JournalCall,
    ) -> impl Future<Output = Result<JournalReply, JournalError>> {
        std::future::ready(call.run())
    }
}

/// [`Effects::exists`]'s answer from looking `path` up without following a symbolic link
/// (`symlink_metadata`): taken when anything answered, free when nothing is there.
///
/// ```
/// use std::io;
/// use hitem3d_core::name_taken;
///
/// let nothing = io::Error::from(io::ErrorKind::NotFound);
/// assert!(!name_taken(Err::<(), _>(nothing)).unwrap());
/// assert!(name_taken(Ok::<(), io::Error>(())).unwrap());
/// assert!(name_taken(Err::<(), _>(io::Error::from(io::ErrorKind::PermissionDenied))).is_err());
/// ```
///
/// # Errors
/// The lookup's error, unless it says nothing is there.
pub fn name_taken<T>(lookup: io::Result<T>) -> io::Result<bool> {
    match lookup {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}
