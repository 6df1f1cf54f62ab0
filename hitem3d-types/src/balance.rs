//! The balance endpoint's payload.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of credits (1 credit ≈ US$0.02). The service sends decimals (`14.00`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Credits(pub f64);

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whole amounts print without decimals; others keep two, like the service.
        if self.0.fract() == 0.0 {
            write!(f, "{:.0}", self.0)
        } else {
            write!(f, "{:.2}", self.0)
        }
    }
}

/// `data` of a balance answer: `{"totalBalance": 14.00}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BalanceData {
    /// The documented field.
    #[serde(
        rename = "totalBalance",
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_balance: Option<f64>,
    /// A name some clients read instead.
    #[serde(
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub balance: Option<f64>,
    /// Credits used so far, an undocumented field one client reads.
    #[serde(
        rename = "usedBalance",
        default,
        deserialize_with = "crate::lenient::optional_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub used_balance: Option<f64>,
}

impl BalanceData {
    /// A balance answer with the documented field.
    #[must_use]
    pub fn new(total: Credits) -> Self {
        Self {
            total_balance: Some(total.0),
            ..Self::default()
        }
    }

    /// The balance from `totalBalance`, else `balance`.
    #[must_use]
    pub fn total(&self) -> Option<Credits> {
        self.total_balance.or(self.balance).map(Credits)
    }
}
