//! What the mock received, for assertions.

use std::collections::HashMap;
use std::time::Duration;

use crate::Route;

/// A file part of a submit, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// The form field (`images` or `multi_images`).
    pub field: String,
    /// The file name the client sent.
    pub file_name: Option<String>,
    /// Size in bytes.
    pub len: usize,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// One request the mock received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Mock time of arrival.
    pub at: Duration,
    /// The route.
    pub route: Route,
    /// Method and path with query, e.g. `GET /open-api/v1/query-task?task_id=…`.
    pub request_line: String,
    /// Headers, with credentials replaced by `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// Whether an `Authorization` header came with it.
    pub had_authorization: bool,
    /// Text fields of a submit.
    pub fields: Vec<(String, String)>,
    /// Files of a submit.
    pub files: Vec<FileSummary>,
    /// The HTTP status answered.
    pub status: u16,
    /// The envelope `code` answered, if JSON.
    pub code: Option<i64>,
    /// The task created or asked about.
    pub task_id: Option<String>,
}

impl JournalEntry {
    /// A key identifying a submit's content: its fields and file hashes.
    #[must_use]
    pub fn submit_fingerprint(&self) -> String {
        let mut parts: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.extend(
            self.files
                .iter()
                .map(|f| format!("{}#{}", f.field, f.sha256)),
        );
        parts.join("&")
    }
}

/// How many requests each route served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// Token requests.
    pub tokens: usize,
    /// Requests to create a task (submit-task, depth/create-task), accepted or not.
    pub submit_requests: usize,
    /// Tasks created, of every type.
    pub tasks_created: usize,
    /// Query requests, at every query endpoint.
    pub queries: usize,
    /// Balance requests.
    pub balances: usize,
    /// Download requests.
    pub downloads: usize,
    /// Callback deliveries attempted.
    pub callbacks: usize,
}

/// One callback delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// The task.
    pub task_id: String,
    /// Where it was posted.
    pub url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's HTTP status, or `None` if it could not be reached (or was refused as
    /// not loopback).
    pub status: Option<u16>,
}

/// The record of everything received.
#[derive(Debug, Default, Clone)]
pub(crate) struct Journal {
    pub(crate) entries: Vec<JournalEntry>,
    pub(crate) callbacks: Vec<CallbackDelivery>,
}

impl Journal {
    pub(crate) fn counters(&self) -> Counters {
        let count = |route: Route| self.entries.iter().filter(|e| e.route == route).count();
        Counters {
            tokens: count(Route::Token),
            submit_requests: self
                .entries
                .iter()
                .filter(|e| e.route.creates_task())
                .count(),
            tasks_created: self
                .entries
                .iter()
                .filter(|e| e.route.creates_task() && e.task_id.is_some())
                .count(),
            queries: self.entries.iter().filter(|e| e.route.reads_task()).count(),
            balances: count(Route::Balance),
            downloads: count(Route::Download),
            callbacks: self.callbacks.len(),
        }
    }

    /// Submit fingerprints that created more than one task.
    pub(crate) fn duplicate_submits(&self) -> Vec<(String, usize)> {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for entry in self
            .entries
            .iter()
            .filter(|e| e.route.creates_task() && e.task_id.is_some())
        {
            *seen.entry(entry.submit_fingerprint()).or_default() += 1;
        }
        let mut duplicates: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
        duplicates.sort();
        duplicates
    }
}

/// A header as the journal keeps it: credentials replaced by their scheme.
pub(crate) fn redact_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        let scheme = value.split_whitespace().next().unwrap_or("");
        format!("{scheme} [redacted]")
    } else {
        value.to_owned()
    }
}

/// A query as the journal keeps it, decoded, link signatures replaced, appended to `line`.
pub(crate) fn redact_query(query: &str, line: &mut String) {
    for (index, (key, value)) in crate::query_pairs::query_pairs(query).enumerate() {
        // Link keys, and the signature, session token and key id of a signed upload.
        let secret = matches!(
            key.as_ref(),
            "auth_key" | "X-Amz-Signature" | "X-Amz-Security-Token" | "X-Amz-Credential"
        );
        if index > 0 {
            line.push('&');
        }
        line.push_str(&key);
        line.push('=');
        line.push_str(if secret { "[redacted]" } else { &value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_kept_decoded_without_its_secrets() {
        let mut line = String::from("GET /files/t/model.glb?");
        redact_query(
            "auth_key=123-secret&name=a%20b&X-Amz-Signature=sig&&x",
            &mut line,
        );
        assert_eq!(
            line,
            "GET /files/t/model.glb?auth_key=[redacted]&name=a b&X-Amz-Signature=[redacted]&x="
        );
    }
}
