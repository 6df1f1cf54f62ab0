//! The blocking client of the Hitem3D (Hi3D) SDK, on ureq: no async runtime anywhere.
//!
//! **Under construction.** This crate will mirror the async client's API exactly, as a thin
//! driver of `hitem3d-core`, for CLI tools, build scripts and asset pipelines.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use hitem3d_core as core;
