//! The simulated service's state and its answers, independent of any HTTP server. Every
//! access goes through [`lock`], which settles ended tasks first.

mod auth;
mod links;
mod mesh_fetch;
mod pruned;
mod randomness;
mod scripting;
mod settlement;
mod signature;
pub(crate) mod storage;
mod tasks;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hitem3d_types::TaskState;
use serde_json::json;

use crate::body_budget::BodyBudget;
use crate::clock::MockClock;
use crate::journal::{Journal, JournalEntry, redact_header, redact_query};
use crate::query_pairs::query_pairs;
use crate::reply::Reply;
use crate::task::MockTask;
use crate::workshop::Workshop;
use crate::{Fault, MockConfig, Route, TaskFailure};
use links::Link;
use pruned::Pruned;
pub(crate) use randomness::MockRandom;

/// The world, locked and settled: every reader and writer comes through here, so refunds and
/// callbacks of tasks that ended are never missed. A panic elsewhere must not hide the state
/// from the test that inspects it.
pub(crate) fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    let mut world = world.lock().unwrap_or_else(PoisonError::into_inner);
    world.settle();
    world
}

/// Waits until every task due to succeed has its files, so that a test that ended tasks (by
/// moving the clock or by hand) sees them ended at once.
pub(crate) fn await_files(mut world: MutexGuard<'_, World>) {
    let files_made = Arc::clone(&world.files_made);
    while world.files_pending() {
        world = files_made
            .wait(world)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

/// An incoming request, as the server hands it over.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: Vec<(&'a str, Cow<'a, str>)>,
    pub(crate) body: &'a [u8],
    /// The body was not read: it declared (or grew to) more than the route takes.
    pub(crate) body_too_large: bool,
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }

    fn query_param(&self, name: &str) -> Option<String> {
        query_pairs(self.query.unwrap_or(""))
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

/// A callback to deliver.
#[derive(Debug, Clone)]
pub(crate) struct PendingCallback {
    pub(crate) task_id: String,
    pub(crate) url: String,
    pub(crate) body: Vec<u8>,
}

/// Everything the mock knows.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) config: MockConfig,
    pub(crate) clock: MockClock,
    pub(crate) base_url: String,
    pub(crate) balance: f64,
    tokens: Pruned<Duration>,
    /// The live tokens' keys, oldest first, for the bound on how many are kept.
    token_order: VecDeque<String>,
    /// The newest tokens issued, expired ones too: tests look for them in logs.
    pub(crate) issued_tokens: VecDeque<String>,
    pub(crate) tasks: BTreeMap<String, MockTask>,
    /// The tasks settled, in the order they ended: the first is forgotten first.
    ended: VecDeque<String>,
    links: Pruned<Link>,
    faults: HashMap<Route, VecDeque<Fault>>,
    /// Calls per route so far, for the standing faults that strike every n-th.
    route_calls: HashMap<Route, u64>,
    fail_next: VecDeque<TaskFailure>,
    random: MockRandom,
    pub(crate) journal: Journal,
    pub(crate) pending_callbacks: Vec<PendingCallback>,
    pub(crate) peak_unfinished: usize,
    counter: u64,
    /// Uploaded meshes and the credentials for them.
    pub(crate) storage: storage::Storage,
    /// Makes result files off the server's thread; none when the world is not served.
    pub(crate) workshop: Option<Workshop>,
    /// Notified whenever a task's files are stored.
    pub(crate) files_made: Arc<Condvar>,
    /// The request bodies the server holds at once, within their cap.
    pub(crate) bodies: Arc<BodyBudget>,
}

impl World {
    pub(crate) fn new(config: MockConfig, base_url: String) -> Self {
        let journal = Journal::keeping(config.retention.requests);
        let bodies = BodyBudget::new(config.server.max_bodies_in_flight);
        Self {
            random: MockRandom::new(config.seed),
            clock: MockClock::new(config.time),
            balance: config.initial_balance,
            config,
            base_url,
            tokens: Pruned::default(),
            token_order: VecDeque::new(),
            issued_tokens: VecDeque::new(),
            tasks: BTreeMap::new(),
            ended: VecDeque::new(),
            links: Pruned::default(),
            faults: HashMap::new(),
            route_calls: HashMap::new(),
            fail_next: VecDeque::new(),
            journal,
            pending_callbacks: Vec::new(),
            peak_unfinished: 0,
            counter: 0,
            storage: storage::Storage::default(),
            workshop: None,
            files_made: Arc::new(Condvar::new()),
            bodies,
        }
    }

    /// A world for a server, with its workshop's threads started.
    pub(crate) fn served(config: MockConfig, base_url: String) -> Arc<Mutex<Self>> {
        let world = Arc::new(Mutex::new(Self::new(config, base_url)));
        lock(&world).workshop = Some(Workshop::new(&world));
        world
    }

    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    pub(crate) fn task_state(&self, task_id: &str) -> Option<TaskState> {
        let now = self.now();
        self.tasks.get(task_id).map(|task| task.state_at(now))
    }

    pub(crate) fn unfinished_tasks(&self, now: Duration) -> usize {
        self.tasks
            .values()
            .filter(|task| !task.state_at(now).is_terminal())
            .count()
    }

    /// Answers one request, with the faults scripted for its route, and journals it.
    pub(crate) fn handle(&mut self, route: Route, request: &Incoming<'_>) -> Reply {
        let now = self.now();
        let calls = self.route_calls.entry(route).or_default();
        *calls += 1;
        let call = *calls;
        let fault = self
            .faults
            .get_mut(&route)
            .and_then(VecDeque::pop_front)
            .or_else(|| {
                self.config
                    .standing_faults
                    .iter()
                    .find(|standing| standing.route == route && standing.strikes(call))
                    .map(|standing| standing.fault.clone())
            });
        let mut entry = JournalEntry {
            at: now,
            route,
            request_line: request_line(request),
            headers: request
                .headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), redact_header(name, value)))
                .collect(),
            had_authorization: request.header("authorization").is_some(),
            fields: Vec::new(),
            files: Vec::new(),
            status: 0,
            code: None,
            task_id: None,
        };
        let mut reply = match &fault {
            Some(Fault::HtmlStatus(status)) => Reply::html(*status),
            Some(Fault::Envelope { code, msg }) => Reply::error(*code, msg, self.config.quirks),
            Some(Fault::ExpireTokens) => {
                self.tokens.clear();
                Reply::login_expired(self.config.quirks)
            }
            Some(Fault::Redirect) => Reply::redirect(self.elsewhere(request)),
            Some(Fault::ExpiredLink) => Reply::link_denied(),
            Some(Fault::Delay(_) | Fault::ProcessThenFail) | None => {
                self.route(route, request, &mut entry, now)
            }
        };
        match fault {
            Some(Fault::Delay(delay)) => reply.delay = delay,
            Some(Fault::ProcessThenFail) => reply = Reply::html(502),
            _ => {}
        }
        entry.status = reply.status;
        entry.code = reply.code;
        self.journal.record(entry);
        reply
    }

    /// The same resource at another address: downloads move to an edge path the file host
    /// also serves; API calls to a path nothing serves.
    fn elsewhere(&self, request: &Incoming<'_>) -> String {
        let path = match request.path.strip_prefix("/files/") {
            Some(rest) => format!("/files/edge/{rest}"),
            None => format!("/moved{}", request.path),
        };
        let query = request.query.map(|q| format!("?{q}")).unwrap_or_default();
        format!("{}{path}{query}", self.base_url)
    }

    fn route(
        &mut self,
        route: Route,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
    ) -> Reply {
        if let Some((task_type, creates)) = route.task_route() {
            if let Err(reply) = self.authorize(request, now) {
                return reply;
            }
            return if creates {
                self.submit(request, entry, now, task_type)
            } else {
                self.query(request, entry, now, task_type)
            };
        }
        match route {
            Route::Token => self.token(request),
            Route::Download => self.download(request, now),
            Route::StoragePut => self.store_object(request, now),
            Route::PublicGet => self.public_object(request),
            _ => {
                if let Err(reply) = self.authorize(request, now) {
                    return reply;
                }
                if route == Route::UploadToken {
                    return self.upload_token(now);
                }
                Reply::success(
                    json!({"totalBalance": round2(self.balance)}),
                    self.config.quirks,
                    "msg",
                )
            }
        }
    }
}

/// `count` letters and digits from `bytes` (last byte first, so they differ from the hex of
/// the same bytes' start).
fn alphanumeric(bytes: &[u8], count: usize) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    bytes
        .iter()
        .rev()
        .take(count)
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = |byte: &u8| {
        [
            DIGITS[usize::from(byte >> 4)],
            DIGITS[usize::from(byte & 15)],
        ]
    };
    bytes.iter().flat_map(digits).map(char::from).collect()
}

/// The request line as the journal keeps it: method, path and the query without secrets.
fn request_line(request: &Incoming<'_>) -> String {
    let mut line = String::with_capacity(request.path.len() + 32);
    line.push_str(request.method);
    line.push(' ');
    line.push_str(request.path);
    if let Some(query) = request.query {
        line.push('?');
        redact_query(query, &mut line);
    }
    line
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphanumeric_takes_one_letter_or_digit_per_byte_from_the_end() {
        assert_eq!(alphanumeric(&[0, 1, 61, 62, 255], 4), "70z1");
        assert_eq!(alphanumeric(&[9; 16], 10).len(), 10);
    }

    #[test]
    fn hex_is_two_lowercase_digits_a_byte_high_half_first() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }
}
