//! Getting a bearer token: one fetch at a time per client, whoever needs one.

use hitem3d_types::{AccessToken, TokenData};

use crate::job::{Input, Io, Job, NoEvent};
use crate::{Call, CallError, ClientCore, Timestamp};

/// The cache's answer to a caller that needs a token. Made by [`ClientCore::token`].
#[derive(Debug)]
#[must_use]
pub enum TokenStep {
    /// Use this token.
    Ready(AccessToken),
    /// This caller fetches the token for everyone: run the job; its end wakes the others.
    Fetch(Box<TokenJob>),
    /// Another caller is fetching one: wait until [`ClientCore::changes`] differs from this
    /// number, then ask again.
    Wait(u64),
    /// The service refused these credentials earlier: the call ends with this error, and
    /// nothing is sent.
    Refused(CallError),
}

/// Fetches a token and caches it. While it exists, other callers wait for it instead of
/// fetching their own; dropping it, finished or not, lets them go on.
#[derive(Debug)]
pub struct TokenJob {
    core: ClientCore,
    call: Call<TokenData>,
}

impl TokenJob {
    pub(crate) fn new(core: ClientCore, call: Call<TokenData>) -> Self {
        Self { core, call }
    }
}

impl Drop for TokenJob {
    fn drop(&mut self) {
        self.core.token_fetch_ended();
    }
}

impl Job for TokenJob {
    type Event = NoEvent;
    type Output = Result<AccessToken, CallError>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        match Job::next(&mut self.call, now).forward(|never| never) {
            Ok(io) => io,
            Err(fetched) => {
                let mut tokens = self.core.tokens();
                Io::Done(match fetched {
                    Ok(data) => Ok(tokens.cache.store(data, now)),
                    Err(error) => {
                        tokens.cache.note_fetch_error(&error);
                        Err(error)
                    }
                })
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        self.call.on(input, now);
    }

    fn span(&self) -> tracing::Span {
        tracing::debug_span!("hitem3d.token")
    }
}
