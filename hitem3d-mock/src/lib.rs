//! A stateful in-process simulator of the Hitem3D (Hi3D) service.
//!
//! **Under construction.** This crate will play the real service for tests, demos and clients
//! in other languages: tokens that expire, tasks that progress in controllable time, credits
//! that run out, scripted faults, and real 3D files made from the input image.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use hitem3d_core as core;
