//! A webhook receiver: the service POSTs a task's final state to the task's `callback_url`.
//! Callbacks carry no signature, so this receiver (1) drops requests without the secret it
//! put in its own URL, and (2) believes nothing the body says until a query confirms it
//! (`Client::verify_callback`). Then it downloads the model.
//!
//! ```sh
//! cargo run --example webhook_receiver                 # on the built-in mock, which calls back
//! cargo run --example webhook_receiver -- --public-url https://hooks.example.com --listen 0.0.0.0:8080
//! ```
//!
//! With real credentials the service must be able to reach this receiver: pass the public
//! address that forwards to `--listen` (a reverse proxy or a tunnel).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line program"
)]

mod support;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::post;
use clap::Parser;
use hitem3d_async::types::{Model, TaskState, View};
use hitem3d_async::{
    CallbackSecret, Client, ConfirmedCallback, GenerateOptions, Image, SubmitTask,
};
use tokio::sync::mpsc;

const ROUTE: &str = "/hitem3d/callback";

/// Receive Hitem3D task callbacks, verified by re-query.
#[derive(Debug, Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// The address the service reaches this receiver at (default: the listening address,
    /// which only the built-in mock can reach).
    #[arg(long)]
    public_url: Option<String>,
}

/// What the handler needs.
struct Receiver {
    client: Client,
    secret: CallbackSecret,
    confirmed: mpsc::UnboundedSender<ConfirmedCallback>,
}

async fn on_callback(State(receiver): State<Arc<Receiver>>, uri: Uri, body: Bytes) -> StatusCode {
    if receiver.secret.verify(&uri).is_err() {
        eprintln!("dropped a callback without our secret");
        return StatusCode::FORBIDDEN;
    }
    match receiver.client.verify_callback(&body).await {
        Ok(confirmed) => {
            println!(
                "callback for {}: claimed {}, queried {} ({})",
                confirmed.task.task_id,
                confirmed.claimed,
                confirmed.task.state,
                if confirmed.agrees {
                    "agrees"
                } else {
                    "DISAGREES: acting on the query"
                }
            );
            let _ = receiver.confirmed.send(confirmed);
            StatusCode::OK
        }
        Err(error) if error.is_retryable() => {
            // A 5xx makes the service call back again later.
            eprintln!("could not confirm the callback yet: {error}");
            StatusCode::SERVICE_UNAVAILABLE
        }
        Err(error) => {
            eprintln!("rejected a callback: {error}");
            StatusCode::BAD_REQUEST
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let session = match support::connect(120.0).await {
        Ok(session) => session,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if !session.on_mock() && args.public_url.is_none() {
        eprintln!(
            "error: the real service cannot reach {}: pass --public-url with the address that \
             forwards to it",
            args.listen
        );
        return ExitCode::from(2);
    }
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.listen);
            return ExitCode::from(2);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound socket has an address");
    let base = args.public_url.unwrap_or_else(|| format!("http://{local}"));

    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    let secret = CallbackSecret::from_random_bytes(&bytes);
    let callback_url = match secret.callback_url(&format!("{}{ROUTE}", base.trim_end_matches('/')))
    {
        Ok(url) => url,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let (confirmed_tx, mut confirmed_rx) = mpsc::unbounded_channel();
    let receiver = Arc::new(Receiver {
        client: session.client.clone(),
        secret,
        confirmed: confirmed_tx,
    });
    let app = Router::new()
        .route(ROUTE, post(on_callback))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("listening on {local}{ROUTE}");

    let picture = match support::read_picture(&support::sample_picture(&View::Front)) {
        Ok(picture) => picture,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(picture))
        .callback_url(callback_url)
        .build();
    let task = match task {
        Ok(task) => task,
        Err(error) => return support::fail(&error.into()),
    };
    let task_id = match session.client.submit(task).await {
        Ok(task_id) => task_id,
        Err(error) => return support::fail(&error),
    };
    println!("submitted {task_id}; waiting for its callback");

    // The service calls back once the task is final; give up after its own 60-minute limit.
    let confirmed = loop {
        match tokio::time::timeout(Duration::from_secs(3900), confirmed_rx.recv()).await {
            Ok(Some(confirmed)) if confirmed.task.task_id == task_id => {
                if confirmed.task.state.is_terminal() {
                    break confirmed;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => {
                eprintln!("error: no callback came; the task can still be queried by id");
                return ExitCode::FAILURE;
            }
        }
    };
    if confirmed.task.state != TaskState::Success {
        eprintln!("the task ended {}", confirmed.task.state);
        return ExitCode::FAILURE;
    }
    // Fetching the result goes through `generate`'s own steps: one query, then the download.
    let outcome = match session.client.wait(&task_id).await {
        Ok(outcome) => outcome,
        Err(error) => return support::fail(&error),
    };
    let path = GenerateOptions::new("out").path_for(
        &outcome.result,
        hitem3d_async::ResultKind::Model,
        Some(&hitem3d_async::types::OutputFormat::Glb),
    );
    match session
        .client
        .download(&outcome.result, hitem3d_async::ResultKind::Model, &path)
        .await
    {
        Ok(saved) => {
            println!("model: {} ({} bytes)", saved.path.display(), saved.bytes());
            ExitCode::SUCCESS
        }
        Err(error) => support::fail(&error),
    }
}
