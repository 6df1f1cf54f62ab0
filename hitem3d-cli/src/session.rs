//! A client for the real service when credentials are set, or else for the built-in mock;
//! and the task journal it writes to.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hitem3d_async::journal::LearntDuration;
use hitem3d_async::types::{ClientId, ClientSecret};
use hitem3d_async::{BaseUrlError, ConfigError};
use hitem3d_async::{Client, ClientConfig, PollSchedule, UploadTarget, WaitPolicy};
use hitem3d_journal::SqliteJournal;
use hitem3d_mock::{MockConfig, MockService, TimeMode};
use hitem3d_postgres::DatabaseUrl;

use crate::audience::{Audience, Reader};
use crate::exit_code::Failure;
use crate::journal_access::Journal;
use crate::report::Report;

/// Environment variables naming a mesh upload target other than the vendor's (the mock's,
/// as `hitem3d mock` prints it): all four or none.
const UPLOAD_VARS: [&str; 4] = [
    "HITEM3D_UPLOAD_ENDPOINT",
    "HITEM3D_UPLOAD_REGION",
    "HITEM3D_UPLOAD_BUCKET",
    "HITEM3D_UPLOAD_PUBLIC_BASE",
];

/// What a command works with.
pub struct Session {
    /// The client.
    pub client: Client,
    /// The journal the client writes to.
    pub journal: Journal,
    /// The built-in mock, when there were no credentials; kept alive with the client.
    pub mock: Option<MockService>,
}

impl Session {
    /// Whether the service is the built-in mock.
    pub fn on_mock(&self) -> bool {
        self.mock.is_some()
    }

    /// An SDK error worded for `reader` on this session's service: on the built-in mock no
    /// hint promises a later command the task, which ends with this process.
    pub fn failure(&self, error: &hitem3d_async::Error, reader: Reader) -> Failure {
        Failure::worded(error, Audience::new(reader, self.on_mock()))
    }

    /// For a command whose result is meant for a later command (a task id, an upload's URL):
    /// on the built-in mock, says up front that `what` ends with this process and what to
    /// run instead. Whether it said so.
    pub fn say_nothing_outlives_the_mock(&self, what: &str, report: Report) -> bool {
        if self.on_mock() {
            report.note(&format!(
                "On the built-in mock {what} ends with this process: no later hitem3d command \
                 finds it. For step-by-step use, start `hitem3d mock` in another terminal and \
                 set the HITEM3D_BASE_URL, HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET it prints."
            ));
        }
        self.on_mock()
    }
}

/// How to connect: the global options.
#[derive(Debug, Clone)]
pub struct Connect {
    /// `--journal`, or `HITEM3D_JOURNAL` (unused on the built-in mock, whose tasks end with
    /// the process).
    pub journal: Option<PathBuf>,
    /// `--queue`, or `HITEM3D_QUEUE`: the fleet's database, which then holds the journal.
    pub queue: Option<DatabaseUrl>,
    /// `--mock-speed`.
    pub mock_speed: f64,
    /// Task slots, for `batch --slots`.
    pub slots: Option<usize>,
    /// Whether downloads may replace existing files (`--force`).
    pub overwrite: bool,
    /// `--poll-every`.
    pub poll_every: Option<f64>,
    /// Whether the command runs a queue's inputs (`worker`): then the processes sharing a
    /// journal file keep the account's limit on unfinished tasks together, in the file.
    pub works_queue: bool,
}

/// Whether [`connect`] will choose the built-in mock with its journal in memory: no
/// credentials set, and no fleet's queue given (`queue_given`) to keep the journal.
pub fn builtin_mock_in_memory(queue_given: bool) -> bool {
    !queue_given
        && matches!(
            ClientConfig::from_lookup(|name| std::env::var(name).ok()),
            Err(ConfigError::MissingCredentials)
        )
}

/// For a command about a task made by an earlier command (`wait`, `status`, `download`): on
/// the built-in mock there is none, since its tasks end with the process that made them, so
/// the command is refused before it starts one, saying what to run instead.
///
/// # Errors
/// Exit code 2 on the built-in mock.
pub fn refuse_earlier_task_on_builtin_mock(how: &Connect, command: &str) -> Result<(), Failure> {
    if builtin_mock_in_memory(how.queue.is_some()) {
        return Err(Failure::invalid(format!(
            "`hitem3d {command}` is about a task an earlier command made, but no credentials \
             are set, so this would run on the built-in mock, whose tasks end with the process \
             that made them. For step-by-step use, start `hitem3d mock` in another terminal and \
             set the HITEM3D_BASE_URL, HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET it prints \
             (nothing was sent or paid)"
        )));
    }
    Ok(())
}

/// The real service when `HITEM3D_CLIENT_ID` and `HITEM3D_CLIENT_SECRET` are set; otherwise
/// the built-in mock, said in one line on stderr.
pub async fn connect(how: &Connect, report: Report) -> Result<Session, Failure> {
    let lookup = |name: &str| std::env::var(name).ok();
    match ClientConfig::from_lookup(lookup) {
        Ok(config) => {
            let journal = open_journal(how).await?;
            let config = journal.configure(with_upload_target(config)?);
            let config = with_journal_retry(config)?;
            let config = config.with_learnt_durations(learnt_durations(&journal, report).await);
            let client = Client::new(with_slots(config, how)?)?;
            Ok(Session {
                client,
                journal,
                mock: None,
            })
        }
        Err(ConfigError::MissingCredentials) => on_mock(how, report).await,
        Err(ConfigError::BaseUrl { value, source }) => {
            // The SDK's advice names a Rust function; here only the variable can change.
            let reason = match source {
                BaseUrlError::InsecureHttp { .. } => {
                    "plain http is allowed only to this machine (127.0.0.1, localhost); use https"
                        .to_owned()
                }
                other => other.to_string(),
            };
            Err(Failure::invalid(format!(
                "HITEM3D_BASE_URL={value:?}: {reason}"
            )))
        }
        Err(error) => Err(Failure::invalid(error.to_string())),
    }
}

async fn on_mock(how: &Connect, report: Report) -> Result<Session, Failure> {
    let speed = how.mock_speed;
    if !(speed.is_finite() && speed > 0.0) {
        return Err(Failure::invalid("--mock-speed must be above 0"));
    }
    let mock =
        MockService::start_with(MockConfig::default().with_time(TimeMode::Real { speed })).await;
    // The mock's tasks end with the process: they never go into a journal file, where
    // `resume` would look for them at the real service. A fleet's database is used as asked.
    let journal = match &how.queue {
        Some(url) => Journal::shared(url).await?,
        None => Journal::Local(Arc::new(SqliteJournal::in_memory()?)),
    };
    let target = UploadTarget::new(
        &mock.upload_endpoint(),
        mock.upload_region(),
        mock.upload_bucket(),
        &mock.upload_public_base(),
    )
    .map_err(|error| Failure::other(error.to_string()))?;
    let config = ClientConfig::new(
        ClientId::new(mock.client_id()),
        ClientSecret::new(mock.client_secret()),
    )
    .with_base_url(&mock.base_url())
    .map_err(|error| Failure::other(error.to_string()))?
    .with_upload_target(target);
    let config = journal
        .configure(config)
        // The service is polled every few seconds; the faster mock, more often.
        .with_wait(WaitPolicy::default().with_schedule(PollSchedule::fixed(
            Duration::from_secs_f64((10.0 / speed).clamp(0.02, 5.0)),
        )));
    let client = Client::new(with_slots(config, how)?)?;
    report.note(&format!(
        "No HITEM3D_CLIENT_ID/HITEM3D_CLIENT_SECRET set: using the built-in mock service \
         ({speed}× speed, simulated, no credits spent)."
    ));
    Ok(Session {
        client,
        journal,
        mock: Some(mock),
    })
}

/// The command's slots, polls and overwrite choice on top of `config`.
fn with_slots(config: ClientConfig, how: &Connect) -> Result<ClientConfig, Failure> {
    let download = config.download.with_overwrite(how.overwrite);
    let mut config = config.with_download(download);
    if let Some(seconds) = how.poll_every {
        let every = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|every| !every.is_zero())
            .ok_or_else(|| Failure::invalid("--poll-every must be above 0 seconds"))?;
        let wait = config.wait.with_schedule(PollSchedule::fixed(every));
        config = config.with_wait(wait);
    }
    match how.slots {
        None => Ok(config),
        Some(0) => Err(Failure::invalid("--slots must be at least 1")),
        Some(slots) => config
            .with_task_slots(slots)
            .map_err(|error| Failure::invalid(error.to_string())),
    }
}

/// How long earlier runs saw tasks take, for this run's waits to start from; none when the
/// journal cannot be read (its writes would then fail loudly later, where it matters).
async fn learnt_durations(journal: &Journal, report: Report) -> Vec<LearntDuration> {
    match journal.learnt_durations().await {
        Ok(learnt) => learnt,
        Err(error) => {
            report.note(&format!(
                "The task journal's durations could not be read ({error}): waits start from \
                 the published figures."
            ));
            Vec::new()
        }
    }
}

/// For a command that only reads: the journal as [`open_journal`] finds it, but a file that
/// does not exist yet is not created (an empty journal in memory stands for it).
pub async fn open_journal_to_read(how: &Connect) -> Result<Journal, Failure> {
    if how.queue.is_some() {
        return open_journal(how).await;
    }
    match SqliteJournal::open_existing(journal_path(how)?)? {
        Some(journal) => Ok(Journal::Local(Arc::new(journal))),
        None => Ok(Journal::Local(Arc::new(SqliteJournal::in_memory()?))),
    }
}

/// The fleet's journal with `--queue`; else the file `--journal` names, or the one in the
/// platform's data directory.
pub async fn open_journal(how: &Connect) -> Result<Journal, Failure> {
    if let Some(url) = &how.queue {
        return Journal::shared(url).await;
    }
    let journal = SqliteJournal::open(journal_path(how)?)?;
    if how.works_queue {
        journal.share_task_limit();
    }
    Ok(Journal::Local(Arc::new(journal)))
}

/// The journal file `--journal` names, or the one in the platform's data directory.
fn journal_path(how: &Connect) -> Result<PathBuf, Failure> {
    how.journal
        .clone()
        .or_else(hitem3d_journal::default_location)
        .ok_or_else(|| {
            Failure::invalid(
                "this system names no data directory for the task journal: give one with \
             --journal FILE (or HITEM3D_JOURNAL)",
            )
        })
}

/// How long a journal write after a submit is retried: `HITEM3D_JOURNAL_RETRY` seconds, when
/// set.
const JOURNAL_RETRY_VAR: &str = "HITEM3D_JOURNAL_RETRY";

fn with_journal_retry(config: ClientConfig) -> Result<ClientConfig, Failure> {
    let Some(value) = std::env::var(JOURNAL_RETRY_VAR)
        .ok()
        .filter(|value| !value.trim().is_empty())
    else {
        return Ok(config);
    };
    let retry = value
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            Failure::invalid(format!(
                "{JOURNAL_RETRY_VAR}={value:?}: give the seconds to keep retrying a journal \
         write, such as 60"
            ))
        })?;
    Ok(config.with_journal_retry(retry))
}

/// The upload target from [`UPLOAD_VARS`], when they are set.
fn with_upload_target(config: ClientConfig) -> Result<ClientConfig, Failure> {
    let values: Vec<Option<String>> = UPLOAD_VARS
        .iter()
        .map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .collect();
    match values.as_slice() {
        [Some(endpoint), Some(region), Some(bucket), Some(public)] => {
            let target = UploadTarget::new(endpoint, region.clone(), bucket.clone(), public)
                .map_err(|error| Failure::invalid(format!("{}: {error}", UPLOAD_VARS[0])))?;
            Ok(config.with_upload_target(target))
        }
        values if values.iter().all(Option::is_none) => Ok(config),
        _ => Err(Failure::invalid(format!(
            "set all of {} or none of them",
            UPLOAD_VARS.join(", ")
        ))),
    }
}
