//! The async client of the Hitem3D (Hi3D) image-to-3D API, on reqwest and tokio.
//!
//! Every decision — request shapes, validation, retries, token refresh, task slots, polling,
//! link freshness, the order of `generate` — lives in [`hitem3d_core`]: each operation is a
//! core job run by the core's driver. This crate only implements the driver's effects (the
//! network, files, a clock and a way to wait) and names the operations.
//! `hitem3d-blocking` offers the same operations without an async runtime.
//!
//! ```no_run
//! use hitem3d_async::{Client, Image, SubmitTask, types::Model};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), hitem3d_async::Error> {
//! // HITEM3D_CLIENT_ID / HITEM3D_CLIENT_SECRET from the API console.
//! let client = Client::from_env()?;
//! let front = Image::new(std::fs::read("chair.png").expect("a picture"));
//! let task = SubmitTask::builder(Model::Hitem3dV2_1).image(front).build()?; // checked locally
//! let generated = client.generate(task, "out").await?;
//! println!("wrote {}", generated.model.path.display());
//! # Ok(())
//! # }
//! ```
//!
//! - [`Client::generate`]: submit, wait, download in one call.
//! - [`Client::submit`], [`Client::wait`] / [`Client::watch`], [`Client::download`]: the
//!   steps, for resuming by task id or custom flows.
//! - At most [`ClientConfig::task_slots`] (default 10, the account limit) tasks are unfinished
//!   at once; further submits wait for a slot.
//! - TLS: the `rustls` feature (default: rustls with its ring provider, checked against the
//!   platform's roots) or `native-tls`. With `rustls`, the first [`Client`] built also
//!   installs ring as the process's default rustls provider, unless one is installed
//!   already: reqwest has no provider of its own in this build, and any other
//!   `reqwest::Client` in the process (a test's, say) needs one. To choose another, install
//!   it before building a client.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "hitem3d-async needs a TLS stack: enable its `rustls` feature (the default) or `native-tls`"
);

mod client;
mod effects;
mod reqwest_transport;
mod transport;
mod upload_files;
mod wait;

pub use client::Client;
pub use reqwest_transport::ReqwestTransport;
pub use transport::{ResponseBody, Transport};
pub use upload_files::{image_from_path, mesh_from_path};
pub use wait::TaskWatch;

/// The sans-IO core this client drives: requests, decoders and state machines, for custom
/// flows and transports.
pub use hitem3d_core;
pub use hitem3d_core::client_api::*;
