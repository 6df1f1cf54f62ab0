//! What the examples share: a client for the real service when credentials are set, or else
//! the built-in mock; the sample pictures; and a readable end for errors.

#![allow(
    dead_code,
    reason = "each example uses the part of this module it needs"
)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use hitem3d_async::types::View;
use hitem3d_async::{Client, ClientConfig, Error, PollSchedule, WaitPolicy};
use hitem3d_async::{ConfigError, DEFAULT_TASK_SLOTS};
use hitem3d_mock::{MockConfig, MockService, TimeMode};

/// A client, and the mock it talks to when there were no credentials.
pub struct Session {
    pub client: Client,
    /// Kept alive for as long as the client needs it.
    pub mock: Option<MockService>,
}

impl Session {
    pub fn on_mock(&self) -> bool {
        self.mock.is_some()
    }
}

/// The real service when `HITEM3D_CLIENT_ID` and `HITEM3D_CLIENT_SECRET` are set; otherwise
/// the built-in mock, running `mock_speed` times faster than the service, said in one line.
pub async fn connect(mock_speed: f64) -> Result<Session, String> {
    connect_with_slots(mock_speed, DEFAULT_TASK_SLOTS).await
}

/// [`connect`], with at most `slots` tasks unfinished at once.
pub async fn connect_with_slots(mock_speed: f64, slots: usize) -> Result<Session, String> {
    let lookup = |name: &str| std::env::var(name).ok();
    match ClientConfig::from_lookup(lookup) {
        Ok(config) => {
            let config = config
                .with_task_slots(slots)
                .map_err(|error| error.to_string())?;
            let client = Client::new(config).map_err(|error| error.to_string())?;
            Ok(Session { client, mock: None })
        }
        Err(ConfigError::MissingCredentials) => {
            let mock = MockService::start_with(
                MockConfig::default().with_time(TimeMode::Real { speed: mock_speed }),
            )
            .await;
            let config = ClientConfig::new(
                hitem3d_async::types::ClientId::new(mock.client_id()),
                hitem3d_async::types::ClientSecret::new(mock.client_secret()),
            )
            .with_base_url(&mock.base_url())
            .map_err(|error| error.to_string())?
            // The service is polled every few seconds; the faster mock, more often.
            .with_wait(WaitPolicy::default().with_schedule(PollSchedule::fixed(
                Duration::from_secs_f64((10.0 / mock_speed).clamp(0.05, 5.0)),
            )))
            .with_task_slots(slots)
            .map_err(|error| error.to_string())?;
            let client = Client::new(config).map_err(|error| error.to_string())?;
            eprintln!(
                "No HITEM3D_CLIENT_ID/HITEM3D_CLIENT_SECRET set: using the built-in mock service at \
                 {} (simulated, {mock_speed}× speed, no credits spent).",
                mock.base_url()
            );
            Ok(Session {
                client,
                mock: Some(mock),
            })
        }
        Err(error) => Err(error.to_string()),
    }
}

/// The sample picture of `view`: a small house drawn by `cargo xtask sample-images`.
pub fn sample_picture(view: &View) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("hitem3d-cli")
        .join("images")
        .join(format!("{view}.png"))
}

/// Reads a picture, saying which file could not be read.
pub fn read_picture(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

/// Prints an SDK error with what to do about it, and picks the exit status: 2 for input the
/// user must change, 1 for everything else.
pub fn fail(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    // Only a task that did not fail may still finish (a wait that ran out, a broken download).
    if let Some(task_id) = error.task_id().filter(|_| error.is_retryable()) {
        eprintln!("task id: {task_id} (it may still finish; wait for it by id)");
    }
    if error.is_invalid_input() {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

/// The command line's arguments, after `--help` (which prints `usage`) and unknown options
/// (refused with `usage`) are dealt with: `Err` holds the exit status to end with.
pub fn plain_arguments(usage: &str) -> Result<Vec<String>, ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{usage}");
        return Err(ExitCode::SUCCESS);
    }
    if let Some(option) = args.iter().find(|arg| arg.starts_with('-')) {
        eprintln!("error: unknown option {option}\n\n{usage}");
        return Err(ExitCode::from(2));
    }
    Ok(args)
}
