//! The retry policy: a pure function from what happened to what to do next.

use std::fmt;
use std::time::Duration;

use crate::{ApiError, Delivery, Operation, TransportFailure};

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum AttemptFailure<'a> {
    /// No answer came.
    Transport(&'a TransportFailure),
    /// An answer came, and it was an error.
    Answer(&'a ApiError),
}

/// Why no further attempt is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The failure is not one that goes away by itself (bad input, billing, auth, …).
    NotRetryable,
    /// The request may have reached the server and is not idempotent (submit-task): sending it
    /// again could create, and charge for, a second task.
    MayDuplicate,
    /// The policy's attempt limit was reached.
    AttemptsExhausted,
    /// The next wait would overrun the policy's time budget.
    BudgetExhausted,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRetryable => "not retryable",
            Self::MayDuplicate => "not resent, as that could create a second task",
            Self::AttemptsExhausted => "attempt limit reached",
            Self::BudgetExhausted => "retry time budget spent",
        })
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Send the request again after this delay.
    RetryAfter(Duration),
    /// Give up.
    Stop(StopReason),
}

/// When and how often to repeat a failed call.
///
/// Idempotent calls (token, query, balance, download) are retried on transport failures,
/// timeouts, HTTP 5xx/408/429 and the service's `10000000`, with exponential backoff and full
/// jitter, within an attempt limit and a time budget. Submit-task is retried only when the
/// failure is known to have struck before any byte was sent.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_core::{AttemptFailure, Operation, RetryDecision, RetryPolicy, StopReason, TransportFailure};
///
/// let policy = RetryPolicy::default();
/// let reset = TransportFailure::maybe_sent("connection reset");
/// let failure = AttemptFailure::Transport(&reset);
///
/// let query = policy.decide(Operation::QueryTask, 1, failure, Duration::ZERO, 0.5);
/// assert!(matches!(query, RetryDecision::RetryAfter(_)));
///
/// let submit = policy.decide(Operation::SubmitTask, 1, failure, Duration::ZERO, 0.5);
/// assert_eq!(submit, RetryDecision::Stop(StopReason::MayDuplicate));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Most attempts in total, the first one included. `1` never retries.
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles with each retry.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// The longest time from the first attempt to the start of the last one.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(16),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const NEVER: Self = Self {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        budget: Duration::ZERO,
    };

    /// The same policy with at most `max_attempts` attempts (at least 1), like every other
    /// `with_*` setter: `RetryPolicy::default().with_max_attempts(5)`.
    #[must_use]
    pub fn with_max_attempts(self, max_attempts: u32) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            ..self
        }
    }

    /// The same policy with another base delay, delay ceiling and budget.
    #[must_use]
    pub fn with_delays(self, base_delay: Duration, max_delay: Duration, budget: Duration) -> Self {
        Self {
            base_delay,
            max_delay,
            budget,
            ..self
        }
    }

    /// The backoff after `attempts` failed attempts: a uniform draw (`random_unit` in `[0, 1)`)
    /// from zero to `min(max_delay, base_delay × 2^(attempts−1))`, "full jitter", so that many
    /// clients failing together do not retry together.
    #[must_use]
    pub fn backoff(&self, attempts: u32, random_unit: f64) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1_u32 << doublings)
            .min(self.max_delay);
        ceiling.mul_f64(random_unit.clamp(0.0, 1.0))
    }

    /// Why `failure` of `operation` is not worth another attempt, limits aside.
    fn never_retry(operation: Operation, failure: AttemptFailure<'_>) -> Option<StopReason> {
        match failure {
            AttemptFailure::Transport(transport) if transport.is_refused() => {
                Some(StopReason::NotRetryable)
            }
            AttemptFailure::Transport(transport) => match transport.delivery() {
                Delivery::NotSent => None,
                Delivery::MaybeSent if operation.is_idempotent() => None,
                Delivery::MaybeSent => Some(StopReason::MayDuplicate),
            },
            // Any answer means the server saw the request: a non-idempotent call is not replayed.
            AttemptFailure::Answer(_) if !operation.is_idempotent() => {
                Some(StopReason::NotRetryable)
            }
            AttemptFailure::Answer(answer) if answer.is_transient() => None,
            AttemptFailure::Answer(_) => Some(StopReason::NotRetryable),
        }
    }

    /// Decides after `attempts` attempts (this failure's included), `elapsed` after the first
    /// one started. `random_unit` in `[0, 1)` is the jitter draw.
    #[must_use]
    pub fn decide(
        &self,
        operation: Operation,
        attempts: u32,
        failure: AttemptFailure<'_>,
        elapsed: Duration,
        random_unit: f64,
    ) -> RetryDecision {
        if let Some(reason) = Self::never_retry(operation, failure) {
            return RetryDecision::Stop(reason);
        }
        if attempts >= self.max_attempts {
            return RetryDecision::Stop(StopReason::AttemptsExhausted);
        }
        let mut delay = self.backoff(attempts, random_unit);
        if let AttemptFailure::Answer(answer) = failure
            && let Some(asked) = answer.retry_after()
        {
            delay = delay.max(asked);
        }
        if elapsed.saturating_add(delay) > self.budget {
            return RetryDecision::Stop(StopReason::BudgetExhausted);
        }
        RetryDecision::RetryAfter(delay)
    }
}

#[cfg(test)]
mod tests {
    use hitem3d_types::ApiErrorCode;
    use http::StatusCode;

    use super::*;

    fn service(code: ApiErrorCode) -> ApiError {
        ApiError::Service {
            code,
            message: String::new(),
            status: StatusCode::OK,
        }
    }

    fn http(status: u16) -> ApiError {
        ApiError::Http {
            status: StatusCode::from_u16(status).unwrap(),
            snippet: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling_with_full_jitter() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<_> = (1..=8).map(|n| policy.backoff(n, 0.999_999_9)).collect();
        let secs: Vec<_> = ceilings
            .iter()
            .map(|d| d.as_millis().div_ceil(100) * 100)
            .collect();
        assert_eq!(secs, [500, 1000, 2000, 4000, 8000, 16000, 16000, 16000]);
        assert_eq!(policy.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(3, 0.5), Duration::from_secs(1));
        assert_eq!(
            policy.backoff(u32::MAX, 0.5),
            Duration::from_secs(8),
            "no overflow"
        );
    }

    #[test]
    fn idempotent_calls_retry_transient_answers_only() {
        let policy = RetryPolicy::default();
        let retried = [
            http(500),
            http(502),
            http(503),
            http(429),
            http(408),
            service(ApiErrorCode::SystemError),
        ];
        for answer in &retried {
            let decision = policy.decide(
                Operation::QueryTask,
                1,
                AttemptFailure::Answer(answer),
                Duration::ZERO,
                0.5,
            );
            assert!(
                matches!(decision, RetryDecision::RetryAfter(_)),
                "{answer:?}"
            );
        }
        let final_answers = [
            http(400),
            http(404),
            service(ApiErrorCode::InsufficientBalance),
            service(ApiErrorCode::InvalidClientCredentials),
            service(ApiErrorCode::GenerateFailed),
            service(ApiErrorCode::from_code(123)),
        ];
        for answer in &final_answers {
            let decision = policy.decide(
                Operation::Balance,
                1,
                AttemptFailure::Answer(answer),
                Duration::ZERO,
                0.5,
            );
            assert_eq!(
                decision,
                RetryDecision::Stop(StopReason::NotRetryable),
                "{answer:?}"
            );
        }
    }

    #[test]
    fn submit_is_retried_only_when_nothing_was_sent() {
        let policy = RetryPolicy::default();
        let refused = TransportFailure::not_sent("connection refused");
        let timeout = TransportFailure::timed_out(Delivery::MaybeSent, "read timed out");
        let connect_timeout = TransportFailure::timed_out(Delivery::NotSent, "connect timed out");
        let decide =
            |failure| policy.decide(Operation::SubmitTask, 1, failure, Duration::ZERO, 0.5);
        assert!(matches!(
            decide(AttemptFailure::Transport(&refused)),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(AttemptFailure::Transport(&connect_timeout)),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            decide(AttemptFailure::Transport(&timeout)),
            RetryDecision::Stop(StopReason::MayDuplicate)
        );
        let answers = [http(502), service(ApiErrorCode::SystemError)];
        for answer in &answers {
            assert_eq!(
                decide(AttemptFailure::Answer(answer)),
                RetryDecision::Stop(StopReason::NotRetryable)
            );
        }
    }

    #[test]
    fn a_transports_refusal_is_never_retried() {
        let policy = RetryPolicy::default();
        let refused = TransportFailure::refused("the logger records the traffic");
        for operation in [
            Operation::QueryTask,
            Operation::SubmitTask,
            Operation::Balance,
        ] {
            assert_eq!(
                policy.decide(
                    operation,
                    1,
                    AttemptFailure::Transport(&refused),
                    Duration::ZERO,
                    0.5
                ),
                RetryDecision::Stop(StopReason::NotRetryable),
                "{operation:?}"
            );
        }
    }

    #[test]
    fn attempts_and_budget_bound_the_retries() {
        let policy = RetryPolicy::default();
        let reset = TransportFailure::maybe_sent("reset");
        let failure = AttemptFailure::Transport(&reset);
        assert_eq!(
            policy.decide(Operation::QueryTask, 4, failure, Duration::ZERO, 0.5),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
        assert_eq!(
            policy.decide(
                Operation::QueryTask,
                2,
                failure,
                Duration::from_secs(60),
                0.5
            ),
            RetryDecision::Stop(StopReason::BudgetExhausted)
        );
        assert_eq!(
            RetryPolicy::NEVER.decide(Operation::QueryTask, 1, failure, Duration::ZERO, 0.5),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn with_delays_sets_all_three_and_keeps_the_attempt_limit() {
        let policy = RetryPolicy::default().with_max_attempts(6).with_delays(
            Duration::from_secs(2),
            Duration::from_secs(3),
            Duration::from_secs(10),
        );
        assert_eq!(
            policy.backoff(1, 0.5),
            Duration::from_secs(1),
            "half of 2 s"
        );
        assert_eq!(
            policy.backoff(5, 0.5),
            Duration::from_millis(1500),
            "half of 3 s"
        );
        let reset = TransportFailure::maybe_sent("reset");
        let decide = |attempts, elapsed| {
            policy.decide(
                Operation::QueryTask,
                attempts,
                AttemptFailure::Transport(&reset),
                elapsed,
                0.5,
            )
        };
        assert_eq!(
            decide(5, Duration::ZERO),
            RetryDecision::RetryAfter(Duration::from_millis(1500))
        );
        assert_eq!(
            decide(6, Duration::ZERO),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
        // A wait that ends exactly at the budget is still taken; one past it is not.
        assert_eq!(
            decide(2, Duration::from_millis(8500)),
            RetryDecision::RetryAfter(Duration::from_millis(1500))
        );
        assert_eq!(
            decide(2, Duration::from_millis(8501)),
            RetryDecision::Stop(StopReason::BudgetExhausted)
        );
    }

    #[test]
    fn each_stop_reason_reads_as_what_happened() {
        let texts: Vec<String> = [
            StopReason::NotRetryable,
            StopReason::MayDuplicate,
            StopReason::AttemptsExhausted,
            StopReason::BudgetExhausted,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            texts,
            [
                "not retryable",
                "not resent, as that could create a second task",
                "attempt limit reached",
                "retry time budget spent"
            ]
        );
    }

    #[test]
    fn retry_after_is_honoured_as_a_floor() {
        let policy = RetryPolicy::default();
        let answer = ApiError::Http {
            status: StatusCode::TOO_MANY_REQUESTS,
            snippet: String::new(),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            policy.decide(
                Operation::QueryTask,
                1,
                AttemptFailure::Answer(&answer),
                Duration::ZERO,
                0.1
            ),
            RetryDecision::RetryAfter(Duration::from_secs(7))
        );
    }
}
