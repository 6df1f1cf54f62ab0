//! How an API error code should be understood and handled.

use crate::ApiErrorCode;

/// The broad kind of an API error, which decides how a client reacts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Credentials or token: refresh the token once, or fix the credentials.
    Auth,
    /// The request itself is wrong: change it before sending again.
    Input,
    /// Not enough credits.
    Billing,
    /// Too many requests or unfinished tasks: wait for a slot.
    RateLimit,
    /// The service failed; the same request may succeed later.
    TransientServer,
    /// The task ran and failed; its credits were refunded.
    GenerationFailed,
    /// A code this SDK cannot classify.
    Unknown,
}

/// What happened to the credits of the task that got the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CreditOutcome {
    /// Nothing was charged.
    NotCharged,
    /// Credits were charged, then given back.
    Refunded,
    /// The sources do not say.
    Unknown,
}

/// The spec's record of one documented error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The numeric code.
    pub code: i64,
    /// The message the service sends with it (English form).
    pub message: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// What the caller should do about it.
    pub hint: &'static str,
    /// Its class.
    pub class: ErrorClass,
    /// Whether sending the same request again may succeed (for [`ErrorClass::Auth`]: after a
    /// token refresh).
    pub retryable: bool,
    /// What happened to the credits.
    pub credits: CreditOutcome,
    /// `false` for codes no official page lists (seen only in client code).
    pub documented: bool,
    /// Where the facts come from.
    pub source: &'static str,
}

/// A range of codes that share a class, used for codes missing from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorFamily {
    /// First code of the range.
    pub from: i64,
    /// Last code of the range, inclusive.
    pub to: i64,
    /// Class of every code in the range.
    pub class: ErrorClass,
    /// Whether codes in the range are worth retrying.
    pub retryable: bool,
    /// What the range is.
    pub doc: &'static str,
}

impl ApiErrorCode {
    /// The class of this code: from the table, else from its numeric family, else
    /// [`ErrorClass::Unknown`].
    ///
    /// ```
    /// use hitem3d_types::{ApiErrorCode, ErrorClass};
    ///
    /// assert_eq!(ApiErrorCode::from_code(30010000).class(), ErrorClass::Billing);
    /// // 10031014 is not in the docs we have, but belongs to submit-task validation.
    /// assert_eq!(ApiErrorCode::from_code(10031014).class(), ErrorClass::Input);
    /// ```
    #[must_use]
    pub fn class(&self) -> ErrorClass {
        match (self.info(), self.family()) {
            (Some(info), _) => info.class,
            (None, Some(family)) => family.class,
            (None, None) => ErrorClass::Unknown,
        }
    }

    /// Whether sending the same request again may succeed. Unknown codes are not retried.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match (self.info(), self.family()) {
            (Some(info), _) => info.retryable,
            (None, Some(family)) => family.retryable,
            (None, None) => false,
        }
    }

    /// The documented message, if the code is in the table.
    #[must_use]
    pub fn documented_message(&self) -> Option<&'static str> {
        self.info().map(|info| info.message)
    }

    /// What to do about this error.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match (self.info(), self.class()) {
            (Some(info), _) => info.hint,
            (None, ErrorClass::Input) => {
                "The service rejected a parameter; check the request against the model's capabilities."
            }
            (None, ErrorClass::Auth) => "Get a new token; if that fails, check the credentials.",
            (None, _) => "An error code this SDK does not know; see the message from the service.",
        }
    }

    /// What happened to the task's credits.
    #[must_use]
    pub fn credit_outcome(&self) -> CreditOutcome {
        self.info()
            .map_or(CreditOutcome::Unknown, |info| info.credits)
    }

    /// The numeric family this code belongs to, if any.
    #[must_use]
    pub fn family(&self) -> Option<&'static ErrorFamily> {
        let code = self.code();
        Self::FAMILIES
            .iter()
            .find(|family| (family.from..=family.to).contains(&code))
    }
}
