//! Downloading a result file: fresh links, re-queries for new ones, and retries.

mod download_error;

use std::time::Duration;

use hitem3d_types::{TaskData, TaskId};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Request, StatusCode};

pub use download_error::{DownloadError, DownloadErrorKind};

use crate::machines::retry::{AttemptFailure, RetryDecision};
use crate::machines::seeded_random::SeededRandom;
use crate::{
    ApiError, ApiRequests, Body, CallError, DownloadProgress, Error, Operation, ResultKind,
    RetryPolicy, TaskResult, Timestamp, TransportFailure,
};

/// Limits for one download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadPolicy {
    /// Retries of the file request on transport failures and 5xx/429.
    pub retry: RetryPolicy,
    /// How many times the task may be queried again for fresh links.
    pub max_requeries: u32,
    /// A link this close to its expiry is treated as expired: a large file must finish before
    /// the link dies.
    pub freshness_margin: Duration,
    /// The most bytes one file may have. A larger announced size is refused before reading,
    /// and a body that grows past it is cut off as it streams: a broken file host cannot fill
    /// the disk.
    pub max_bytes: u64,
    /// The most redirects of the file host followed for one link (never to a non-http(s)
    /// URL, never with credentials or a Referer).
    pub max_redirects: u32,
    /// Whether a download may replace a file already at its path. Off by default: nothing of
    /// the caller's is overwritten unless asked.
    pub overwrite: bool,
}

impl Default for DownloadPolicy {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            max_requeries: 2,
            freshness_margin: Duration::from_secs(5 * 60),
            max_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
            max_redirects: 5,
            overwrite: false,
        }
    }
}

/// The default [`DownloadPolicy::max_bytes`]: 2 GiB, several times the largest model the
/// service makes.
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 2 << 30;

impl DownloadPolicy {
    /// The same policy with another size limit per file.
    #[must_use]
    pub fn with_max_bytes(self, max_bytes: u64) -> Self {
        Self { max_bytes, ..self }
    }

    /// The same policy, allowed (or not) to replace existing files.
    #[must_use]
    pub fn with_overwrite(self, overwrite: bool) -> Self {
        Self { overwrite, ..self }
    }
}

/// What the driver must do next for a [`DownloadPlan`].
#[derive(Debug)]
#[must_use]
pub enum DownloadStep {
    /// The links are stale: query this task again and give the result to
    /// [`DownloadPlan::on_requery`].
    Requery(TaskId),
    /// Send this `GET` (it carries no credentials), then give the status and headers to
    /// [`DownloadPlan::on_response`].
    Get(Request<Body>),
    /// Wait until this time, then ask again.
    Wait {
        /// When to ask again.
        until: Timestamp,
    },
    /// The download is over.
    Done(Result<DownloadSummary, DownloadError>),
}

/// What to do with the body of the answer just received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum BodyAction {
    /// Write it to the destination, then call [`DownloadPlan::on_saved`] (or
    /// [`DownloadPlan::on_transport_failure`] if reading it fails).
    Save,
    /// Drop it and ask [`DownloadPlan::next`] what to do.
    Discard,
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadSummary {
    /// The result whose link worked (fresher than the one given, after a re-query).
    pub result: TaskResult,
    /// Which file.
    pub kind: ResultKind,
    /// Bytes written.
    pub bytes: u64,
    /// File requests sent.
    pub attempts: u32,
    /// Re-queries made for fresh links.
    pub requeries: u32,
    /// Another run working on the same task saved this file at the path first (its journal
    /// entry lists the file): this download's identical copy was dropped, nothing replaced.
    pub by_another_run: bool,
}

#[derive(Debug, Clone)]
enum State {
    Ready,
    AwaitingRequery,
    AwaitingHead,
    AwaitingBody { expected: Option<u64> },
    Waiting { until: Timestamp },
    Done(Result<DownloadSummary, DownloadError>),
}

/// Downloads one result file, re-querying the task for fresh links when they are stale or the
/// CDN refuses them (HTTP 403/404/410), and retrying transport failures and 5xx answers.
///
/// ```
/// use hitem3d_core::machines::{BodyAction, DownloadPlan, DownloadStep};
/// use hitem3d_core::{ApiRequests, BaseUrl, DownloadPolicy};
/// use hitem3d_core::{ResultKind, TaskResult, Timestamp};
/// use hitem3d_core::types::TaskData;
///
/// let data: TaskData = serde_json::from_str(
///     r#"{"task_id":"t1","state":"success","url":"https://cdn.example/0.glb"}"#,
/// ).unwrap();
/// let result = TaskResult::from_task(&data, Timestamp::ZERO).unwrap();
/// let api = ApiRequests::new(BaseUrl::production());
/// let mut plan = DownloadPlan::new(&api, result, ResultKind::Model, DownloadPolicy::default(), 9);
///
/// let now = Timestamp::ZERO;
/// let DownloadStep::Get(request) = plan.next(now) else { panic!() };
/// assert!(request.headers().get("authorization").is_none(), "no token to the CDN");
/// assert_eq!(plan.on_response(http::StatusCode::OK, &http::HeaderMap::new(), now), BodyAction::Save);
/// plan.on_saved(1234, now);
/// let DownloadStep::Done(Ok(summary)) = plan.next(now) else { panic!() };
/// assert_eq!(summary.bytes, 1234);
/// ```
#[derive(Debug)]
pub struct DownloadPlan {
    requests: ApiRequests,
    result: TaskResult,
    kind: ResultKind,
    policy: DownloadPolicy,
    random: SeededRandom,
    state: State,
    attempts: u32,
    attempts_on_link: u32,
    first_sent_on_link: Option<Timestamp>,
    requeries: u32,
    refused: Option<StatusCode>,
    restartable: bool,
    /// The URL last requested.
    requested: Option<String>,
    /// Where the file host sent the download, and how many hops it took.
    redirect: Option<String>,
    redirects: u32,
}

impl DownloadPlan {
    /// A plan to fetch `kind` of `result`.
    #[must_use]
    pub fn new(
        requests: &ApiRequests,
        result: TaskResult,
        kind: ResultKind,
        policy: DownloadPolicy,
        seed: u64,
    ) -> Self {
        Self {
            requests: requests.clone(),
            result,
            kind,
            policy,
            random: SeededRandom::new(seed),
            state: State::Ready,
            attempts: 0,
            attempts_on_link: 0,
            first_sent_on_link: None,
            requeries: 0,
            refused: None,
            restartable: true,
            requested: None,
            redirect: None,
            redirects: 0,
        }
    }

    /// Declares that the destination cannot start over (a socket, a pipe, a hashing writer):
    /// a body that breaks off is then reported as [`DownloadErrorKind::Interrupted`] instead of
    /// being fetched again on top of what was written. By default the driver truncates the
    /// destination before each [`BodyAction::Save`].
    #[must_use]
    pub fn with_append_only_destination(mut self) -> Self {
        self.restartable = false;
        self
    }

    /// The result in use: the one given, or a fresher one after a re-query.
    #[must_use]
    pub fn result(&self) -> &TaskResult {
        &self.result
    }

    /// Which file this plan fetches.
    #[must_use]
    pub fn kind(&self) -> ResultKind {
        self.kind
    }

    /// File requests handed out so far.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The size announced by the answer being saved (its `Content-Length`), if any.
    #[must_use]
    pub fn expected_bytes(&self) -> Option<u64> {
        match self.state {
            State::AwaitingBody { expected } => expected,
            _ => None,
        }
    }

    /// The progress report for `bytes` received so far in the current attempt.
    #[must_use]
    pub fn progress(&self, bytes: u64) -> DownloadProgress {
        DownloadProgress::new(self.kind, bytes, self.expected_bytes(), self.attempts)
    }

    /// What to do next. After [`DownloadStep::Done`] it keeps answering the same result; asked
    /// again while an answer is outstanding, it ends with [`DownloadErrorKind::OutOfSequence`].
    pub fn next(&mut self, now: Timestamp) -> DownloadStep {
        match &self.state {
            State::Done(result) => return DownloadStep::Done(result.clone()),
            State::Waiting { until } if now < *until => {
                return DownloadStep::Wait { until: *until };
            }
            State::AwaitingRequery | State::AwaitingHead | State::AwaitingBody { .. } => {
                let misuse = "next() was called while an answer was outstanding";
                return self.finish(DownloadErrorKind::OutOfSequence(misuse));
            }
            State::Ready | State::Waiting { .. } => {}
        }
        let Some(url) = self.result.url(self.kind).map(str::to_owned) else {
            return self.finish(DownloadErrorKind::NoSuchFile);
        };
        if self.refused.is_some() || !self.result.is_fresh(now, self.policy.freshness_margin) {
            if self.requeries >= self.policy.max_requeries {
                return self.finish(DownloadErrorKind::Expired {
                    refused_with: self.refused,
                });
            }
            self.requeries += 1;
            self.state = State::AwaitingRequery;
            return DownloadStep::Requery(self.result.task_id.clone());
        }
        // A redirect of the file host is followed with the same bare request: no token, no
        // Referer carrying the signed link.
        let url = self.redirect.clone().unwrap_or(url);
        self.requested = Some(url.clone());
        match self.requests.download(&url) {
            Ok(request) => {
                self.attempts += 1;
                self.attempts_on_link += 1;
                self.first_sent_on_link.get_or_insert(now);
                self.state = State::AwaitingHead;
                DownloadStep::Get(request)
            }
            Err(error) => self.finish(DownloadErrorKind::InvalidUrl(error)),
        }
    }

    /// Feeds the answer to [`DownloadStep::Requery`].
    pub fn on_requery(&mut self, answer: Result<TaskData, CallError>, now: Timestamp) {
        if !self.expect(
            matches!(self.state, State::AwaitingRequery),
            "on_requery() was called with no re-query asked for",
        ) {
            return;
        }
        match answer {
            Ok(data) => match TaskResult::from_task(&data, now) {
                Some(fresh) => {
                    self.result = fresh;
                    self.refused = None;
                    self.redirect = None;
                    self.redirects = 0;
                    self.attempts_on_link = 0;
                    self.first_sent_on_link = None;
                    self.state = State::Ready;
                }
                None => {
                    self.set_done(DownloadErrorKind::NotAvailable { state: data.state });
                }
            },
            Err(error) => self.set_done(DownloadErrorKind::Requery(Box::new(error))),
        }
    }

    /// Feeds the status and headers of the answer to [`DownloadStep::Get`]; says whether to save
    /// the body.
    pub fn on_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        now: Timestamp,
    ) -> BodyAction {
        if !self.expect(
            matches!(self.state, State::AwaitingHead),
            "on_response() was called with no request out",
        ) {
            return BodyAction::Discard;
        }
        if status.is_success() {
            let expected: Option<u64> = headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse().ok());
            if expected.is_some_and(|announced| announced > self.policy.max_bytes) {
                self.set_done(DownloadErrorKind::TooLarge {
                    limit: self.policy.max_bytes,
                    announced: expected,
                });
                return BodyAction::Discard;
            }
            self.state = State::AwaitingBody { expected };
            return BodyAction::Save;
        }
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            match self.redirect_target(headers) {
                Ok(target) => {
                    self.redirect = Some(target);
                    self.redirects += 1;
                    self.state = State::Ready;
                }
                Err(reason) => self.set_done(DownloadErrorKind::BadRedirect(reason)),
            }
            return BodyAction::Discard;
        }
        if matches!(status.as_u16(), 403 | 404 | 410) {
            // Expired or revoked links answer 403; a re-query hands out fresh ones.
            self.refused = Some(status);
            self.state = State::Ready;
            return BodyAction::Discard;
        }
        let answer = ApiError::Http {
            status,
            snippet: String::new(),
            retry_after: crate::wire::decode::retry_after(headers),
        };
        match self.decide(AttemptFailure::Answer(&answer), now) {
            RetryDecision::RetryAfter(delay) => self.state = State::Waiting { until: now + delay },
            RetryDecision::Stop(_) => self.set_done(DownloadErrorKind::Http { status }),
        }
        BodyAction::Discard
    }

    /// Reports that `total` bytes of the body have arrived so far, before they are written;
    /// says whether to write them and read on. A body past its announced length is cut off and
    /// fetched again; one past [`DownloadPolicy::max_bytes`] ends the download.
    pub fn on_bytes(&mut self, total: u64, now: Timestamp) -> BodyAction {
        let State::AwaitingBody { expected } = self.state else {
            self.expect(false, "on_bytes() was called with no body being saved");
            return BodyAction::Discard;
        };
        if total > self.policy.max_bytes {
            self.set_done(DownloadErrorKind::TooLarge {
                limit: self.policy.max_bytes,
                announced: expected,
            });
            return BodyAction::Discard;
        }
        if let Some(expected) = expected
            && total > expected
        {
            let failure = TransportFailure::maybe_sent(format!(
                "the body ran past its announced {expected} bytes"
            ));
            self.on_transport_failure(failure, now);
            return BodyAction::Discard;
        }
        BodyAction::Save
    }

    /// The error for a body that is not the file asked for (an error page served with 200):
    /// not retried, since the same link serves the same page.
    pub(crate) fn wrong_content(&mut self, expected: String, arrived: String) -> Error {
        let error = self.error(DownloadErrorKind::WrongContent { expected, arrived });
        self.state = State::Done(Err(error.clone()));
        error.into()
    }

    /// Reports that the body was saved in full: `bytes` were written.
    pub fn on_saved(&mut self, bytes: u64, now: Timestamp) {
        let State::AwaitingBody { expected } = self.state else {
            self.expect(false, "on_saved() was called with no body being saved");
            return;
        };
        match expected {
            Some(expected) if expected != bytes => {
                self.on_transport_failure(
                    TransportFailure::maybe_sent(format!(
                        "the body ended after {bytes} of {expected} bytes"
                    )),
                    now,
                );
            }
            _ if bytes == 0 => self.set_done(DownloadErrorKind::Empty),
            _ => {
                self.state = State::Done(Ok(DownloadSummary {
                    result: self.result.clone(),
                    kind: self.kind,
                    bytes,
                    attempts: self.attempts,
                    requeries: self.requeries,
                    by_another_run: false,
                }));
            }
        }
    }

    /// Reports that the request, or reading its body, failed.
    pub fn on_transport_failure(&mut self, failure: TransportFailure, now: Timestamp) {
        let awaited = matches!(self.state, State::AwaitingHead | State::AwaitingBody { .. });
        if !self.expect(
            awaited,
            "on_transport_failure() was called with no request out",
        ) {
            return;
        }
        if !self.restartable && matches!(self.state, State::AwaitingBody { .. }) {
            self.set_done(DownloadErrorKind::Interrupted(failure));
            return;
        }
        match self.decide(AttemptFailure::Transport(&failure), now) {
            RetryDecision::RetryAfter(delay) => self.state = State::Waiting { until: now + delay },
            RetryDecision::Stop(_) => self.set_done(DownloadErrorKind::Transport(failure)),
        }
    }

    /// Where a redirect answer sends the download: an absolute http(s) URL, resolved against
    /// the URL requested, within [`DownloadPolicy::max_redirects`] hops.
    fn redirect_target(&self, headers: &HeaderMap) -> Result<String, String> {
        if self.redirects >= self.policy.max_redirects {
            return Err(format!("more than {} redirects", self.policy.max_redirects));
        }
        let location = headers
            .get(http::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .ok_or_else(|| "a redirect without a Location".to_owned())?;
        let base = self
            .requested
            .as_deref()
            .and_then(|url| url::Url::parse(url).ok());
        let target = url::Url::options()
            .base_url(base.as_ref())
            .parse(location.trim())
            .map_err(|_| "a redirect to an unreadable Location".to_owned())?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(format!(
                "a redirect to a {} URL, which is never followed",
                target.scheme()
            ));
        }
        Ok(target.to_string())
    }

    /// Whether the input was awaited; one that was not ends an unfinished plan as a driver bug
    /// (a finished plan stays as it ended).
    fn expect(&mut self, awaited: bool, misuse: &'static str) -> bool {
        if !awaited && !matches!(self.state, State::Done(_)) {
            self.set_done(DownloadErrorKind::OutOfSequence(misuse));
        }
        awaited
    }

    fn decide(&mut self, failure: AttemptFailure<'_>, now: Timestamp) -> RetryDecision {
        let elapsed = now - self.first_sent_on_link.unwrap_or(now);
        self.policy.retry.decide(
            Operation::Download,
            self.attempts_on_link,
            failure,
            elapsed,
            self.random.next_unit(),
        )
    }

    fn error(&self, kind: DownloadErrorKind) -> DownloadError {
        DownloadError {
            task_id: self.result.task_id.clone(),
            file: self.kind,
            attempts: self.attempts,
            requeries: self.requeries,
            kind,
        }
    }

    fn set_done(&mut self, kind: DownloadErrorKind) {
        self.state = State::Done(Err(self.error(kind)));
    }

    fn finish(&mut self, kind: DownloadErrorKind) -> DownloadStep {
        let error = self.error(kind);
        self.state = State::Done(Err(error.clone()));
        DownloadStep::Done(Err(error))
    }
}
