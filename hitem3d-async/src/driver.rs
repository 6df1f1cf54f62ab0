//! The one loop that runs every job of the core: ask it what to do, do that I/O, hand the
//! result back.

use bytes::BytesMut;
use futures_util::StreamExt;
use hitem3d_core::types::AccessToken;
use hitem3d_core::{
    ANSWER_READ_LIMIT, Body, CallError, Input, Io, Job, NoEvent, SlotReservation, Timestamp,
    TransportFailure, Yield,
};
use http::{Request, Response};
use tokio::io::AsyncWrite;
use tracing::Instrument;

use crate::Client;
use crate::job_io::JobIo;

impl Client {
    /// Runs `job` to its end, handing its events to `on_event`.
    pub(crate) async fn drive<J: Job, W: AsyncWrite + Unpin>(
        &self,
        mut job: J,
        io: &mut JobIo<'_, W>,
        mut on_event: impl FnMut(J::Event),
    ) -> J::Output {
        let span = job.span();
        async move {
            loop {
                match self.step(&mut job, io).await {
                    Yield::Event(event) => on_event(event),
                    Yield::Done(output) => return output,
                }
            }
        }
        .instrument(span)
        .await
    }

    /// Runs a job that reports nothing.
    pub(crate) async fn run<J: Job<Event = NoEvent>>(&self, job: J) -> J::Output {
        self.drive(job, &mut JobIo::new(), |never| match never {})
            .await
    }

    /// Runs `job` until its next event or its end.
    pub(crate) async fn step<J: Job, W: AsyncWrite + Unpin>(
        &self,
        job: &mut J,
        io: &mut JobIo<'_, W>,
    ) -> Yield<J::Event, J::Output> {
        let idle = self.config().download_idle_timeout;
        loop {
            let input = match job.next(self.now()) {
                Io::Done(output) => return Yield::Done(output),
                Io::Emit(event) => return Yield::Event(event),
                Io::Sleep(until) => {
                    self.inner.clock.sleep_until(until).await;
                    continue;
                }
                Io::Token { stale } => Input::Token(self.token(stale.as_ref()).await),
                Io::Exchange(request) => Input::Answer(self.exchange(request).await),
                Io::ReserveSlot => Input::Slot(self.reserve_slot().await),
                Io::Fetch(request) => {
                    Input::Head(io.fetch(&*self.inner.transport, request, idle).await)
                }
                Io::ReadBody => Input::Chunk(io.read(idle).await),
                Io::CreateDir(dir) => Input::File(tokio::fs::create_dir_all(dir).await),
                Io::CreatePartial(location) => Input::File(io.create(location).await),
                Io::Truncate => Input::File(io.truncate().await),
                Io::Write(bytes) => Input::File(io.write(&bytes).await),
                Io::Commit(path) => Input::File(io.commit(&path).await),
                Io::Flush => Input::File(io.flush().await),
            };
            job.on(input, self.now());
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// A valid token; one fetch at a time, however many callers need one.
    async fn token(&self, stale: Option<&AccessToken>) -> Result<AccessToken, CallError> {
        let _one_fetch = self.inner.token_fetch.lock().await;
        let job = self.inner.core.token(stale, self.now());
        // Boxed: the token job runs through the same loop that asked for it.
        Box::pin(self.run(job)).await
    }

    /// A task slot, once one is free.
    async fn reserve_slot(&self) -> SlotReservation {
        loop {
            // Made before trying, so a slot freed in between still wakes this caller.
            let freed = self.inner.slot_freed.notified();
            if let Some(slot) = self.inner.core.slots().try_reserve() {
                return slot;
            }
            freed.await;
        }
    }

    /// Sends an API request and reads its answer up to the core's limit, within the call limit.
    async fn exchange(
        &self,
        request: Request<Body>,
    ) -> Result<Response<bytes::Bytes>, TransportFailure> {
        let limit = self.config().request_timeout;
        let exchange = async {
            let (parts, mut body) = self.inner.transport.send(request).await?.into_parts();
            let mut bytes = BytesMut::new();
            while let Some(chunk) = body.next().await {
                bytes.extend_from_slice(&chunk?);
                if bytes.len() >= ANSWER_READ_LIMIT {
                    break;
                }
            }
            Ok(Response::from_parts(parts, bytes.freeze()))
        };
        tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or_else(|_| Err(TransportFailure::call_timed_out(limit)))
    }
}
