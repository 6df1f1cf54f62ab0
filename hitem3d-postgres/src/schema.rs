//! The tables, in a schema of their own, and how a database is brought up to date.

use deadpool_postgres::Client;
use hitem3d_core::DEFAULT_TASK_SLOTS;
use tokio_postgres::error::SqlState;

/// The schema version this crate writes.
pub(crate) const VERSION: i32 = 2;

/// A fixed number ("hitem3d" in ASCII) that every process takes as a transaction lock while it creates or
/// checks the tables: many workers starting at once create them once.
const MIGRATION_LOCK: i64 = 0x0068_6974_656d_3364;

/// Version 1: the journal's entries (their saved files in order) and learnt durations. An
/// open key (not refused, not failed) is unique, so two machines cannot both begin one task;
/// a task id belongs to one entry. Times are the database's clock, in Unix seconds.
const V1: &str = "
CREATE TABLE hitem3d.entries (
    id BIGSERIAL PRIMARY KEY,
    key TEXT,
    task_type TEXT NOT NULL,
    label TEXT NOT NULL,
    estimated_credits INTEGER,
    destination TEXT,
    task_id TEXT UNIQUE,
    state TEXT NOT NULL,
    note TEXT,
    files TEXT[] NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX open_keys ON hitem3d.entries(key)
    WHERE key IS NOT NULL AND state NOT IN ('refused', 'failed');
CREATE TABLE hitem3d.durations (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    at_least_ms BIGINT NOT NULL,
    at_most_ms BIGINT NOT NULL
);
CREATE INDEX durations_by_kind ON hitem3d.durations(kind, id);
";

/// Version 2: the fleet's work queue (an input per key, claimed under a lease whose epoch
/// fences every write about it) and the fleet's one row: its limit on unfinished tasks, as
/// configured and as learnt from refusals, and its credits: charged by each submit's intent
/// (refunded when refused or failed) and the limit set for them.
const V2: &str = "
CREATE TABLE hitem3d.queue (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    input TEXT NOT NULL,
    options TEXT NOT NULL,
    credits INTEGER,
    state TEXT NOT NULL DEFAULT 'pending',
    worker TEXT,
    epoch BIGINT NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ,
    note TEXT,
    enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX queue_open ON hitem3d.queue(id) WHERE state IN ('pending', 'claimed');
CREATE TABLE hitem3d.fleet (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    task_limit INTEGER NOT NULL,
    configured_limit INTEGER NOT NULL,
    limit_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    max_credits BIGINT,
    credits_charged BIGINT NOT NULL DEFAULT 0
);
";

/// Creates the tables in a new database, or checks that an existing one is a version this
/// crate reads (the reason in words if not).
pub(crate) async fn prepare(
    client: &mut Client,
) -> Result<Result<(), String>, tokio_postgres::Error> {
    // A database already at this version (every start but the fleet's first) is read in one
    // round trip, without the lock: a fleet's workers starting at once do not queue for it.
    match current_version(client).await {
        Ok(Some(VERSION)) => return Ok(Ok(())),
        // The tables are there (the schema is, at least), but not for this user.
        Err(error) if error.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
            return Ok(Err(format!(
                "{}: this user may not use the tables of the schema hitem3d; someone who may \
                 grants it USAGE on the schema, SELECT, INSERT, UPDATE and DELETE on all its \
                 tables and USAGE on all its sequences",
                crate::pg_journal::in_words(&error)
            )));
        }
        _ => {}
    }
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS hitem3d;
         CREATE TABLE IF NOT EXISTS hitem3d.version (version INTEGER NOT NULL);",
    )
    .await?;
    let version: i32 = tx
        .query_opt("SELECT version FROM hitem3d.version", &[])
        .await?
        .map_or(0, |row| row.get(0));
    match version {
        0 | 1 => {
            // Each version's tables on top of the last: a version 1 database keeps its entries.
            if version == 0 {
                tx.batch_execute(V1).await?;
            }
            tx.batch_execute(V2).await?;
            let limit = i32::try_from(DEFAULT_TASK_SLOTS).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO hitem3d.fleet (id, task_limit, configured_limit) VALUES (1, $1, $1)",
                &[&limit],
            )
            .await?;
            tx.execute("DELETE FROM hitem3d.version", &[]).await?;
            tx.execute(
                "INSERT INTO hitem3d.version (version) VALUES ($1)",
                &[&VERSION],
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(()))
        }
        VERSION => Ok(Ok(())),
        newer => Ok(Err(format!(
            "the database was written by a newer hitem3d (schema {newer}, this one reads \
             {VERSION}): update hitem3d on every machine of the fleet"
        ))),
    }
}

/// The version a database's tables are at, if they say.
async fn current_version(client: &Client) -> Result<Option<i32>, tokio_postgres::Error> {
    let messages = client
        .simple_query("SELECT version FROM hitem3d.version")
        .await?;
    Ok(messages.iter().find_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0)?.parse().ok(),
        _ => None,
    }))
}
