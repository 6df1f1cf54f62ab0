//! The benchmarks that compare the two clients: per-call cost beside raw `ureq` and
//! `reqwest`, upload memory, and download speed (`cargo xtask bench`). Nothing to link: the
//! benches are this crate's only targets of interest.
#![deny(missing_docs)]
