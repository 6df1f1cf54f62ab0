//! The one loop that runs every job of the core: ask it what to do, do that I/O, hand the
//! result back.

use std::io::{Read, Write};
use std::sync::PoisonError;

use bytes::Bytes;
use hitem3d_core::types::AccessToken;
use hitem3d_core::{
    ANSWER_READ_LIMIT, Body, CallError, Input, Io, Job, NoEvent, SlotReservation, Timestamp,
    TransportFailure, Yield,
};
use http::{Request, Response};

use crate::job_io::JobIo;
use crate::{Client, SendLimits};

impl Client {
    /// Runs `job` to its end, handing its events to `on_event`.
    pub(crate) fn drive<J: Job, W: Write>(
        &self,
        mut job: J,
        io: &mut JobIo<'_, W>,
        mut on_event: impl FnMut(J::Event),
    ) -> J::Output {
        let _entered = job.span().entered();
        loop {
            match self.step(&mut job, io) {
                Yield::Event(event) => on_event(event),
                Yield::Done(output) => return output,
            }
        }
    }

    /// Runs a job that reports nothing.
    pub(crate) fn run<J: Job<Event = NoEvent>>(&self, job: J) -> J::Output {
        self.drive(job, &mut JobIo::new(), |never| match never {})
    }

    /// Runs `job` until its next event or its end.
    pub(crate) fn step<J: Job, W: Write>(
        &self,
        job: &mut J,
        io: &mut JobIo<'_, W>,
    ) -> Yield<J::Event, J::Output> {
        let idle = SendLimits::idle(self.config().download_idle_timeout);
        loop {
            let input = match job.next(self.now()) {
                Io::Done(output) => return Yield::Done(output),
                Io::Emit(event) => return Yield::Event(event),
                Io::Sleep(until) => {
                    self.inner.clock.sleep_until(until);
                    continue;
                }
                Io::Token { stale } => Input::Token(self.token(stale.as_ref())),
                Io::Exchange(request) => Input::Answer(self.exchange(request)),
                Io::ReserveSlot => Input::Slot(self.reserve_slot()),
                Io::Fetch(request) => Input::Head(io.fetch(&*self.inner.transport, request, idle)),
                Io::ReadBody => Input::Chunk(io.read()),
                Io::CreateDir(dir) => Input::File(std::fs::create_dir_all(dir)),
                Io::CreatePartial(location) => Input::File(io.create(&location)),
                Io::Truncate => Input::File(io.truncate()),
                Io::Write(bytes) => Input::File(io.write(&bytes)),
                Io::Commit(path) => Input::File(io.commit(&path)),
                Io::Flush => Input::File(io.flush()),
            };
            job.on(input, self.now());
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// A valid token; one fetch at a time, however many threads need one: the others block
    /// on the lock and then find the fresh token.
    fn token(&self, stale: Option<&AccessToken>) -> Result<AccessToken, CallError> {
        // A thread that panicked mid-fetch left no token behind; the next caller fetches one.
        let _one_fetch = self
            .inner
            .token_fetch
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.run(self.inner.core.token(stale, self.now()))
    }

    /// A task slot, once one is free.
    fn reserve_slot(&self) -> SlotReservation {
        self.inner
            .slot_freed
            .wait_for(|| self.inner.core.slots().try_reserve())
    }

    /// Sends an API request and reads its answer up to the core's limit, within the call limit.
    fn exchange(&self, request: Request<Body>) -> Result<Response<Bytes>, TransportFailure> {
        let limits = SendLimits::whole(self.config().request_timeout);
        let (parts, body) = self.inner.transport.send(request, limits)?.into_parts();
        let mut bytes = Vec::new();
        body.take(ANSWER_READ_LIMIT as u64)
            .read_to_end(&mut bytes)
            .map_err(|error| TransportFailure::body_failed(&error))?;
        Ok(Response::from_parts(parts, Bytes::from(bytes)))
    }
}
