//! Verifying a callback: a claim about a task, confirmed by querying it.

use hitem3d_types::TaskData;

use crate::job::{Input, Io, Job, NoEvent};
use crate::{
    CallbackError, CallbackUpdate, ClientCore, ConfirmedCallback, Error, QueryJob, Timestamp,
    parse_callback,
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
                    Io::Done(queried.and_then(|data: TaskData| Ok(update.confirm(data)?)))
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
