//! The async client of the Hitem3D (Hi3D) SDK, on reqwest and tokio.
//!
//! **Under construction.** This crate will be a thin driver of `hitem3d-core`: it moves bytes
//! between the core's state machines and the network (submit, wait with progress, streaming
//! download, `generate`), and holds no API logic of its own.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use hitem3d_core as core;
