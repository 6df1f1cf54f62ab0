//! The blocking client of the Hitem3D (Hi3D) image-to-3D API, on ureq: no async runtime
//! anywhere, so it is safe to call from any thread, including inside an async program's
//! `spawn_blocking`.
//!
//! Every decision — request shapes, validation, retries, token refresh, task slots, polling,
//! link freshness, the order of `generate` — lives in [`hitem3d_core`]: each operation is a
//! core job run by the core's driver. This crate only implements the driver's effects (the
//! network, files, a clock and a way to wait) and names the operations.
//! Its operations have the same names and behaviour as `hitem3d-async`'s.
//!
//! ```no_run
//! use hitem3d_blocking::{Client, Image, SubmitTask, types::Model};
//!
//! # fn main() -> Result<(), hitem3d_blocking::Error> {
//! // HITEM3D_CLIENT_ID / HITEM3D_CLIENT_SECRET from the API console.
//! let client = Client::from_env()?;
//! let front = Image::new(std::fs::read("chair.png").expect("a picture"));
//! let task = SubmitTask::builder(Model::Hitem3dV2_1).image(front).build()?; // checked locally
//! let generated = client.generate(task, "out")?;
//! println!("wrote {}", generated.model.path.display());
//! # Ok(())
//! # }
//! ```
//!
//! - [`Client::generate`]: submit, wait, download in one call.
//! - [`Client::submit`], [`Client::wait`] / [`Client::watch`], [`Client::download`]: the
//!   steps, for resuming by task id or custom flows.
//! - A `Client` is `Send + Sync` and cheap to clone: threads share its token (fetched once
//!   for all of them) and its task slots — at most [`ClientConfig::task_slots`] (default 10,
//!   the account limit) tasks are unfinished at once; further submits block until one ends.
//! - TLS: the `rustls` feature (default; ring, passed to rustls explicitly, so no
//!   process-wide provider is needed) or `native-tls`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "hitem3d-blocking needs a TLS stack: enable its `rustls` feature (the default) or `native-tls`"
);

mod change_signal;
mod client;
mod effects;
mod finish;
mod resolver;
mod transport;
mod ureq_transport;
mod wait;

pub use client::Client;
pub use effects::{image_from_path, mesh_from_path};
pub use transport::{ResponseBody, SendLimits, Transport};
pub use ureq_transport::UreqTransport;
pub use wait::TaskWatch;

// The README's code blocks (both quick starts, configuration, the mock) compile as doctests of
// this crate, whose dev-dependencies include the async client, tokio and the mock.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The sans-IO core this client drives: requests, decoders and state machines, for custom
/// flows and transports.
pub use hitem3d_core;
pub use hitem3d_core::client_api::*;
