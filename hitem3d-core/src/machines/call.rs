//! One API call as a state machine: token, send, decode, refresh once, retry.

mod call_error;

use std::fmt;

use hitem3d_types::{
    AccessToken, BalanceData, ClientId, ClientSecret, SubmitTaskData, TaskData, TaskId, TokenData,
    UploadCredentials,
};
use http::{Request, Response, StatusCode};

pub use call_error::CallError;

use crate::machines::retry::{AttemptFailure, RetryDecision, StopReason};
use crate::machines::seeded_random::SeededRandom;
use crate::{
    ApiError, ApiRequests, Body, NewTask, Operation, RequestError, RetryPolicy, Timestamp,
};
use crate::{TransportFailure, decode};

/// What the driver must do next for a [`Call`].
#[derive(Debug)]
#[must_use]
pub enum CallStep<T> {
    /// Get a bearer token and give it to [`Call::set_token`]. `stale` is the token the service
    /// just refused: drop it from any cache before getting another.
    NeedToken {
        /// The refused token, if this is a refresh.
        stale: Option<AccessToken>,
    },
    /// Send this request, then give the answer to [`Call::on_response`] or the failure to
    /// [`Call::on_transport_failure`].
    Send(Request<Body>),
    /// Wait until this time, then ask again.
    Wait {
        /// When to ask again.
        until: Timestamp,
    },
    /// The call is over.
    Done(Result<T, CallError>),
}

#[derive(Clone)]
enum Input {
    GetToken {
        client_id: ClientId,
        client_secret: ClientSecret,
    },
    SubmitTask(Box<NewTask>),
    QueryTask(TaskId),
    Balance,
    UploadToken,
}

#[derive(Debug, Clone)]
enum State<T> {
    Ready,
    NeedToken { stale: Option<AccessToken> },
    AwaitingAnswer,
    Waiting { until: Timestamp },
    Done(Result<T, CallError>),
}

/// Reads an answer to the call's input. A plain function: a call holds no allocated decoder.
type Decoder<T> = fn(&Response<&[u8]>, &Input) -> Result<T, ApiError>;

/// One API call, driven step by step: it asks for a token, hands out the request, decodes the
/// answer, refreshes the token once if the service refuses it, and retries as its
/// [`RetryPolicy`] allows. It never does I/O; a driver loops over [`Call::next`].
///
/// ```
/// use hitem3d_core::machines::{Call, CallStep};
/// use hitem3d_core::{ApiRequests, BaseUrl, RetryPolicy, Timestamp};
/// use hitem3d_core::types::{AccessToken, TaskId, TaskState};
///
/// let api = ApiRequests::new(BaseUrl::production());
/// let mut call = Call::query_task(&api, TaskId::new("t-1"), RetryPolicy::default(), 7);
/// let now = Timestamp::ZERO;
///
/// assert!(matches!(call.next(now), CallStep::NeedToken { stale: None }));
/// call.set_token(AccessToken::new("t0k3n"));
/// let CallStep::Send(request) = call.next(now) else { panic!() };
/// assert_eq!(request.uri().query(), Some("task_id=t-1"));
///
/// call.on_response(
///     http::Response::new(r#"{"code":200,"data":{"task_id":"t-1","state":"processing"}}"#),
///     now,
/// );
/// let CallStep::Done(Ok(task)) = call.next(now) else { panic!() };
/// assert_eq!(task.state, TaskState::Processing);
/// ```
pub struct Call<T> {
    operation: Operation,
    requests: ApiRequests,
    input: Input,
    decode: Decoder<T>,
    retry: RetryPolicy,
    random: SeededRandom,
    token: Option<AccessToken>,
    state: State<T>,
    attempts: u32,
    refreshed: bool,
    first_sent: Option<Timestamp>,
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("attempts", &self.attempts)
            .field("refreshed", &self.refreshed)
            .finish_non_exhaustive()
    }
}

impl Call<TokenData> {
    /// `POST /auth/token`. Bad credentials (`40010000`) end the call at once.
    #[must_use]
    pub fn get_token(
        requests: &ApiRequests,
        client_id: &ClientId,
        client_secret: &ClientSecret,
        retry: RetryPolicy,
        seed: u64,
    ) -> Self {
        let input = Input::GetToken {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        };
        Self::new(
            Operation::GetToken,
            requests,
            input,
            |answer, _| decode::token(answer),
            retry,
            seed,
        )
    }
}

impl Call<SubmitTaskData> {
    /// `POST /submit-task`. Resent only after failures known to have struck before sending.
    #[must_use]
    pub fn submit_task(
        requests: &ApiRequests,
        task: impl Into<NewTask>,
        retry: RetryPolicy,
        seed: u64,
    ) -> Self {
        let input = Input::SubmitTask(Box::new(task.into()));
        Self::new(
            Operation::SubmitTask,
            requests,
            input,
            |answer, _| decode::submit_task(answer),
            retry,
            seed,
        )
    }
}

impl Call<TaskData> {
    /// `GET /query-task`.
    #[must_use]
    pub fn query_task(
        requests: &ApiRequests,
        task_id: TaskId,
        retry: RetryPolicy,
        seed: u64,
    ) -> Self {
        Self::new(
            Operation::QueryTask,
            requests,
            Input::QueryTask(task_id),
            |answer, input| match input {
                Input::QueryTask(asked) => decode::query_task_for(answer, asked),
                _ => decode::query_task(answer),
            },
            retry,
            seed,
        )
    }
}

impl Call<UploadCredentials> {
    /// `GET /upload/token`.
    #[must_use]
    pub fn upload_token(requests: &ApiRequests, retry: RetryPolicy, seed: u64) -> Self {
        Self::new(
            Operation::UploadToken,
            requests,
            Input::UploadToken,
            |answer, _| decode::upload_token(answer),
            retry,
            seed,
        )
    }
}

impl Call<BalanceData> {
    /// `GET /balance`.
    #[must_use]
    pub fn balance(requests: &ApiRequests, retry: RetryPolicy, seed: u64) -> Self {
        Self::new(
            Operation::Balance,
            requests,
            Input::Balance,
            |answer, _| decode::balance(answer),
            retry,
            seed,
        )
    }
}

impl<T: Clone> Call<T> {
    fn new(
        operation: Operation,
        requests: &ApiRequests,
        input: Input,
        decode: Decoder<T>,
        retry: RetryPolicy,
        seed: u64,
    ) -> Self {
        Self {
            operation,
            requests: requests.clone(),
            input,
            decode,
            retry,
            random: SeededRandom::new(seed),
            token: None,
            state: State::Ready,
            attempts: 0,
            refreshed: false,
            first_sent: None,
        }
    }

    /// Which call this is.
    #[must_use]
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// How many times the request has been handed out to send.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// What to do next. After [`CallStep::Done`] it keeps answering the same result.
    pub fn next(&mut self, now: Timestamp) -> CallStep<T> {
        match &self.state {
            State::Done(result) => return CallStep::Done(result.clone()),
            State::NeedToken { stale } => {
                return CallStep::NeedToken {
                    stale: stale.clone(),
                };
            }
            State::Waiting { until } if now < *until => return CallStep::Wait { until: *until },
            State::AwaitingAnswer => {
                return self.finish(Err(CallError::OutOfSequence(
                    "next() was called while an answer was awaited",
                )));
            }
            State::Waiting { .. } | State::Ready => {}
        }
        if self.operation.needs_token() && self.token.is_none() {
            self.state = State::NeedToken { stale: None };
            return CallStep::NeedToken { stale: None };
        }
        match self.build_request() {
            Ok(request) => {
                self.attempts += 1;
                self.first_sent.get_or_insert(now);
                self.state = State::AwaitingAnswer;
                CallStep::Send(request)
            }
            Err(source) => self.finish(Err(CallError::Request {
                operation: self.operation,
                source,
            })),
        }
    }

    /// As [`Call::next`], but a result is handed over rather than copied: for a job, which ends
    /// with it. Asked again, the call answers that it is spent.
    pub(crate) fn next_owned(&mut self, now: Timestamp) -> CallStep<T> {
        if let State::Done(result) = &mut self.state {
            let spent = Err(CallError::OutOfSequence(
                "next() was called after the call's result was handed over",
            ));
            return CallStep::Done(std::mem::replace(result, spent));
        }
        self.next(now)
    }

    /// Gives the call the token it asked for with [`CallStep::NeedToken`].
    pub fn set_token(&mut self, token: AccessToken) {
        self.token = Some(token);
        if matches!(self.state, State::NeedToken { .. }) {
            self.state = State::Ready;
        }
    }

    /// Ends the call with the failure to get the token it asked for.
    pub fn on_token_failure(&mut self, error: CallError) {
        if matches!(self.state, State::NeedToken { .. }) {
            self.state = State::Done(Err(error));
        } else {
            self.on_misuse("on_token_failure() was called with no token asked for");
        }
    }

    /// Feeds the answer to the request last handed out.
    pub fn on_response<B: AsRef<[u8]>>(&mut self, response: Response<B>, now: Timestamp) {
        if !self.expect_answer("on_response() was called with no request outstanding") {
            return;
        }
        let (parts, body) = response.into_parts();
        let response = Response::from_parts(parts, body.as_ref());
        let answer = match (self.decode)(&response, &self.input) {
            Ok(value) => {
                self.state = State::Done(Ok(value));
                return;
            }
            Err(answer) => answer,
        };
        if self.operation.needs_token() && answer.needs_new_token() && !self.refreshed {
            // One refresh and replay: the service refused the token, so it did not act on the
            // request, and replaying is safe even for submit-task.
            self.refreshed = true;
            self.state = State::NeedToken {
                stale: self.token.take(),
            };
            return;
        }
        if self.operation == Operation::SubmitTask && outcome_unknown(&answer) {
            // Without the answer's advice ("try again later"): trying again may pay twice.
            self.state = State::Done(Err(CallError::SubmitOutcomeUnknown {
                cause: answer.what_happened(),
            }));
            return;
        }
        match self.decide(AttemptFailure::Answer(&answer), now) {
            RetryDecision::RetryAfter(delay) => self.state = State::Waiting { until: now + delay },
            RetryDecision::Stop(stopped) => {
                self.state = State::Done(Err(CallError::Api {
                    operation: self.operation,
                    attempts: self.attempts,
                    stopped,
                    source: answer,
                }));
            }
        }
    }

    /// Feeds a failure to get any answer to the request last handed out.
    pub fn on_transport_failure(&mut self, failure: TransportFailure, now: Timestamp) {
        if !self.expect_answer("on_transport_failure() was called with no request outstanding") {
            return;
        }
        match self.decide(AttemptFailure::Transport(&failure), now) {
            RetryDecision::RetryAfter(delay) => self.state = State::Waiting { until: now + delay },
            RetryDecision::Stop(StopReason::MayDuplicate) => {
                self.state = State::Done(Err(CallError::SubmitOutcomeUnknown {
                    cause: failure.to_string(),
                }));
            }
            RetryDecision::Stop(stopped) => {
                self.state = State::Done(Err(CallError::Transport {
                    operation: self.operation,
                    attempts: self.attempts,
                    stopped,
                    failure,
                }));
            }
        }
    }

    /// Ends an unfinished call as a driver bug: it was handed something it did not ask for.
    pub(crate) fn on_misuse(&mut self, misuse: &'static str) {
        if !matches!(self.state, State::Done(_)) {
            self.state = State::Done(Err(CallError::OutOfSequence(misuse)));
        }
    }

    /// Whether an answer is awaited; a stray one ends an unfinished call as a driver bug.
    fn expect_answer(&mut self, misuse: &'static str) -> bool {
        match self.state {
            State::AwaitingAnswer => true,
            State::Done(_) => false,
            _ => {
                self.state = State::Done(Err(CallError::OutOfSequence(misuse)));
                false
            }
        }
    }

    fn decide(&mut self, failure: AttemptFailure<'_>, now: Timestamp) -> RetryDecision {
        let elapsed = now - self.first_sent.unwrap_or(now);
        // A token refresh is not a retry: it does not count against the policy.
        let attempts = self.attempts - u32::from(self.refreshed);
        self.retry.decide(
            self.operation,
            attempts,
            failure,
            elapsed,
            self.random.next_unit(),
        )
    }

    fn finish(&mut self, result: Result<T, CallError>) -> CallStep<T> {
        self.state = State::Done(result.clone());
        CallStep::Done(result)
    }

    fn build_request(&mut self) -> Result<Request<Body>, RequestError> {
        let token = self.token.as_ref();
        let missing = || RequestError::InvalidToken;
        match &self.input {
            Input::GetToken {
                client_id,
                client_secret,
            } => self.requests.get_token(client_id, client_secret),
            Input::SubmitTask(task) => {
                let seed = self.random.next_u64();
                self.requests
                    .create_task(token.ok_or_else(missing)?, task, seed)
            }
            Input::QueryTask(task_id) => self
                .requests
                .query_task(token.ok_or_else(missing)?, task_id),
            Input::Balance => self.requests.balance(token.ok_or_else(missing)?),
            Input::UploadToken => self.requests.upload_token(token.ok_or_else(missing)?),
        }
    }
}

/// Whether an answer to submit-task leaves open whether a task was created: a gateway error
/// or timeout page, or a success status with an unreadable body.
fn outcome_unknown(answer: &ApiError) -> bool {
    match answer {
        ApiError::Http { status, .. } => {
            status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT
        }
        ApiError::Decode(_) => true,
        ApiError::Service { .. } => false,
    }
}
