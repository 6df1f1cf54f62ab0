//! A task journal in SQLite for the Hitem3D clients.
//!
//! The API has no endpoint listing an account's tasks, so a task id lost to a crash between
//! submit and download is a paid model lost. [`SqliteJournal`] keeps every task a client
//! submits in one file: the intent before the submit goes out, the task id as soon as it is
//! known (or that the outcome is unknown), then states and saved files. Give it to a client
//! with `ClientConfig::with_journal`; the `hitem3d` command-line tool uses the same file.
//!
//! ```
//! use std::sync::Arc;
//! use hitem3d_core::ClientConfig;
//! use hitem3d_core::journal::{EntryQuery, TaskJournal};
//! use hitem3d_core::types::{ClientId, ClientSecret};
//! use hitem3d_journal::SqliteJournal;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let journal = Arc::new(SqliteJournal::open(dir.path().join("journal.sqlite3"))?);
//! let config = ClientConfig::new(ClientId::new("ak_…"), ClientSecret::new("sk_…"))
//!     .with_journal(journal.clone());
//! assert!(journal.entries(&EntryQuery::Unfinished)?.is_empty());
//! # Ok::<(), hitem3d_core::journal::JournalError>(())
//! ```
//!
//! SQLite, through `rusqlite` with its bundled library, because the journal must survive a
//! crash at any instant (transactions, a write-ahead log, `synchronous = FULL`), be shared
//! safely by several processes on one machine (a batch and a `resume` at once: file locks
//! and a busy timeout), need nothing installed, and stay readable with the `sqlite3` tool.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod busy_retry;
mod claim_fence;
mod clock;
#[cfg(feature = "conformance")]
pub mod conformance;
mod location;
mod schema;
mod shared_limit;
mod sqlite_journal;
mod sqlite_work_queue;
mod submit_locks;

pub use location::{JOURNAL_VAR, default_location};
pub use sqlite_journal::SqliteJournal;
pub use sqlite_work_queue::SqliteWorkQueue;
