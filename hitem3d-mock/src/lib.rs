//! A stateful simulator of the Hitem3D (Hi3D) service, for tests, demos and clients in any
//! language.
//!
//! It plays the documented API (`auth/token`, `submit-task`, `query-task`, `balance`) with the
//! service's habits: errors as HTTP 200 envelopes, tokens that expire, tasks that move through
//! `created → queueing → processing → success | failed` on a timeline, a credit ledger, a limit
//! on unfinished tasks, result links that expire after an hour (403 afterwards) and are
//! re-issued on each query, and callbacks posted to loopback receivers. Results are real
//! files (GLB, OBJ, binary STL, FBX, USDZ, 3MF) made from the input picture, with a WebP cover as the docs give it.
//!
//! A `mesh_url` on the mock's own host (an upload's public URL, a result link) must name
//! something there, or its task fails as the service's does when it cannot download the mesh;
//! a URL on another host is never fetched (tests stay on loopback) and is taken on trust. A
//! relief's mesh is in millimetres, shaped by its `width`, `height_relief`, `thickness_base`
//! and `sculpmode`.
//!
//! Time runs at real speed, sped up ([`MockConfig::fast`]: a seven-minute task in 100 ms), or
//! only when the test says ([`MockConfig::manual`] and [`MockHandle::advance`]). Faults are
//! scripted per route ([`MockHandle::inject`]) or per task ([`MockHandle::fail_task`]), and
//! the journal records every request for assertions.
//!
//! Codes the service does not document and the mock had to choose: `40040000` "task not found"
//! (as hi3d-cli's mock), `40029000` "too many unfinished tasks", `10031013` "request type not
//! valid", `10031014` "multi_images_bit does not match multi_images", `10031015` "pbr or
//! shading not supported by this model" (`pbr=1` or a shading strength for a model without it;
//! `pbr=0` passes, as the vendor's plugin sends it), `10031016` "task setting not valid" (a
//! relief's or mesh task's choice or setting out of range), and HTTP 404 with `code` 404 "no such
//! route: METHOD /path" for a path the service does not have.
//!
//! # Async tests
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use hitem3d_mock::{MockConfig, MockService, Route, Fault};
//!
//! let mock = MockService::start_with(MockConfig::manual()).await;
//! mock.inject(Route::Query, Fault::HtmlStatus(502)); // the next query meets a gateway error
//! // … point your client at mock.base_url() with mock.client_id() / mock.client_secret() …
//! mock.advance(Duration::from_secs(420)); // tasks submitted so far are now finished
//! assert_eq!(mock.counters().tasks_created, 0);
//! # }
//! ```
//!
//! # Blocking tests
//!
//! ```
//! use hitem3d_mock::{BlockingMock, MockConfig};
//!
//! let mock = BlockingMock::start_with(MockConfig::fast());
//! let base_url = mock.base_url();
//! // … run blocking code against base_url …
//! mock.assert_no_duplicate_submits();
//! mock.assert_no_token_on_downloads();
//! ```
//!
//! # Beside your own wiremock mocks
//!
//! [`MockService::mount_on`] mounts the simulator on a `wiremock::MockServer` you already run.
//! The mock's own server (above) is the better choice for long runs and large uploads: it keeps
//! no request body, remembers within bounds ([`Retention`], [`ServerLimits`]), and refuses an
//! oversized upload from its declared length before reading it.
//!
//! # From any language
//!
//! `cargo run -p hitem3d-mock -- --port 8080` serves the same on `http://127.0.0.1:8080` and
//! prints the credentials and a `curl` walk-through.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod assets;
mod blocking;
mod body_budget;
mod callbacks;
mod clock;
mod config;
mod connections;
mod fault;
mod handle;
mod http_service;
mod journal;
mod mesh_form;
mod query_pairs;
mod refusal;
mod relief_form;
mod reply;
mod retention;
mod server;
mod server_limits;
#[cfg(feature = "server")]
pub mod standalone;
mod standing;
mod submit_form;
mod task;
mod wiremock_mount;
mod workshop;
mod world;

pub use blocking::BlockingMock;
pub use config::{MockConfig, Quirks, TimeMode, Timeline};
pub use fault::{Fault, Route, TaskFailure};
pub use handle::MockHandle;
pub use journal::{CallbackDelivery, Counters, FileSummary, JournalEntry};
pub use retention::Retention;
pub use server::MockService;
pub use server_limits::ServerLimits;
pub use standing::{FailingTasks, FaultSpecError, StandingFault, TaskFailureRule};

/// The data model this mock shares with the clients; nothing of their logic, so that a mistake
/// in a client cannot hide behind the same mistake in the mock.
pub use hitem3d_types as types;
