//! Accepting connections within the server's limits: a cap on connections served at once (one
//! more gets a 503 saying so), a timeout on idle and slow ones, and a pause when accepting
//! fails. At the process's file limit `accept` fails at once, again and again: without the
//! pause the server spun at 91 % CPU and answered nobody until clients closed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};

use crate::ServerLimits;
use crate::body_budget::BodyBudget;
use crate::http_service::{answer, envelope};
use crate::world::{self, World};

/// How long the server waits after `accept` failed before it tries again.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// The longest a refused connection is kept to read its request before the 503 goes out.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// Accepts and serves connections until `stopped`.
pub(crate) async fn accept(
    listener: TcpListener,
    world: Arc<Mutex<World>>,
    limits: ServerLimits,
    mut stopped: oneshot::Receiver<()>,
) {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let budget = Arc::clone(&world::lock(&world).bodies);
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            world::lock(&world).journal.counters_mut().accept_failures += 1;
            tokio::time::sleep(ACCEPT_PAUSE).await;
            continue;
        };
        let world = Arc::clone(&world);
        match Arc::clone(&open).try_acquire_owned() {
            Ok(permit) => {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move {
                    serve(stream, world, budget, limits).await;
                    drop(permit);
                });
            }
            Err(_) => {
                world::lock(&world)
                    .journal
                    .counters_mut()
                    .connections_refused += 1;
                tokio::spawn(refuse(stream, limits));
            }
        }
    }
}

/// One connection's requests, answered by the world.
async fn serve(
    stream: TcpStream,
    world: Arc<Mutex<World>>,
    budget: Arc<BodyBudget>,
    limits: ServerLimits,
) {
    let idle = limits.idle_timeout;
    let service =
        service_fn(move |request| answer(Arc::clone(&world), Arc::clone(&budget), idle, request));
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        // Also the idle time between requests: hyper starts it when it waits for a head.
        .header_read_timeout(idle)
        .max_buf_size(limits.head_buffer())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A connection past the cap: its request read, answered 503 with why, and closed.
async fn refuse(stream: TcpStream, limits: ServerLimits) {
    let msg = format!(
        "the mock serves at most {} connections at once and has that many open: close idle \
         ones, or start it with a higher --max-connections",
        limits.max_connections
    );
    let service = service_fn(move |_| {
        let refusal = envelope(StatusCode::SERVICE_UNAVAILABLE, 503, &msg);
        async move { Ok::<_, std::convert::Infallible>(refusal) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(REFUSAL_TIMEOUT.min(limits.idle_timeout))
        .max_buf_size(limits.head_buffer())
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
