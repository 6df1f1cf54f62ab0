//! Getting a bearer token: from the cache, or fetched and then cached.

use hitem3d_types::{AccessToken, TokenData};

use crate::job::{Input, Io, Job, NoEvent};
use crate::{Call, CallError, ClientCore, Timestamp, TokenNeed};

/// A token for a call: ready at once when the cache holds a good one, otherwise fetched and
/// stored. Made by [`ClientCore::token`].
#[derive(Debug)]
pub struct TokenJob {
    core: ClientCore,
    state: State,
}

#[derive(Debug)]
enum State {
    Ready(AccessToken),
    Fetching(Box<Call<TokenData>>),
    Done,
}

impl TokenJob {
    pub(crate) fn new(core: ClientCore, need: TokenNeed) -> Self {
        let state = match need {
            TokenNeed::Valid(token) => State::Ready(token),
            TokenNeed::Fetch(call) => State::Fetching(call),
        };
        Self { core, state }
    }
}

impl Job for TokenJob {
    type Event = NoEvent;
    type Output = Result<AccessToken, CallError>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Ready(token) => Io::Done(Ok(token)),
            State::Fetching(mut call) => match Job::next(call.as_mut(), now).forward(|never| never)
            {
                Ok(io) => {
                    self.state = State::Fetching(call);
                    io
                }
                Err(fetched) => Io::Done(fetched.map(|data| self.core.tokens().store(data, now))),
            },
            State::Done => Io::Done(Err(CallError::OutOfSequence(
                "a token job was asked for more after it ended",
            ))),
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        if let State::Fetching(call) = &mut self.state {
            call.as_mut().on(input, now);
        }
    }

    fn span(&self) -> tracing::Span {
        tracing::debug_span!("hitem3d.token")
    }
}
