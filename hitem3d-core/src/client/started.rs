//! One step's I/O once started: a call's exchange in place, anything else boxed.
//!
//! Every call of every job awaits an exchange; the other steps (a wait, a download's body and
//! files, the journal) are each far slower than one allocation. Keeping only the exchange in
//! place keeps every call's future small, and that future is moved whole as it starts.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Response;

use crate::{Input, TransportFailure};

pin_project_lite::pin_project! {
    /// The started I/O of a step; resolves to what to hand back to the job, if anything.
    #[project = StartedProjection]
    pub(crate) enum Started<X, O> {
        /// A call's exchange.
        Exchange { #[pin] exchange: X },
        /// Any other step, boxed.
        Other { other: Pin<Box<O>> },
    }
}

impl<X, O> Future for Started<X, O>
where
    X: Future<Output = Result<Response<Bytes>, TransportFailure>>,
    O: Future<Output = Option<Input>>,
{
    type Output = Option<Input>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            StartedProjection::Exchange { exchange } => {
                exchange.poll(cx).map(|answer| Some(Input::Answer(answer)))
            }
            StartedProjection::Other { other } => other.as_mut().poll(cx),
        }
    }
}
