//! The one loop that runs every job: it asks the job what to do, has the front-end do that
//! I/O through [`Effects`], and hands the result back. The core still does no I/O of its own:
//! each front-end passes in its network, files, clock and waiting.

use std::borrow::BorrowMut;
use std::io;
use std::ops::Range;
use std::path::Path;

use bytes::Bytes;
use http::{Request, Response};
use tracing::Instrument;

use crate::client::started::Started;
use crate::{
    Body, CallError, ClientCore, Effects, Input, Io, Job, PartialListing, PartialLocation,
    TokenJob, TokenStep, TransportFailure, Yield,
};

/// A caller's destination for a download: a writer that cannot start over.
pub trait Sink {
    /// Appends `bytes`.
    fn write(&mut self, bytes: &[u8]) -> impl Future<Output = io::Result<()>>;
    /// Flushes what was written.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>>;
}

/// Any [`std::io::Write`] (a `Vec`, a hasher, a socket) is a sink; the core calls it only when
/// a job hands it bytes.
impl<W: io::Write> Sink for W {
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write_all(bytes)
    }

    async fn flush(&mut self) -> io::Result<()> {
        io::Write::flush(self)
    }
}

/// The sink of jobs that write no caller's writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSink;

impl Sink for NoSink {
    async fn write(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Err(no_destination())
    }

    async fn flush(&mut self) -> io::Result<()> {
        Err(no_destination())
    }
}

/// Runs jobs on a front-end's [`Effects`]: the open body and temporary file of a download live
/// here between steps.
pub struct Driver<'a, E: Effects, S = NoSink> {
    core: &'a ClientCore,
    effects: &'a E,
    body: Option<E::Body>,
    /// Boxed: most jobs write no file, and the driver is part of every call's future.
    partial: Option<Box<Partial<E::Partial>>>,
    /// The token this operation fetches for every caller, and its span, while it does.
    token_fetch: Option<(Box<TokenJob>, tracing::Span)>,
    sink: S,
}

impl<E: Effects, S> std::fmt::Debug for Driver<'_, E, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("reading", &self.body.is_some())
            .field("writing", &self.partial.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a, E: Effects> Driver<'a, E> {
    /// A driver of `core`'s jobs for jobs that write files or nothing.
    #[must_use]
    pub fn new(core: &'a ClientCore, effects: &'a E) -> Self {
        Self::with_sink(core, effects, NoSink)
    }
}

impl<'a, E: Effects, S: Sink> Driver<'a, E, S> {
    /// A driver of `core`'s jobs whose downloads go to `sink`.
    #[must_use]
    pub fn with_sink(core: &'a ClientCore, effects: &'a E, sink: S) -> Self {
        Self {
            core,
            effects,
            body: None,
            partial: None,
            token_fetch: None,
            sink,
        }
    }

    /// Runs `job` to its end in its span, handing its events to `on_event`.
    pub fn run<J: Job>(
        &mut self,
        job: J,
        on_event: impl FnMut(J::Event),
    ) -> impl Future<Output = J::Output> {
        run_to_end(self, job, on_event)
    }

    /// As [`Driver::run`], the driver moved into the future: for a future that outlives the
    /// place where the driver was made, such as one a function returns.
    pub fn into_run<J: Job>(
        self,
        job: J,
        on_event: impl FnMut(J::Event),
    ) -> impl Future<Output = J::Output> {
        run_to_end(self, job, on_event)
    }

    /// Runs `job` until its next event or its end.
    pub async fn step<J: Job>(&mut self, job: &mut J) -> Yield<J::Event, J::Output> {
        let core = self.core;
        let mut now = self.effects.now();
        loop {
            // A token this operation fetches for every caller goes first; its steps are I/O
            // like any other.
            if let Some((fetch, span)) = &mut self.token_fetch {
                match fetch.next(now) {
                    Io::Done(token) => {
                        // Dropping the fetch lets the callers waiting on it go on.
                        self.token_fetch = None;
                        job.on(Input::Token(token), now);
                    }
                    io => {
                        let span = span.clone();
                        let input = Box::pin(self.perform(io)).instrument(span).await;
                        now = self.effects.now();
                        if let (Some(input), Some((fetch, _))) = (input, &mut self.token_fetch) {
                            fetch.on(input, now);
                        }
                    }
                }
                continue;
            }
            // Started with no await in the match: a match keeps its partly moved value (a
            // whole `Io`) beside every future awaited in its arms.
            let started = match job.next(now) {
                Io::Done(output) => return Yield::Done(output),
                Io::Emit(event) => return Yield::Event(event),
                // The cache decides: a token, a wait for another caller's fetch (the job then
                // asks again), or this caller's fetch for everyone.
                Io::Token { stale } => match core.token(stale.as_ref(), now) {
                    // No I/O: the job goes on at the same instant.
                    TokenStep::Ready(token) => {
                        job.on(Input::Token(Ok(token)), now);
                        continue;
                    }
                    TokenStep::Refused(error) => {
                        job.on(Input::Token(Err(error)), now);
                        continue;
                    }
                    TokenStep::Wait(seen) => Started::Other {
                        other: Box::pin(self.perform(Io::<J::Event, J::Output>::AwaitChange(seen))),
                    },
                    TokenStep::Fetch(fetch) => {
                        let span = fetch.span();
                        self.token_fetch = Some((fetch, span));
                        continue;
                    }
                },
                Io::Exchange(request) => Started::Exchange {
                    exchange: self.effects.exchange(request),
                },
                io => Started::Other {
                    other: Box::pin(self.perform(io)),
                },
            };
            let input = started.await;
            // The job's next step follows at the same instant: one reading of the clock serves
            // both.
            now = self.effects.now();
            if let Some(input) = input {
                job.on(input, now);
            }
        }
    }

    /// Does one step's I/O and returns what to hand back; `None` after a wait, which answers
    /// nothing. Boxed where it is awaited: a job's exchange is started in place instead (see
    /// [`Started`]).
    async fn perform<Ev, T>(&mut self, io: Io<Ev, T>) -> Option<Input> {
        let fx = self.effects;
        Some(match io {
            Io::Sleep(until) => {
                fx.sleep_until(until).await;
                return None;
            }
            Io::AwaitChange(seen) => {
                fx.await_change(self.core, seen).await;
                return None;
            }
            Io::Exchange(request) => Input::Answer(fx.exchange(request).await),
            Io::Fetch(request) => Input::Head(self.fetch(request).await),
            Io::ReadBody => Input::Chunk(self.read().await),
            Io::CreateDir(dir) => Input::File(fx.create_dir(&dir).await),
            Io::CreatePartial(location) => Input::File(self.create(&location).await),
            Io::Write(bytes) => Input::File(self.write(&bytes).await),
            Io::StartWriteback(range) => Input::File(self.start_writeback(range).await),
            Io::Commit { path, overwrite } => Input::File(self.commit(&path, overwrite).await),
            Io::Exists(path) => Input::Exists(fx.exists(&path).await),
            Io::Flush => Input::File(self.sink.flush().await),
            Io::Journal(call) => Input::Journal(fx.journal(call).await),
            // Only a token fetch gets here with these: it needs no token and reports nothing.
            Io::Token { .. } => Input::Token(Err(CallError::OutOfSequence(
                "a token fetch asked for a token",
            ))),
            Io::Emit(_) | Io::Done(_) => return None,
        })
    }

    async fn fetch(&mut self, request: Request<Body>) -> Result<Response<()>, TransportFailure> {
        self.body = None;
        let (head, body) = self.effects.fetch(request).await?.into_parts();
        self.body = Some(body);
        Ok(Response::from_parts(head, ()))
    }

    async fn read(&mut self) -> Result<Option<Bytes>, TransportFailure> {
        match &mut self.body {
            Some(body) => self.effects.read(body).await,
            None => Ok(None),
        }
    }

    async fn create(&mut self, location: &PartialLocation) -> io::Result<()> {
        // The earlier attempt's file, if any, is dropped (and so removed) first.
        self.partial = None;
        let file = self.effects.create_partial(location).await?;
        let listing = self
            .core
            .partial_files()
            .list(self.effects.partial_path(&file));
        self.partial = Some(Box::new(Partial { file, listing }));
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.partial {
            Some(partial) => self.effects.write(&mut partial.file, bytes).await,
            None => self.sink.write(bytes).await,
        }
    }

    async fn start_writeback(&mut self, range: Range<u64>) -> io::Result<()> {
        match &mut self.partial {
            Some(partial) => self.effects.start_writeback(&mut partial.file, range).await,
            None => Err(no_destination()),
        }
    }

    async fn commit(&mut self, path: &Path, overwrite: bool) -> io::Result<()> {
        let Partial { file, listing } = *self.partial.take().ok_or_else(no_destination)?;
        let committed = self.effects.commit(file, path, overwrite).await;
        drop(listing);
        committed
    }
}

/// A download's temporary file, listed in the core's [`crate::PartialFiles`] while it exists.
/// Fields drop in order: the file (and so its removal) before its listing.
struct Partial<P> {
    file: P,
    listing: PartialListing,
}

fn no_destination() -> io::Error {
    io::Error::other("the job wrote before it opened a destination")
}

/// The loop of [`Driver::run`] and [`Driver::into_run`]. Not an `async fn`: one of those keeps
/// its arguments beside the future it moved them into, which doubled the job and the driver in
/// every call's future.
fn run_to_end<'a, E: Effects + 'a, S: Sink, J: Job>(
    mut driver: impl BorrowMut<Driver<'a, E, S>>,
    mut job: J,
    mut on_event: impl FnMut(J::Event),
) -> impl Future<Output = J::Output> {
    let span = job.span();
    async move {
        loop {
            match driver.borrow_mut().step(&mut job).await {
                Yield::Event(event) => on_event(event),
                Yield::Done(output) => return output,
            }
        }
    }
    .instrument(span)
}
