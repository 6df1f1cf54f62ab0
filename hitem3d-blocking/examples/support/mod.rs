//! What the blocking examples share: a client for the real service when credentials are set,
//! or else the built-in mock, its object storage included.

use std::time::Duration;

use hitem3d_blocking::ConfigError;
use hitem3d_blocking::types::{ClientId, ClientSecret};
use hitem3d_blocking::{Client, ClientConfig, Error, PollSchedule, UploadTarget, WaitPolicy};
use hitem3d_mock::{BlockingMock, MockConfig, TimeMode};

/// The real service with credentials; otherwise the mock at `speed` mock seconds per real
/// second, kept alive as long as the second half of the pair.
pub fn client_or_mock(speed: f64) -> Result<(Client, Option<BlockingMock>), Error> {
    match ClientConfig::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => Ok((Client::new(config)?, None)),
        Err(ConfigError::MissingCredentials) => {
            let mock =
                BlockingMock::start_with(MockConfig::default().with_time(TimeMode::Real { speed }));
            eprintln!(
                "No HITEM3D_CLIENT_ID/HITEM3D_CLIENT_SECRET set: using the built-in mock service at \
                 {} (simulated, no credits spent).",
                mock.base_url()
            );
            let storage = UploadTarget::new(
                &mock.upload_endpoint(),
                mock.upload_region(),
                mock.upload_bucket(),
                &mock.upload_public_base(),
            )
            .map_err(|source| ConfigError::BaseUrl {
                value: mock.upload_endpoint(),
                source,
            })?;
            let config = ClientConfig::new(
                ClientId::new(mock.client_id()),
                ClientSecret::new(mock.client_secret()),
            )
            .with_base_url(&mock.base_url())?
            .with_upload_target(storage)
            // The default schedule polls where real tasks finish, minutes in.
            .with_wait(
                WaitPolicy::default()
                    .with_schedule(PollSchedule::fixed(Duration::from_millis(100))),
            );
            Ok((Client::new(config)?, Some(mock)))
        }
        Err(error) => Err(error.into()),
    }
}

/// The command line's arguments, after `--help` (which prints `usage`) and unknown options
/// (refused with `usage`) are dealt with: `Err` holds the exit status to end with.
#[allow(
    dead_code,
    reason = "each example uses the part of this module it needs"
)]
pub fn plain_arguments(usage: &str) -> Result<Vec<String>, std::process::ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "-h" || arg == "--help") {
        println!("{usage}");
        return Err(std::process::ExitCode::SUCCESS);
    }
    if let Some(option) = args.iter().find(|arg| arg.starts_with('-')) {
        eprintln!("error: unknown option {option}\n\n{usage}");
        return Err(std::process::ExitCode::from(2));
    }
    Ok(args)
}
