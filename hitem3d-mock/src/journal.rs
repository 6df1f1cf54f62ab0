//! What the mock received, for assertions.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use sha2::{Digest, Sha256};

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

/// How many requests each route served, and what the mock let go of to stay within its
/// bounds. Kept as running counts: they hold however many requests the journal dropped.
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
    /// Requests (and callback deliveries) dropped from the journal, oldest first, past
    /// [`crate::Retention::requests`].
    pub requests_dropped: usize,
    /// Ended tasks forgotten, with their files, past [`crate::Retention::ended_tasks`]; a
    /// query for one then answers "task not found".
    pub tasks_forgotten: usize,
    /// Uploaded objects deleted from the storage past [`crate::Retention::stored_objects`].
    pub objects_deleted: usize,
    /// Tokens still valid forgotten past [`crate::Retention::live_tokens`].
    pub tokens_forgotten: usize,
    /// Connections answered 503 and closed past [`crate::ServerLimits::max_connections`].
    pub connections_refused: usize,
    /// Times accepting a connection failed (at the process's file limit, for one).
    pub accept_failures: usize,
    /// Request bodies answered 503 past [`crate::ServerLimits::max_bodies_in_flight`].
    pub bodies_over_budget: usize,
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

/// The most of a header value (or a request line) the journal keeps: a request's head may be
/// 64 KiB, and the journal keeps thousands.
const KEPT_TEXT: usize = 2048;

/// Download requests with a token kept to name them (the count goes on).
const KEPT_LEAKS: usize = 100;

/// The record of what was received: the newest requests and callback deliveries whole, and
/// counts of everything.
#[derive(Debug, Default, Clone)]
pub(crate) struct Journal {
    entries: VecDeque<JournalEntry>,
    callbacks: VecDeque<CallbackDelivery>,
    /// How many of each the journal keeps.
    keep: usize,
    counters: Counters,
    /// Tasks created per submit content, by the digest of its fingerprint: ~50 bytes a task,
    /// where the fingerprint is hundreds.
    created_per_submit: HashMap<[u8; 32], usize>,
    /// The fingerprints of submits that created more than one task.
    duplicates: HashMap<[u8; 32], String>,
    /// The request lines of downloads that carried a token (the first ones).
    downloads_with_token: Vec<String>,
}

impl Journal {
    /// A journal keeping the newest `keep` requests and deliveries.
    pub(crate) fn keeping(keep: usize) -> Self {
        Self {
            keep,
            ..Self::default()
        }
    }

    /// Counts `entry` and keeps it, dropping the oldest past the bound.
    pub(crate) fn record(&mut self, mut entry: JournalEntry) {
        let counters = &mut self.counters;
        match entry.route {
            Route::Token => counters.tokens += 1,
            Route::Balance => counters.balances += 1,
            Route::Download => counters.downloads += 1,
            _ => {}
        }
        if entry.route.reads_task() {
            counters.queries += 1;
        }
        if entry.route.creates_task() {
            counters.submit_requests += 1;
            if entry.task_id.is_some() {
                counters.tasks_created += 1;
                self.count_submit(&entry);
            }
        }
        if entry.route == Route::Download
            && entry.had_authorization
            && self.downloads_with_token.len() < KEPT_LEAKS
        {
            self.downloads_with_token.push(entry.request_line.clone());
        }
        cut(&mut entry.request_line);
        for (_, value) in &mut entry.headers {
            cut(value);
        }
        self.entries.push_back(entry);
        if self.entries.len() > self.keep {
            self.entries.pop_front();
            self.counters.requests_dropped += 1;
        }
    }

    fn count_submit(&mut self, entry: &JournalEntry) {
        let fingerprint = entry.submit_fingerprint();
        let digest: [u8; 32] = Sha256::digest(fingerprint.as_bytes()).into();
        let created = self.created_per_submit.entry(digest).or_default();
        *created += 1;
        if *created > 1 {
            self.duplicates.entry(digest).or_insert(fingerprint);
        }
    }

    /// Keeps one callback delivery, dropping the oldest past the bound.
    pub(crate) fn record_callback(&mut self, delivery: CallbackDelivery) {
        self.counters.callbacks += 1;
        self.callbacks.push_back(delivery);
        if self.callbacks.len() > self.keep {
            self.callbacks.pop_front();
            self.counters.requests_dropped += 1;
        }
    }

    pub(crate) fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.callbacks.iter().cloned().collect()
    }

    pub(crate) fn counters(&self) -> Counters {
        self.counters
    }

    /// The counters the server and the world's bounds add to.
    pub(crate) fn counters_mut(&mut self) -> &mut Counters {
        &mut self.counters
    }

    /// Submit fingerprints that created more than one task, with how many.
    pub(crate) fn duplicate_submits(&self) -> Vec<(String, usize)> {
        let mut duplicates: Vec<_> = self
            .duplicates
            .iter()
            .map(|(digest, fingerprint)| (fingerprint.clone(), self.created_per_submit[digest]))
            .collect();
        duplicates.sort();
        duplicates
    }

    /// Downloads that carried a token (the first [`KEPT_LEAKS`]).
    pub(crate) fn downloads_with_token(&self) -> &[String] {
        &self.downloads_with_token
    }
}

/// Cuts `text` to [`KEPT_TEXT`] bytes (at a character boundary), saying how long it was.
fn cut(text: &mut String) {
    if text.len() <= KEPT_TEXT {
        return;
    }
    let mut end = KEPT_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // A new string: truncating keeps the whole allocation.
    *text = format!("{}… ({} bytes in all)", &text[..end], text.len());
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

    fn request(route: Route, line: &str) -> JournalEntry {
        JournalEntry {
            at: Duration::ZERO,
            route,
            request_line: line.to_owned(),
            headers: vec![("x-long".to_owned(), "v".repeat(10_000))],
            had_authorization: false,
            fields: vec![("model".to_owned(), "hitem3dv2.1".to_owned())],
            files: Vec::new(),
            status: 200,
            code: Some(200),
            task_id: Some("t".to_owned()),
        }
    }

    #[test]
    fn the_newest_requests_are_kept_and_every_one_counted() {
        let mut journal = Journal::keeping(2);
        for n in 0..5 {
            journal.record(request(Route::Submit, &format!("POST /submit {n}")));
        }
        let kept: Vec<_> = journal
            .entries()
            .into_iter()
            .map(|e| e.request_line)
            .collect();
        assert_eq!(kept, ["POST /submit 3", "POST /submit 4"]);
        let counters = journal.counters();
        assert_eq!((counters.submit_requests, counters.tasks_created), (5, 5));
        assert_eq!(counters.requests_dropped, 3);
        // The same fields five times: found though four of the requests are gone.
        assert_eq!(
            journal.duplicate_submits(),
            [("model=hitem3dv2.1".to_owned(), 5)]
        );
    }

    #[test]
    fn a_long_header_is_kept_cut_short() {
        let mut journal = Journal::keeping(1);
        journal.record(request(Route::Balance, "GET /balance"));
        let value = &journal.entries()[0].headers[0].1;
        assert!(value.len() < 2100, "{}", value.len());
        assert!(value.ends_with("(10000 bytes in all)"), "{value}");
    }

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
