//! The items of a task watch: events while waiting, then the end.

use crate::{Error, WaitEvent, WaitOutcome};

/// One item of a client's `watch` stream (async) or iterator (blocking): any number of
/// [`WaitUpdate::Event`]s, then exactly one [`WaitUpdate::Finished`], then the end.
// Exhaustive on purpose: callers match both arms without a wildcard.
#[derive(Debug)]
pub enum WaitUpdate {
    /// A state change, a progress step, or a failed poll that polling survives.
    Event(WaitEvent),
    /// Waiting is over: the result links, or why there are none.
    Finished(Result<WaitOutcome, Error>),
}
