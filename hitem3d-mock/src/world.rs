//! The simulated service's state and its answers, independent of any HTTP server.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use base64::Engine as _;
use hitem3d_core::types::TaskState;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::assets;
use crate::clock::MockClock;
use crate::journal::{Journal, JournalEntry};
use crate::reply::Reply;
use crate::submit_form::{self, Refusal};
use crate::task::MockTask;
use crate::{Fault, MockConfig, Route, TaskFailure};

/// The mock's own code for "too many unfinished tasks": the service's is not documented.
pub(crate) const TOO_MANY_TASKS: i64 = 40_029_000;

/// The mock's own code for an unknown task id (as hi3d-cli's mock uses).
pub(crate) const TASK_NOT_FOUND: i64 = 40_040_000;

/// An incoming request, as the server hands it over.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: &'a [u8],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.unwrap_or("").as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

#[derive(Debug, Clone)]
struct Link {
    task_id: String,
    cover: bool,
    expires_at: Duration,
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
    tokens: HashMap<String, Duration>,
    pub(crate) tasks: BTreeMap<String, MockTask>,
    links: HashMap<String, Link>,
    faults: HashMap<Route, VecDeque<Fault>>,
    fail_next: VecDeque<TaskFailure>,
    pub(crate) journal: Journal,
    pub(crate) pending_callbacks: Vec<PendingCallback>,
    pub(crate) peak_unfinished: usize,
    counter: u64,
}

impl World {
    pub(crate) fn new(config: MockConfig, base_url: String) -> Self {
        Self {
            clock: MockClock::new(config.time),
            balance: config.initial_balance,
            config,
            base_url,
            tokens: HashMap::new(),
            tasks: BTreeMap::new(),
            links: HashMap::new(),
            faults: HashMap::new(),
            fail_next: VecDeque::new(),
            journal: Journal::default(),
            pending_callbacks: Vec::new(),
            peak_unfinished: 0,
            counter: 0,
        }
    }

    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    // ---- scripting ----

    pub(crate) fn inject(&mut self, route: Route, fault: Fault, times: usize) {
        let queue = self.faults.entry(route).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    pub(crate) fn fail_next_tasks(&mut self, how: TaskFailure, count: usize) {
        self.fail_next.extend(std::iter::repeat_n(how, count));
    }

    pub(crate) fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Ends a task now, successfully or not. Returns whether the task exists.
    pub(crate) fn finish_task(&mut self, task_id: &str, failure: Option<TaskFailure>) -> bool {
        let now = self.now();
        let Some(task) = self.tasks.get_mut(task_id) else {
            return false;
        };
        if task.state_at(now).is_terminal() {
            return true;
        }
        task.finish_at = Some(now);
        task.failure = failure;
        true
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

    /// Refunds failed tasks and queues the callbacks now due.
    pub(crate) fn settle(&mut self) {
        let now = self.now();
        let quirks = self.config.quirks;
        let mut due = Vec::new();
        let mut refund = 0.0;
        for task in self.tasks.values_mut() {
            let state = task.state_at(now);
            if task.settled || !state.is_terminal() {
                continue;
            }
            task.settled = true;
            if state == TaskState::Failed {
                // Failed generations are refunded, as the FAQ says.
                refund += task.credits;
            }
            if let Some(url) = task.record.callback_url.clone() {
                let body =
                    if state == TaskState::Failed && task.failure == Some(TaskFailure::Envelope) {
                        Reply::error(50_010_001, "generate failed", quirks).body
                    } else {
                        let data = json!({"task_id": task.id, "state": state.as_str()});
                        Reply::success(data, quirks, "msg").body
                    };
                due.push(PendingCallback {
                    task_id: task.id.clone(),
                    url,
                    body,
                });
            }
        }
        self.balance += refund;
        self.pending_callbacks.extend(due);
    }

    // ---- the routes ----

    pub(crate) fn handle(&mut self, route: Route, request: &Incoming<'_>) -> Reply {
        self.settle();
        let now = self.now();
        let fault = self.faults.get_mut(&route).and_then(VecDeque::pop_front);
        let mut entry = JournalEntry {
            at: now,
            route,
            request_line: format!(
                "{} {}{}",
                request.method,
                request.path,
                request
                    .query
                    .map(|q| format!("?{}", redact_query(q)))
                    .unwrap_or_default()
            ),
            headers: request
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), redact_header(k, v)))
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
                Reply::error(401, "login expired", self.config.quirks)
            }
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
        self.journal.entries.push(entry);
        reply
    }

    fn route(
        &mut self,
        route: Route,
        request: &Incoming<'_>,
        entry: &mut JournalEntry,
        now: Duration,
    ) -> Reply {
        match route {
            Route::Token => self.token(request),
            Route::Download => self.download(request, now),
            Route::Submit | Route::Query | Route::Balance => {
                if let Err(reply) = self.authorize(request, now) {
                    return reply;
                }
                match route {
                    Route::Submit => self.submit(request, entry, now),
                    Route::Query => self.query(request, entry, now),
                    _ => Reply::success(
                        json!({"totalBalance": round2(self.balance)}),
                        self.config.quirks,
                        "msg",
                    ),
                }
            }
        }
    }

    fn token(&mut self, request: &Incoming<'_>) -> Reply {
        let credentials = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok());
        let expected = format!("{}:{}", self.config.client_id, self.config.client_secret);
        if credentials.as_deref() != Some(expected.as_str()) {
            return Reply::error_with_key(
                40_010_000,
                "client credentials are invalid",
                self.config.quirks,
                "message",
            );
        }
        let random = hex(&self.random_bytes("token"));
        let token = format!("mock*{}*{random}", self.counter);
        self.tokens.insert(token.clone(), self.now());
        let data = json!({"accessToken": token, "tokenType": "Bearer", "nonce": format!("{}hitem3d", self.counter)});
        Reply::success(data, self.config.quirks, "message")
    }

    fn authorize(&mut self, request: &Incoming<'_>, now: Duration) -> Result<(), Reply> {
        let token = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        let lifetime = self.config.token_lifetime;
        let valid = token
            .and_then(|token| self.tokens.get(token))
            .is_some_and(|issued| now.saturating_sub(*issued) < lifetime);
        if valid {
            Ok(())
        } else {
            Err(Reply::error(401, "login expired", self.config.quirks))
        }
    }

    fn submit(&mut self, request: &Incoming<'_>, entry: &mut JournalEntry, now: Duration) -> Reply {
        let quirks = self.config.quirks;
        let Some(form) = submit_form::parse(request.header("content-type"), request.body) else {
            return Reply::error(10_031_008, "images or multi images required", quirks);
        };
        entry.fields = form.fields.clone();
        entry.files = form.summaries();
        let record = match submit_form::check(&form) {
            Ok(record) => record,
            Err(Refusal { code, msg }) => return Reply::error(code, msg, quirks),
        };
        let price = record
            .resolution
            .as_ref()
            .and_then(|resolution| {
                record
                    .model
                    .estimated_credits(resolution, &record.request_type)
            })
            .map_or(20.0, f64::from);
        if self.balance < price {
            return Reply::error(30_010_000, "balance is not enough", quirks);
        }
        if self.unfinished_tasks(now) >= self.config.max_unfinished_tasks {
            return Reply::error(TOO_MANY_TASKS, "too many unfinished tasks", quirks);
        }
        self.balance -= price;
        self.counter += 1;
        let id = format!(
            "{}.hitem3d-mock.{}",
            hex(&self.random_bytes("task"))[..32].to_owned(),
            self.counter
        );
        let failure = self.fail_next.pop_front();
        self.tasks.insert(
            id.clone(),
            MockTask {
                id: id.clone(),
                record,
                submitted_at: now,
                timeline: self.config.timeline,
                finish_at: None,
                failure,
                credits: price,
                settled: false,
                files: None,
            },
        );
        self.peak_unfinished = self.peak_unfinished.max(self.unfinished_tasks(now));
        entry.task_id = Some(id.clone());
        Reply::success(json!({"task_id": id}), quirks, "msg")
    }

    fn query(&mut self, request: &Incoming<'_>, entry: &mut JournalEntry, now: Duration) -> Reply {
        let quirks = self.config.quirks;
        let task_id = request.query_param("task_id").unwrap_or_default();
        entry.task_id = Some(task_id.clone());
        let Some(task) = self.tasks.get_mut(&task_id) else {
            return Reply::error(TASK_NOT_FOUND, "task not found", quirks);
        };
        let state = task.state_at(now);
        if state == TaskState::Failed && task.failure == Some(TaskFailure::Envelope) {
            return Reply::error(50_010_001, "generate failed", quirks);
        }
        let mut data = json!({"task_id": task.id, "state": state.as_str()});
        if quirks.progress
            && let Some(progress) = task.progress_at(now)
        {
            data["progress"] = json!(progress);
        }
        if state == TaskState::Success {
            let (model, cover) = task.files.get_or_insert_with(|| {
                assets::generate(
                    &task.record.picture,
                    task.record.resolution.as_ref(),
                    &task.record.format,
                )
            });
            let (model_ext, cover_ext) = (model.extension, cover.extension);
            let id = task.id.clone();
            data["id"] = json!(format!("{id}_0"));
            data["url"] = json!(self.link(&id, false, model_ext, now));
            data["cover_url"] = json!(self.link(&id, true, cover_ext, now));
        }
        Reply::success(data, quirks, "msg")
    }

    /// A fresh signed link, valid for the configured lifetime.
    fn link(&mut self, task_id: &str, cover: bool, extension: &str, now: Duration) -> String {
        let expires_at = now + self.config.url_lifetime;
        let key = hex(&self.random_bytes(task_id));
        self.links.insert(
            key.clone(),
            Link {
                task_id: task_id.to_owned(),
                cover,
                expires_at,
            },
        );
        let file = if cover { "cover" } else { "model" };
        format!(
            "{}/files/{}/{file}.{extension}?auth_key={}-{key}",
            self.base_url,
            url::form_urlencoded::byte_serialize(task_id.as_bytes()).collect::<String>(),
            expires_at.as_secs()
        )
    }

    fn download(&mut self, request: &Incoming<'_>, now: Duration) -> Reply {
        let denied = || {
            Reply::bytes(
                403,
                "application/xml",
                b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".to_vec(),
            )
        };
        let Some(auth_key) = request.query_param("auth_key") else {
            return denied();
        };
        let key = auth_key.rsplit('-').next().unwrap_or_default();
        let Some(link) = self.links.get(key).cloned() else {
            return denied();
        };
        if now >= link.expires_at {
            return denied();
        }
        let Some((model, cover)) = self
            .tasks
            .get(&link.task_id)
            .and_then(|task| task.files.as_ref())
        else {
            return denied();
        };
        let file = if link.cover { cover } else { model };
        let file_name = if link.cover { "cover" } else { "model" };
        if !request
            .path
            .ends_with(&format!("/{file_name}.{}", file.extension))
        {
            return denied();
        }
        Reply::bytes(200, file.content_type, file.bytes.clone())
    }

    /// Fresh pseudo-random bytes; the mock needs unpredictable-looking ids, not secrecy.
    fn random_bytes(&mut self, salt: &str) -> [u8; 16] {
        self.counter += 1;
        let digest = Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update(self.counter.to_le_bytes())
            .chain_update(format!("{:?}", std::time::SystemTime::now()).as_bytes())
            .finalize();
        let mut out = [0_u8; 16];
        out.copy_from_slice(&digest[..16]);
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn redact_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        let scheme = value.split_whitespace().next().unwrap_or("");
        format!("{scheme} [redacted]")
    } else {
        value.to_owned()
    }
}

fn redact_query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if k == "auth_key" {
                format!("{k}=[redacted]")
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}
