//! Verifying a callback: a claim about a task, confirmed by querying it.

use hitem3d_types::{TaskData, TaskState};

use crate::job::{Input, Io, Job, NoEvent};
use crate::{
    CallbackError, CallbackUpdate, ClientCore, ConfirmedCallback, Error, QueryJob, Timestamp,
    decode, parse_callback,
};

/// Reads a callback body and confirms it with a query: callbacks carry no signature, so the
/// queried state is the truth. Made by [`ClientCore::verify_callback`].
#[derive(Debug)]
pub struct CallbackJob {
    state: Result<(CallbackUpdate, QueryJob), Option<CallbackError>>,
}

impl CallbackJob {
    pub(crate) fn new(core: &ClientCore, body: &[u8]) -> Self {
        let state = parse_callback(body)
            .map(|update| {
                let query = core.query(update.task_id());
                (update, query)
            })
            .map_err(Some);
        Self { state }
    }
}

impl Job for CallbackJob {
    type Event = NoEvent;
    type Output = Result<ConfirmedCallback, Error>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        match &mut self.state {
            Ok((update, query)) => match query.next(now).forward(|never| never) {
                Ok(io) => io,
                Err(queried) => {
                    // A failed task may be answered with the `50010001` envelope instead of
                    // `state: failed`; either way the query confirms a failure.
                    let failed = |error: &Error| {
                        let answer = error.api_error()?;
                        decode::generation_failure(answer)?;
                        Some(TaskData::new(update.task_id().clone(), TaskState::Failed))
                    };
                    let queried = queried.or_else(|error| failed(&error).ok_or(error));
                    Io::Done(queried.and_then(|data| Ok(update.confirm(data)?)))
                }
            },
            Err(unreadable) => match unreadable.take() {
                Some(error) => Io::Done(Err(error.into())),
                None => Io::Done(Err(Error::Call(crate::CallError::OutOfSequence(
                    "a callback job was asked for more after it ended",
                )))),
            },
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        if let Ok((_, query)) = &mut self.state {
            query.on(input, now);
        }
    }
}
