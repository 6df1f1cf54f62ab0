//! One API call as a job: the step machine every other job runs its calls through.

use crate::job::{Input, Io, Job, NoEvent};
use crate::{Call, CallError, CallStep, Timestamp};

impl<T: Clone> Job for Call<T> {
    type Event = NoEvent;
    type Output = Result<T, CallError>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        match self.next_owned(now) {
            CallStep::NeedToken { stale } => Io::Token { stale },
            CallStep::Send(request) => {
                tracing::debug!(operation = %self.operation(), attempt = self.attempts(), "sending");
                Io::Exchange(request)
            }
            CallStep::Wait { until } => Io::Sleep(until),
            CallStep::Done(result) => Io::Done(result),
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match input {
            Input::Token(Ok(token)) => self.set_token(token),
            Input::Token(Err(error)) => self.on_token_failure(error),
            Input::Answer(Ok(response)) => self.on_response(response, now),
            Input::Answer(Err(failure)) => {
                tracing::debug!(operation = %self.operation(), %failure, "no answer");
                self.on_transport_failure(failure, now);
            }
            Input::Head(_) | Input::Chunk(_) | Input::File(_) | Input::Exists(_) => {
                self.on_misuse("a call was handed file I/O it never asks for");
            }
            Input::Journal(_) => self.on_misuse("a call was handed a journal answer"),
        }
    }
}
