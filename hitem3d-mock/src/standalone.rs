//! The simulated service as a standalone server: the `hitem3d-mock` binary, and
//! `hitem3d mock` of the command-line tool.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::process::ExitCode;

use crate::types::Endpoint;
use std::time::Duration;

use crate::{
    FailingTasks, MockConfig, MockService, StandingFault, TaskFailure, TaskFailureRule, TimeMode,
    Timeline,
};

const USAGE: &str = "usage: PROGRAM [OPTIONS]

  --port N              listen on 127.0.0.1:N (default: a free port)
  --speed X             mock seconds per real second (default 60: a 7-minute task takes 7 s)
  --balance CREDITS     starting credits (default 1000)
  --task-seconds S      mock seconds from submit to the end of a task (default 420)
  --max-tasks N         unfinished tasks allowed at once (default 10)
  --seed N              replay the same task ids, tokens and link keys
  --max-connections N   connections served at once; one more is answered 503 (default 512)
  --idle-seconds S      close a connection silent this long, mid-request or between
                        requests (default 60)
  --max-bodies-mib N    request bodies held at once, over all connections; a body past
                        it is answered 503 (default 512)
  --keep-requests N     requests kept in the request log, the newest (default 10000)
  --keep-tasks N        ended tasks kept with their files; older ones are forgotten
                        (default 256)
  --keep-objects N      uploaded objects kept in the storage (default 64)
  --keep-tokens N       bearer tokens kept valid, the newest (default 10000)
  --json                print one JSON line (base_url, client_id, client_secret, upload)
                        instead of the lines for people

Failing tasks (the first rule that matches a task decides; repeatable):
  --fail-tasks all          every task fails
  --fail-tasks 0.25         this share of the tasks fails, evenly (every fourth)
  --fail-tasks name:TEXT    tasks whose picture's file name contains TEXT fail
  --fail-as state|envelope  how they fail: query answers state \"failed\" (default), or
                            the top-level 50010001 \"generate failed\" envelope

Faults on a route (repeatable): --fault ROUTE=KIND[@N] strikes every N-th call (default every)
  ROUTE: token, submit, query, balance, download
  KIND:  html:STATUS          an HTML error page with this status, as a gateway sends
         delay:MS             answer after MS real milliseconds (client timeouts)
         envelope:CODE[:MSG]  an HTTP 200 error envelope with this code
         expire-tokens        code 401 \"login expired\", and every token issued so far stops
         lost                 do the work, then answer 502 (a submit that did create a task)
         redirect             302 to the same resource elsewhere, as a CDN does
         expired-link         403 with the file host's XML error, as for an expired link

Examples:
  PROGRAM --port 8080 --fail-tasks name:broken --fault query=html:502@3
  PROGRAM --fail-tasks 0.5 --fail-as envelope --task-seconds 30 --speed 10";

struct Options {
    port: u16,
    /// One JSON line with what a client needs, in place of the lines for people.
    json: bool,
    config: MockConfig,
    fail_as: TaskFailure,
    failing: Vec<FailingTasks>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        json: false,
        config: MockConfig::default().with_time(TimeMode::Real { speed: 60.0 }),
        fail_as: TaskFailure::State,
        failing: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().cloned().ok_or(format!("{name} needs a value"));
        let config = &mut options.config;
        match flag.as_str() {
            "--port" => options.port = number(flag, &value(flag)?)?,
            "--json" => options.json = true,
            "--speed" => {
                let speed: f64 = number(flag, &value(flag)?)?;
                if !(speed.is_finite() && speed > 0.0) {
                    return Err("--speed must be above 0".to_owned());
                }
                config.time = TimeMode::Real { speed };
            }
            "--balance" => config.initial_balance = number(flag, &value(flag)?)?,
            "--task-seconds" => {
                let seconds: f64 = number(flag, &value(flag)?)?;
                let total = Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|total| !total.is_zero())
                    .ok_or("--task-seconds must be above 0")?;
                config.timeline = Timeline::lasting(total);
            }
            "--max-tasks" => config.max_unfinished_tasks = number(flag, &value(flag)?)?,
            "--seed" => config.seed = number(flag, &value(flag)?)?,
            "--max-connections" => {
                config.server.max_connections = at_least_one(flag, &value(flag)?)?;
            }
            "--max-bodies-mib" => {
                let mib = u64::try_from(at_least_one(flag, &value(flag)?)?)
                    .map_err(|_| format!("{flag} is too large"))?;
                config.server.max_bodies_in_flight = mib
                    .checked_mul(1 << 20)
                    .ok_or_else(|| format!("{flag} is too large"))?;
            }
            "--idle-seconds" => {
                let seconds: f64 = number(flag, &value(flag)?)?;
                config.server.idle_timeout = Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|idle| !idle.is_zero())
                    .ok_or("--idle-seconds must be above 0")?;
            }
            "--keep-requests" => config.retention.requests = at_least_one(flag, &value(flag)?)?,
            "--keep-tasks" => config.retention.ended_tasks = at_least_one(flag, &value(flag)?)?,
            "--keep-objects" => {
                config.retention.stored_objects = at_least_one(flag, &value(flag)?)?;
            }
            "--keep-tokens" => {
                config.retention.live_tokens = at_least_one(flag, &value(flag)?)?;
            }
            "--fail-tasks" => options.failing.push(failing_tasks(&value(flag)?)?),
            "--fail-as" => {
                options.fail_as = match value(flag)?.as_str() {
                    "state" => TaskFailure::State,
                    "envelope" => TaskFailure::Envelope,
                    other => return Err(format!("--fail-as {other:?}: use state or envelope")),
                };
            }
            "--fault" => {
                let fault: StandingFault = value(flag)?.parse().map_err(|e| format!("{e}"))?;
                config.standing_faults.push(fault);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let how = options.fail_as;
    options.config.failing_tasks = options
        .failing
        .iter()
        .map(|which| TaskFailureRule::new(which.clone(), how))
        .collect();
    Ok(options)
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|error| format!("{flag} {text:?}: {error}"))
}

/// "1st"-style: "every call" reads better than "every 1st call".
/// A count that must be 1 or more.
fn at_least_one(flag: &str, text: &str) -> Result<usize, String> {
    let count: usize = number(flag, text)?;
    if count == 0 {
        return Err(format!("{flag} must be 1 or more"));
    }
    Ok(count)
}

fn ordinal(n: u32) -> String {
    match n {
        1 => String::new(),
        n if n % 10 == 1 && n % 100 != 11 => format!("{n}st "),
        n if n % 10 == 2 && n % 100 != 12 => format!("{n}nd "),
        n if n % 10 == 3 && n % 100 != 13 => format!("{n}rd "),
        n => format!("{n}th "),
    }
}

fn failing_tasks(text: &str) -> Result<FailingTasks, String> {
    if text == "all" {
        return Ok(FailingTasks::All);
    }
    if let Some(name) = text.strip_prefix("name:") {
        if name.is_empty() {
            return Err("--fail-tasks name: needs the text to look for".to_owned());
        }
        return Ok(FailingTasks::PictureNamed(name.to_owned()));
    }
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(FailingTasks::Share(share)),
        _ => Err(format!(
            "--fail-tasks {text:?}: use all, a share from 0 to 1 (e.g. 0.25) or name:TEXT"
        )),
    }
}

/// Runs the server as `program` (the name its messages and usage give) with the command
/// line's `args` (without the program name) until Ctrl-C; `--help` prints the usage. Exits 2
/// for arguments it cannot use.
///
/// # Panics
/// If no tokio runtime can start (no threads left).
#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]
#[must_use]
pub fn run(program: &str, args: &[String]) -> ExitCode {
    let usage = USAGE.replace("PROGRAM", program);
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            say(&format!("{usage}\n"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{program}: {message}");
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "{program}: cannot listen on 127.0.0.1:{}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    let (config, json) = (options.config, options.json);
    let config_faults: Vec<String> = config
        .standing_faults
        .iter()
        .map(|fault| {
            format!(
                "{:?} on every {}call to {}",
                fault.fault,
                ordinal(fault.every),
                fault.route.as_str()
            )
        })
        .collect();
    let config_failing: Vec<String> = config
        .failing_tasks
        .iter()
        .map(|rule| format!("{:?}, as {:?}", rule.which, rule.how))
        .collect();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    runtime.block_on(async move {
        let mock = MockService::start_on(config, Some(listener)).await;
        let url = mock.base_url();
        let (id, secret) = (mock.client_id(), mock.client_secret());
        if json {
            let started = serde_json::json!({
                "event": "mock_started",
                "base_url": url,
                "client_id": id,
                "client_secret": secret,
                "upload": {
                    "endpoint": mock.upload_endpoint(),
                    "region": mock.upload_region(),
                    "bucket": mock.upload_bucket(),
                    "public_base": mock.upload_public_base(),
                },
                "faults": config_faults,
                "failing_tasks": config_failing,
            });
            say(&format!("{started}\n"));
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
        let mut banner = String::new();
        let _ = writeln!(banner, "{program} listening on {url}");
        let _ = writeln!(banner, "  HITEM3D_BASE_URL={url}");
        let _ = writeln!(banner, "  HITEM3D_CLIENT_ID={id}");
        let _ = writeln!(banner, "  HITEM3D_CLIENT_SECRET={secret}");
        let _ = writeln!(
            banner,
            "  mesh uploads (after GET /open-api/v1/upload/token): S3 endpoint {} (path style), \
             region {}, bucket {}, public at {}/<key>",
            mock.upload_endpoint(),
            mock.upload_region(),
            mock.upload_bucket(),
            mock.upload_public_base()
        );
        let _ = writeln!(banner);
        for fault in &config_faults {
            let _ = writeln!(banner, "  fault: {fault}");
        }
        for rule in &config_failing {
            let _ = writeln!(banner, "  failing tasks: {rule}");
        }
        let _ = writeln!(banner, "try:");
        let (token, submit, query) = (
            Endpoint::GetToken.path(),
            Endpoint::SubmitTask.path(),
            Endpoint::QueryTask.path(),
        );
        let _ = writeln!(banner, "  TOKEN=$(curl -s -X POST -u {id}:{secret} {url}{token} | sed 's/.*\"accessToken\":\"\\([^\"]*\\)\".*/\\1/')");
        let _ = writeln!(banner, "  curl -s -H \"Authorization: Bearer $TOKEN\" -F images=@picture.png -F model=hitem3dv1.5 -F format=2 {url}{submit}");
        let _ = writeln!(banner, "  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}{query}?task_id=<task_id>'");
        let _ = writeln!(banner, "Ctrl-C stops it.");
        say(&banner);
        let _ = tokio::signal::ctrl_c().await;
    });
    ExitCode::SUCCESS
}

/// Prints `text` on standard output, unless no one reads it any more: a mock whose starter
/// closed the pipe after reading its address goes on serving, where `println!` would panic.
fn say(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
