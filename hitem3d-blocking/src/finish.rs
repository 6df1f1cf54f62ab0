//! Running the core's driver without a runtime.

use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The output of a future whose every await finishes at once, as all of this crate's effects
/// do: one poll runs it to the end, on the calling thread.
pub(crate) fn finish<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("blocking effects finish before their futures return"),
    }
}
