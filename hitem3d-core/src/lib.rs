//! The sans-IO core of the Hitem3D (Hi3D) SDK.
//!
//! **Under construction.** This crate will hold all API knowledge, once: it builds
//! `http::Request`s, validates submit input before a byte is sent, decodes `http::Response`s
//! into typed results, and keeps every decision (token cache, retry policy, task waiter,
//! download plan, callback parsing) as a pure state machine. It never opens a socket or a file,
//! never sleeps and never reads a clock: time and randomness are inputs.
//!
//! Today it re-exports the data model, [`hitem3d_types`].
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use hitem3d_types as types;
