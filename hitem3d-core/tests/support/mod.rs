//! A scripted service and a virtual clock for driving the state machines in tests.

#![allow(dead_code, reason = "each test file uses part of the support code")]

use hitem3d_core::machines::{Call, CallStep, TokenCache, TokenNeed};
use std::collections::VecDeque;
use std::time::Duration;

use hitem3d_core::http::{Request, Response};
use hitem3d_core::types::{AccessToken, TokenData};
use hitem3d_core::{Body, CallError, Timestamp, TransportFailure};

/// One scripted reaction to a request.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(&'static str),
    Status(u16, &'static str),
    Fail(TransportFailure),
}

/// Answers requests from a script, recording what was sent and when.
#[derive(Debug, Default)]
pub struct Script {
    pub replies: VecDeque<Reply>,
    pub sent: Vec<(Timestamp, String, Option<String>)>,
}

impl Script {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: replies.into_iter().collect(),
            sent: Vec::new(),
        }
    }

    pub fn answer(
        &mut self,
        request: &Request<Body>,
        now: Timestamp,
    ) -> Result<Response<Vec<u8>>, TransportFailure> {
        let authorization = request
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        self.sent
            .push((now, request.uri().path().to_owned(), authorization));
        match self
            .replies
            .pop_front()
            .expect("the script ran out of replies")
        {
            Reply::Json(body) => Ok(Response::new(body.as_bytes().to_vec())),
            Reply::Status(status, body) => Ok(Response::builder()
                .status(status)
                .body(body.as_bytes().to_vec())
                .unwrap()),
            Reply::Fail(failure) => Err(failure),
        }
    }

    /// Paths sent, in order.
    pub fn paths(&self) -> Vec<&str> {
        self.sent.iter().map(|(_, path, _)| path.as_str()).collect()
    }
}

/// Drives a call to its end in virtual time; tokens come from `tokens` in order (when the call
/// asks), and each refused one is recorded.
pub struct Driven<T> {
    pub result: Result<T, CallError>,
    pub waits: Vec<Duration>,
    pub stale_tokens: Vec<String>,
    pub now: Timestamp,
}

pub fn drive<T: Clone>(
    mut call: Call<T>,
    script: &mut Script,
    tokens: &mut VecDeque<&'static str>,
    mut now: Timestamp,
) -> Driven<T> {
    let mut waits = Vec::new();
    let mut stale_tokens = Vec::new();
    for _ in 0..1000 {
        match call.next(now) {
            CallStep::NeedToken { stale } => {
                if let Some(stale) = stale {
                    stale_tokens.push(stale.expose_secret().to_owned());
                }
                call.set_token(AccessToken::new(tokens.pop_front().expect("no token left")));
            }
            CallStep::Send(request) => match script.answer(&request, now) {
                Ok(response) => call.on_response(response, now),
                Err(failure) => call.on_transport_failure(failure, now),
            },
            CallStep::Wait { until } => {
                waits.push(until - now);
                now = until;
            }
            CallStep::Done(result) => {
                return Driven {
                    result,
                    waits,
                    stale_tokens,
                    now,
                };
            }
        }
    }
    panic!("the call did not finish in 1000 steps")
}

/// Gets a token through the cache the way a driver does: ask, fetch if told, store.
pub fn cached_token(
    cache: &mut TokenCache,
    script: &mut Script,
    now: Timestamp,
) -> Result<AccessToken, CallError> {
    match cache.token_or_request(now, 99) {
        TokenNeed::Valid(token) => Ok(token),
        TokenNeed::Fetch(call) => {
            let driven = drive::<TokenData>(*call, script, &mut VecDeque::new(), now);
            Ok(cache.store(driven.result?, driven.now))
        }
    }
}
