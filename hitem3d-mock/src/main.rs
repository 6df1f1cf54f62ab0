//! `hitem3d-mock`: the simulated service as a standalone server.

use std::net::TcpListener;
use std::process::ExitCode;

use hitem3d_mock::types::Endpoint;
use hitem3d_mock::{MockConfig, MockService, TimeMode};

const USAGE: &str = "usage: hitem3d-mock [--port N] [--speed X] [--balance CREDITS]

  --port N           listen on 127.0.0.1:N (default: a free port)
  --speed X          mock seconds per real second (default 60: a 7-minute task takes 7 s)
  --balance CREDITS  starting credits (default 1000)";

struct Options {
    port: u16,
    speed: f64,
    balance: f64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        speed: 60.0,
        balance: 1000.0,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| args.next().cloned().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?;
            }
            "--speed" => {
                options.speed = value("--speed")?
                    .parse()
                    .map_err(|e| format!("--speed: {e}"))?;
            }
            "--balance" => {
                options.balance = value("--balance")?
                    .parse()
                    .map_err(|e| format!("--balance: {e}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("hitem3d-mock: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "hitem3d-mock: cannot listen on 127.0.0.1:{}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    let config = MockConfig::default()
        .with_time(TimeMode::Real {
            speed: options.speed,
        })
        .with_balance(options.balance);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    runtime.block_on(async move {
        let mock = MockService::start_on(config, Some(listener)).await;
        let url = mock.base_url();
        let (id, secret) = (mock.client_id(), mock.client_secret());
        println!("hitem3d-mock listening on {url}");
        println!("  HITEM3D_BASE_URL={url}");
        println!("  HITEM3D_CLIENT_ID={id}");
        println!("  HITEM3D_CLIENT_SECRET={secret}");
        println!();
        println!("try:");
        let (token, submit, query) = (
            Endpoint::GetToken.path(),
            Endpoint::SubmitTask.path(),
            Endpoint::QueryTask.path(),
        );
        println!("  TOKEN=$(curl -s -X POST -u {id}:{secret} {url}{token} | sed 's/.*\"accessToken\":\"\\([^\"]*\\)\".*/\\1/')");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" -F images=@picture.png -F format=2 {url}{submit}");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}{query}?task_id=<task_id>'");
        println!("Ctrl-C stops it.");
        let _ = tokio::signal::ctrl_c().await;
    });
    ExitCode::SUCCESS
}
