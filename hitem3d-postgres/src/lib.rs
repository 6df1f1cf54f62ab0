//! A task journal in PostgreSQL for the Hitem3D clients: one account, many machines.
//!
//! A studio converting a catalogue outgrows one machine. [`PgJournal`] keeps every task of
//! every machine in one database the whole fleet shares: the intent before a submit goes out,
//! the task id as soon as it is known, then states and saved files. A key is begun once across
//! the fleet, so two machines given the same picture and options pay once.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use hitem3d_core::ClientConfig;
//! use hitem3d_core::types::{ClientId, ClientSecret};
//! use hitem3d_postgres::{DatabaseUrl, PgJournal};
//!
//! let url: DatabaseUrl = "postgres://fleet@db.internal/hitem3d".parse()?;
//! let journal = Arc::new(PgJournal::connect(&url).await?);
//! let config = ClientConfig::new(ClientId::new("ak_…"), ClientSecret::new("sk_…"))
//!     .with_async_journal(journal);
//! # Ok(()) }
//! ```
//!
//! `tokio-postgres` with a `deadpool` pool rather than `sqlx`: sqlx 0.9 needs a newer Rust than
//! this workspace supports, and nothing here needs its compile-time checked queries, which
//! would need a database to build. Connections are encrypted as libpq's `sslmode` says (see
//! [`DatabaseUrl`]), with rustls.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cached_statements;
mod database_url;
mod fence;
mod fleet_limit;
mod pg_journal;
mod pg_work_queue;
mod schema;
mod slot_handoff;
mod slot_signal;
mod submit_locks;
#[cfg(feature = "throwaway")]
mod throwaway_cluster;
mod tls;

pub use database_url::{DatabaseUrl, DatabaseUrlError};
pub use pg_journal::PgJournal;
pub use pg_work_queue::PgWorkQueue;
#[cfg(feature = "throwaway")]
pub use throwaway_cluster::{ClusterError, REQUIRE_VAR, ThrowawayCluster};
