//! Carriers for values the server sends that this version of the SDK does not know yet.

use std::fmt;

/// A wire string that names no known variant, kept exactly as received.
///
/// Only this crate creates it (from the parsers of the wire enums), so an
/// `Other(UnknownValue)` can never hold the spelling of a known variant.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    pub(crate) fn new(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// The raw wire string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A wire number that names no known variant, kept exactly as received.
///
/// Only this crate creates it, so an `Other(UnknownCode)` can never hold a known code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownCode(i64);

impl UnknownCode {
    pub(crate) fn new(raw: i64) -> Self {
        Self(raw)
    }

    /// The raw wire number.
    #[must_use]
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Debug for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A numbered wire value given as text that is neither a number nor a known name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {input:?} is not valid; use a number or one of: {expected}")]
pub struct ParseCodeError {
    kind: &'static str,
    input: String,
    expected: String,
}

impl ParseCodeError {
    pub(crate) fn new(kind: &'static str, input: &str, expected: &[&str]) -> Self {
        Self {
            kind,
            input: input.to_owned(),
            expected: expected.join(", "),
        }
    }

    /// The text that failed to parse.
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }
}
