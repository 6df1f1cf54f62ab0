//! The journal's contract (the shared suite of `conformance`), held by the SQLite store and
//! the core's memory store alike; and what only a file gives: entries that outlive the
//! process, one key begun once by several processes' connections, versions.

use std::sync::{Arc, Barrier};

use futures_executor::block_on;
use hitem3d_core::TaskKind;
use hitem3d_core::journal::{
    AsyncTaskJournal, Begun, EntryQuery, MemoryJournal, Settled, TaskJournal,
};
use hitem3d_core::types::{Model, RequestType, TaskId};
use hitem3d_journal::SqliteJournal;
use hitem3d_journal::conformance::{Inline, check_store, intent, learnt};

/// The shared suite, on every store that lives on one machine: the core's memory store, a
/// SQLite file (in a folder it creates) and SQLite in memory.
#[test]
fn the_contract_holds_for_every_local_store() {
    let dir = tempfile::tempdir().unwrap();
    block_on(check_store("memory", || async {
        Arc::new(Inline(MemoryJournal::default())) as Arc<dyn AsyncTaskJournal>
    }));
    let mut files = 0;
    block_on(check_store("sqlite file", || {
        files += 1;
        let path = dir.path().join("nested").join(format!("j{files}.sqlite3"));
        async move { Arc::new(Inline(SqliteJournal::open(path).unwrap())) as Arc<dyn AsyncTaskJournal> }
    }));
    block_on(check_store("sqlite in memory", || async {
        Arc::new(Inline(SqliteJournal::in_memory().unwrap())) as Arc<dyn AsyncTaskJournal>
    }));
}

fn new_entry(journal: &dyn TaskJournal, key: Option<&str>) -> hitem3d_core::journal::EntryId {
    match journal.begin(&intent(key)).unwrap() {
        Begun::New(id) => id,
        Begun::Existing(entry) | Begun::InFlight(entry) => {
            panic!("expected a new entry, found {entry:?}")
        }
    }
}

#[test]
fn entries_outlive_the_process_that_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let journal = SqliteJournal::open(&path).unwrap();
        let id = new_entry(&journal, Some("k"));
        journal
            .settle(id, &Settled::Submitted(TaskId::new("t-9")))
            .unwrap();
    }
    let reopened = SqliteJournal::open(&path).unwrap();
    assert_eq!(reopened.path(), Some(path.as_path()));
    let entries = reopened.entries(&EntryQuery::Unfinished).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id, Some(TaskId::new("t-9")));
    assert_eq!(entries[0].destination, intent(None).destination);
}

#[test]
fn writers_racing_on_one_key_begin_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    SqliteJournal::open(&path).unwrap();
    let writers = 6;
    let start = Arc::new(Barrier::new(writers));
    let handles: Vec<_> = (0..writers)
        .map(|_| {
            // Each writer has its own connection, as separate processes would.
            let journal = SqliteJournal::open(&path).unwrap();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                matches!(journal.begin(&intent(Some("same"))).unwrap(), Begun::New(_))
            })
        })
        .collect();
    let new = handles
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .filter(|new| *new)
        .count();
    assert_eq!(new, 1, "one writer pays, the others find its entry");
}

#[test]
fn a_journal_from_a_newer_version_or_another_file_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.sqlite3");
    {
        let connection = rusqlite_connection(&newer);
        connection.pragma_update(None, "user_version", 99).unwrap();
    }
    let error = SqliteJournal::open(&newer).unwrap_err().to_string();
    assert!(error.contains("newer hitem3d"), "{error}");

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some words that are long enough",
    )
    .unwrap();
    let error = SqliteJournal::open(&text).unwrap_err().to_string();
    assert!(
        error.contains("notes.txt") && error.contains("not a database"),
        "{error}"
    );

    // Another program's database: refused by name, not a byte changed.
    let foreign = dir.path().join("shop.db");
    rusqlite_connection(&foreign)
        .execute_batch("CREATE TABLE orders (id INTEGER PRIMARY KEY);")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let error = SqliteJournal::open(&foreign).unwrap_err().to_string();
    assert!(
        error.contains("shop.db is not a hitem3d task journal") && error.contains("orders"),
        "{error}"
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    // Opened only to read, a journal that does not exist is not created.
    let missing = dir.path().join("later").join("journal.sqlite3");
    assert!(SqliteJournal::open_existing(&missing).unwrap().is_none());
    assert!(!missing.parent().unwrap().exists());
}

#[test]
fn a_version_1_journal_keeps_its_entries_and_learns_durations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite3");
    {
        // A file as the first version wrote it: its tables, one entry, version 1.
        let connection = rusqlite_connection(&path);
        connection
            .execute_batch(
                "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT, \
                 task_type TEXT NOT NULL, label TEXT NOT NULL, estimated_credits INTEGER, \
                 destination TEXT, task_id TEXT UNIQUE, state TEXT NOT NULL, note TEXT, \
                 created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL); \
                 CREATE TABLE files (entry_id INTEGER NOT NULL REFERENCES entries(id) \
                 ON DELETE CASCADE, position INTEGER NOT NULL, path TEXT NOT NULL, \
                 PRIMARY KEY (entry_id, position)); \
                 INSERT INTO entries (task_type, label, task_id, state, created_at, updated_at) \
                 VALUES ('relief', 'relief', 't-old', 'processing', 1, 1); \
                 PRAGMA user_version = 1;",
            )
            .unwrap();
    }
    let journal = SqliteJournal::open(&path).unwrap();
    let entries = journal.entries(&EntryQuery::All).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id, Some(TaskId::new("t-old")));
    let kind = TaskKind::new(Model::Hitem3dV2_1, None, RequestType::Geometry, false);
    journal.learn_duration(&learnt(&kind, 40)).unwrap();
    assert_eq!(journal.learnt_durations().unwrap(), [learnt(&kind, 40)]);
}

fn rusqlite_connection(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

/// `--max-credits` on one machine: processes racing on one file spend no more than the limit;
/// a refused submit gives its charge back.
#[test]
fn a_credit_limit_holds_for_processes_racing_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    SqliteJournal::open(&path)
        .unwrap()
        .set_max_credits(Some(35))
        .unwrap();
    let writers = 8;
    let start = Arc::new(Barrier::new(writers));
    let handles: Vec<_> = (0..writers)
        .map(|n| {
            let journal = SqliteJournal::open(&path).unwrap();
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                journal.begin(&intent(Some(&format!("k{n}"))))
            })
        })
        .collect();
    let begun: Vec<_> = handles
        .into_iter()
        .map(|handle| handle.join().unwrap())
        .collect();
    let new: Vec<_> = begun
        .iter()
        .filter_map(|begun| match begun {
            Ok(Begun::New(id)) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(new.len(), 3, "10 credits each under 35: {begun:?}");
    assert!(
        begun
            .iter()
            .filter(|begun| begun.is_err())
            .all(|refused| refused
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("limit of 35")),
        "{begun:?}"
    );
    let journal = SqliteJournal::open(&path).unwrap();
    assert_eq!(journal.credits().unwrap(), (30, Some(35)));
    journal
        .settle(new[0], &Settled::Refused("balance is not enough".into()))
        .unwrap();
    assert_eq!(journal.credits().unwrap(), (20, Some(35)));
    assert!(matches!(
        journal.begin(&intent(Some("after"))).unwrap(),
        Begun::New(_)
    ));
}

/// Two `hitem3d` processes started at once on a machine with no journal yet: one of them
/// failed with "database is locked" about a third of the time (the switch to the write-ahead
/// log is refused at once, not waited for, while another connection holds the file).
#[test]
fn processes_opening_a_new_journal_at_once_all_open_it() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        let start = Barrier::new(6);
        std::thread::scope(|scope| {
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteJournal::open(&path).map(drop)
                    })
                })
                .collect();
            for opener in openers {
                let opened = opener.join().unwrap();
                assert!(opened.is_ok(), "round {round}: {opened:?}");
            }
        });
    }
}
