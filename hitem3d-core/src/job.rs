//! A client operation as one sans-IO machine: the core says which I/O to do, a front-end does
//! it and hands the result back. Every operation of both clients runs through one `drive` loop
//! per front-end over these types.

mod call_job;
mod callback_job;
mod download_job;
mod generate_job;
mod journal_outbox;
mod query_job;
mod recorded;
mod submit_job;
mod token_job;
mod upload_job;
mod wait_job;

use std::convert::Infallible;
use std::io;
use std::ops::Range;
use std::path::PathBuf;

use bytes::Bytes;
use hitem3d_types::AccessToken;
use http::{Request, Response};

pub use callback_job::CallbackJob;
pub use download_job::DownloadJob;
pub use generate_job::GenerateJob;
pub(crate) use journal_outbox::JournalOutbox;
pub use query_job::QueryJob;
pub use recorded::Recorded;
pub use submit_job::SubmitJob;
pub use token_job::{TokenJob, TokenStep};
pub use upload_job::UploadJob;
pub use wait_job::WaitJob;

use crate::journal::{JournalCall, JournalError, JournalReply};
use crate::{Body, CallError, PartialLocation, Timestamp, TransportFailure};

/// The I/O a job asks of its front-end, and what to answer with [`Job::on`].
#[derive(Debug)]
#[must_use]
pub enum Io<E, T> {
    /// Get a bearer token ([`crate::ClientCore::token`], which [`crate::Driver`] does); answer
    /// [`Input::Token`].
    Token {
        /// The token the service just refused, to drop from the cache.
        stale: Option<AccessToken>,
    },
    /// Send an API request and read its answer, at most [`crate::ANSWER_READ_LIMIT`] bytes,
    /// within [`crate::ClientConfig::request_timeout`]; answer [`Input::Answer`].
    Exchange(Request<Body>),
    /// Send a file request (no redirects followed, no credentials) and keep its body for
    /// [`Io::ReadBody`]; answer [`Input::Head`] with the status and headers.
    Fetch(Request<Body>),
    /// Read the next piece of the kept body, within
    /// [`crate::ClientConfig::download_idle_timeout`]; answer [`Input::Chunk`].
    ReadBody,
    /// Sleep until then, then ask again; nothing to answer.
    Sleep(Timestamp),
    /// Wait until [`crate::ClientCore::changes`] differs from this (a task slot was freed, or
    /// a token fetched), then ask again; nothing to answer.
    AwaitChange(u64),
    /// Create this directory and its parents; answer [`Input::File`].
    CreateDir(PathBuf),
    /// Create a new temporary file in the location's directory, which exists (removing any
    /// earlier one), and make it the destination of [`Io::Write`]; answer [`Input::File`].
    CreatePartial(PartialLocation),
    /// Append to the destination; answer [`Input::File`].
    Write(Bytes),
    /// Ask the system to start writing this range of the temporary file to disk without
    /// waiting for it ([`crate::Effects::start_writeback`]), so that [`Io::Commit`]'s flush finds
    /// little left; answer [`Input::File`] (an error only means the hint was not taken).
    StartWriteback(Range<u64>),
    /// Flush the temporary file to disk and rename it to `path`, replacing a file already
    /// there only when `overwrite`; answer [`Input::File`] (an existing file is
    /// [`std::io::ErrorKind::AlreadyExists`]).
    Commit {
        /// The final path.
        path: PathBuf,
        /// Whether an existing file there may be replaced.
        overwrite: bool,
    },
    /// Say whether something exists at this path; answer [`Input::Exists`].
    Exists(PathBuf),
    /// Flush the caller's writer; answer [`Input::File`].
    Flush,
    /// Run this operation on the task journal, where blocking is allowed (a store may wait for
    /// a lock); answer [`Input::Journal`].
    Journal(JournalCall),
    /// Hand this to the caller, then ask again.
    Emit(E),
    /// The job is over.
    Done(T),
}

/// The result of the I/O a job asked for.
#[derive(Debug)]
pub enum Input {
    /// For [`Io::Token`].
    Token(Result<AccessToken, CallError>),
    /// For [`Io::Exchange`].
    Answer(Result<Response<Bytes>, TransportFailure>),
    /// For [`Io::Fetch`]: the status and headers (the body is kept by the front-end).
    Head(Result<Response<()>, TransportFailure>),
    /// For [`Io::ReadBody`]: a piece, or `None` at the end of the body.
    Chunk(Result<Option<Bytes>, TransportFailure>),
    /// For the file steps.
    File(io::Result<()>),
    /// For [`Io::Exists`].
    Exists(io::Result<bool>),
    /// For [`Io::Journal`].
    Journal(Result<JournalReply, JournalError>),
}

/// One client operation as a state machine. A front-end loops: [`Job::next`], do the I/O,
/// [`Job::on`] with its result, until [`Io::Done`].
pub trait Job {
    /// What it reports while running.
    type Event;
    /// What it ends with.
    type Output;

    /// What to do next. After [`Io::Done`] a job must not be asked again.
    fn next(&mut self, now: Timestamp) -> Io<Self::Event, Self::Output>;

    /// The result of the I/O last asked for. An input the job did not ask for is ignored.
    fn on(&mut self, input: Input, now: Timestamp);

    /// The tracing span the front-end runs the job in.
    fn span(&self) -> tracing::Span {
        tracing::Span::none()
    }
}

/// A job borrowed: driven by someone who keeps it (to ask it more, or drop it later).
impl<J: Job + ?Sized> Job for &mut J {
    type Event = J::Event;
    type Output = J::Output;

    fn next(&mut self, now: Timestamp) -> Io<Self::Event, Self::Output> {
        (**self).next(now)
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        (**self).on(input, now);
    }

    fn span(&self) -> tracing::Span {
        (**self).span()
    }
}

impl<E, T> Io<E, T> {
    /// The same step as one of a composite job with other events: `event` maps an event, and
    /// the output of a finished job comes back as `Err` for the composite to go on from.
    pub(crate) fn forward<F, U>(self, event: impl FnOnce(E) -> F) -> Result<Io<F, U>, T> {
        Ok(match self {
            Self::Token { stale } => Io::Token { stale },
            Self::Exchange(request) => Io::Exchange(request),
            Self::Fetch(request) => Io::Fetch(request),
            Self::ReadBody => Io::ReadBody,
            Self::Sleep(until) => Io::Sleep(until),
            Self::AwaitChange(seen) => Io::AwaitChange(seen),
            Self::CreateDir(dir) => Io::CreateDir(dir),
            Self::CreatePartial(location) => Io::CreatePartial(location),
            Self::Write(bytes) => Io::Write(bytes),
            Self::StartWriteback(range) => Io::StartWriteback(range),
            Self::Commit { path, overwrite } => Io::Commit { path, overwrite },
            Self::Exists(path) => Io::Exists(path),
            Self::Flush => Io::Flush,
            Self::Journal(call) => Io::Journal(call),
            Self::Emit(value) => Io::Emit(event(value)),
            Self::Done(output) => return Err(output),
        })
    }
}

/// Where a front-end's step loop stops: at an event for the caller, or at the end.
#[derive(Debug)]
pub enum Yield<E, T> {
    /// Hand this to the caller; the job goes on.
    Event(E),
    /// The job is over.
    Done(T),
}

/// Events of a job that reports none.
pub type NoEvent = Infallible;
