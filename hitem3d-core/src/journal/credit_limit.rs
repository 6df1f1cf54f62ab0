//! Whether a submit's price fits under a limit on the credits a journal's tasks may cost: the
//! rule every store applies in the transaction that writes the submit's intent.

use super::JournalError;

/// A limit on credits and what was charged against it, as a store read them.
///
/// ```
/// use hitem3d_core::journal::CreditLimit;
///
/// let limit = CreditLimit { limit: Some(35), spent: 30 };
/// assert!(limit.admit(Some(5)).is_ok());
/// assert!(limit.admit(Some(10)).is_err());
/// // A price nobody knows cannot be kept under a limit; without one, anything goes.
/// assert!(limit.admit(None).is_err());
/// assert!(CreditLimit { limit: None, spent: 30 }.admit(None).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditLimit {
    /// The most that may be charged, if a limit is set.
    pub limit: Option<u64>,
    /// Charged (or reserved) so far.
    pub spent: u64,
}

impl CreditLimit {
    /// A limit as a database keeps it (signed integers; a negative figure reads as zero).
    #[must_use]
    pub fn from_stored(limit: Option<i64>, spent: i64) -> Self {
        let unsigned = |value: i64| u64::try_from(value).unwrap_or(0);
        Self {
            limit: limit.map(unsigned),
            spent: unsigned(spent),
        }
    }

    /// Whether a task of `price` may be charged.
    ///
    /// # Errors
    /// [`JournalError::OverBudget`] when it would pass the limit, or its price is unknown
    /// under one.
    pub fn admit(self, price: Option<u32>) -> Result<(), JournalError> {
        let fits = match (self.limit, price) {
            (None, _) => true,
            (Some(limit), Some(price)) => self.spent + u64::from(price) <= limit,
            (Some(_), None) => false,
        };
        if fits {
            Ok(())
        } else {
            Err(JournalError::OverBudget {
                price,
                spent: self.spent,
                limit: self.limit.unwrap_or(0),
            })
        }
    }
}
