//! Rules that hold for the whole run, for clients that cannot script the mock call by call (a
//! test suite in another language against the mock's binary): a fault on every n-th call to a
//! route, and tasks that fail by share or by the picture's file name.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::{Fault, Route, TaskFailure};

/// A fault answered on every `every`-th call to `route` (1: every call), counting from the first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StandingFault {
    /// The route it strikes.
    pub route: Route,
    /// What it answers.
    pub fault: Fault,
    /// Every how many calls it strikes; never 0.
    pub every: u32,
}

impl StandingFault {
    /// `fault` on every `every`-th call to `route` (0 is read as 1).
    #[must_use]
    pub fn new(route: Route, fault: Fault, every: u32) -> Self {
        Self {
            route,
            fault,
            every: every.max(1),
        }
    }

    /// Whether the `call`-th call (from 1) to the route meets it.
    pub(crate) fn strikes(&self, call: u64) -> bool {
        call.is_multiple_of(u64::from(self.every))
    }
}

/// Which tasks fail.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FailingTasks {
    /// Every task.
    All,
    /// This share of the tasks (0.0 to 1.0), spread evenly: at 0.25, every fourth.
    Share(f64),
    /// Tasks whose picture's file name contains this text (the first picture of a multi-view).
    PictureNamed(String),
}

impl FailingTasks {
    /// Whether the `number`-th task (from 1), whose picture is called `picture_name`, fails.
    pub(crate) fn includes(&self, number: u64, picture_name: Option<&str>) -> bool {
        match self {
            Self::All => true,
            // Evenly: the count of failures so far steps up on the tasks where share × n does.
            #[allow(
                clippy::cast_precision_loss,
                reason = "task counts stay far below 2^52"
            )]
            Self::Share(share) => {
                let share = share.clamp(0.0, 1.0);
                let before = (share * (number - 1) as f64).floor();
                (share * number as f64).floor() > before
            }
            Self::PictureNamed(text) => picture_name.is_some_and(|name| name.contains(text)),
        }
    }
}

/// A rule for failing tasks: which, and how.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskFailureRule {
    /// Which tasks.
    pub which: FailingTasks,
    /// How they fail.
    pub how: TaskFailure,
}

impl TaskFailureRule {
    /// `which` tasks fail the way `how` says.
    #[must_use]
    pub fn new(which: FailingTasks, how: TaskFailure) -> Self {
        Self { which, how }
    }
}

/// A `--fault` flag that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError(String);

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultSpecError {}

/// Reads `ROUTE=KIND[@EVERY]`, as the binary's `--fault` takes it:
///
/// ```
/// use std::time::Duration;
/// use hitem3d_mock::{Fault, Route, StandingFault};
///
/// let fault: StandingFault = "query=html:502@3".parse().unwrap();
/// assert_eq!(fault, StandingFault::new(Route::Query, Fault::HtmlStatus(502), 3));
/// let slow: StandingFault = "submit=delay:1500".parse().unwrap();
/// assert_eq!(slow.fault, Fault::Delay(Duration::from_millis(1500)));
/// assert!("query=teapot".parse::<StandingFault>().is_err());
/// ```
impl FromStr for StandingFault {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = |why: String| FaultSpecError(format!("--fault {text:?}: {why}"));
        let (route, rest) = text
            .split_once('=')
            .ok_or_else(|| wrong("expected ROUTE=KIND, e.g. query=html:502".to_owned()))?;
        let route = Route::ALL
            .into_iter()
            .find(|known| known.as_str() == route.trim())
            .ok_or_else(|| wrong(format!("unknown route {route:?}; use {}", route_names())))?;
        let (kind, every) = match rest.split_once('@') {
            None => (rest, 1),
            Some((kind, every)) => {
                let every = every
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|every| *every > 0)
                    .ok_or_else(|| wrong(format!("@{every}: expected a count from 1")))?;
                (kind, every)
            }
        };
        let (name, argument) = kind.split_once(':').unwrap_or((kind, ""));
        let number = |what: &str| {
            argument.trim().parse::<u64>().map_err(|_| {
                wrong(format!(
                    "{name} needs {what}, e.g. {name}:{}",
                    example(name)
                ))
            })
        };
        let fault = match name.trim() {
            "html" => Fault::HtmlStatus(
                u16::try_from(number("an HTTP status")?)
                    .ok()
                    .filter(|status| (100..=599).contains(status))
                    .ok_or_else(|| wrong("the status must be 100 to 599".to_owned()))?,
            ),
            "delay" => Fault::Delay(Duration::from_millis(number("milliseconds")?)),
            "envelope" => {
                let (code, msg) = argument.split_once(':').unwrap_or((argument, "mock fault"));
                let code = code.trim().parse::<i64>().map_err(|_| {
                    wrong("envelope needs a code, e.g. envelope:10000000".to_owned())
                })?;
                Fault::Envelope {
                    code,
                    msg: msg.to_owned(),
                }
            }
            "expire-tokens" => Fault::ExpireTokens,
            "lost" => Fault::ProcessThenFail,
            "redirect" => Fault::Redirect,
            "expired-link" => Fault::ExpiredLink,
            other => {
                return Err(wrong(format!(
                    "unknown fault {other:?}; use html:STATUS, delay:MS, envelope:CODE[:MSG], \
                     expire-tokens, lost, redirect or expired-link"
                )));
            }
        };
        Ok(Self::new(route, fault, every))
    }
}

fn example(name: &str) -> &'static str {
    match name {
        "html" => "502",
        "delay" => "1500",
        _ => "1",
    }
}

fn route_names() -> String {
    Route::ALL.map(Route::as_str).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_tasks_fails_evenly() {
        let quarter = FailingTasks::Share(0.25);
        let failing: Vec<u64> = (1..=12).filter(|n| quarter.includes(*n, None)).collect();
        assert_eq!(failing, [4, 8, 12]);
        let none = FailingTasks::Share(0.0);
        assert!((1..=100).all(|n| !none.includes(n, None)));
        let all = FailingTasks::Share(1.0);
        assert!((1..=100).all(|n| all.includes(n, None)));
    }

    #[test]
    fn tasks_fail_by_the_pictures_name() {
        let named = FailingTasks::PictureNamed("fail".to_owned());
        assert!(named.includes(1, Some("chair-fail.png")));
        assert!(!named.includes(1, Some("chair.png")));
        assert!(!named.includes(1, None));
    }

    #[test]
    fn a_standing_fault_strikes_every_nth_call() {
        let fault = StandingFault::new(Route::Query, Fault::HtmlStatus(502), 3);
        let struck: Vec<u64> = (1..=9).filter(|call| fault.strikes(*call)).collect();
        assert_eq!(struck, [3, 6, 9]);
        assert!(StandingFault::new(Route::Query, Fault::Redirect, 0).strikes(1));
    }

    #[test]
    fn every_fault_kind_reads_and_bad_ones_say_what_to_write() {
        let read = |text: &str| text.parse::<StandingFault>().map(|f| f.fault);
        assert_eq!(read("token=expire-tokens"), Ok(Fault::ExpireTokens));
        assert_eq!(read("submit=lost"), Ok(Fault::ProcessThenFail));
        assert_eq!(read("download=redirect"), Ok(Fault::Redirect));
        assert_eq!(read("download=expired-link"), Ok(Fault::ExpiredLink));
        assert_eq!(
            read("balance=envelope:10000000:system error"),
            Ok(Fault::Envelope {
                code: 10_000_000,
                msg: "system error".to_owned()
            })
        );
        for (bad, says) in [
            ("query", "expected ROUTE=KIND"),
            ("queries=lost", "unknown route"),
            ("query=html", "html needs an HTTP status"),
            ("query=html:99", "100 to 599"),
            ("query=lost@0", "expected a count from 1"),
            ("query=teapot", "unknown fault"),
        ] {
            let error = bad.parse::<StandingFault>().unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
