//! The journal's contract, held by the SQLite store and the core's memory store alike; and
//! what only a file gives: entries that outlive the process, and one key begun once by
//! several writers.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use std::time::Duration;

use hitem3d_core::journal::{
    Begun, EntryQuery, EntryState, Intent, JournalKey, LearntDuration, MemoryJournal, Resumption,
    Settled, TaskEvent, TaskJournal,
};
use hitem3d_core::types::{Model, RequestType, TaskId, TaskState, TaskType};
use hitem3d_core::{ObservedDuration, TASKS_KEPT_PER_KIND, TaskKind};
use hitem3d_journal::SqliteJournal;

fn intent(key: Option<&str>) -> Intent {
    Intent {
        key: key.map(JournalKey::new),
        task_type: TaskType::Relief,
        label: "relief".to_owned(),
        estimated_credits: Some(10),
        destination: Some(r#"{"output_dir":"out"}"#.to_owned()),
    }
}

fn stores() -> Vec<(Box<dyn TaskJournal>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteJournal::open(dir.path().join("nested").join("j.sqlite3")).unwrap();
    vec![
        (Box::new(sqlite), dir),
        (
            Box::new(MemoryJournal::default()),
            tempfile::tempdir().unwrap(),
        ),
        (
            Box::new(SqliteJournal::in_memory().unwrap()),
            tempfile::tempdir().unwrap(),
        ),
    ]
}

fn new_entry(journal: &dyn TaskJournal, key: Option<&str>) -> hitem3d_core::journal::EntryId {
    match journal.begin(&intent(key)).unwrap() {
        Begun::New(id) => id,
        Begun::Existing(entry) => panic!("expected a new entry, found {entry:?}"),
    }
}

#[test]
fn an_open_key_is_begun_once_and_a_closed_one_again() {
    for (journal, _dir) in stores() {
        let first = new_entry(&*journal, Some("k"));
        let Begun::Existing(open) = journal.begin(&intent(Some("k"))).unwrap() else {
            panic!("{journal:?}: the key is open");
        };
        assert_eq!(open.id, first);
        assert_eq!(open.state, EntryState::Submitting);
        assert_eq!(open.estimated_credits, Some(10));
        assert_eq!(open.task_type, TaskType::Relief);

        journal
            .settle(first, &Settled::Refused("balance is not enough".into()))
            .unwrap();
        let second = new_entry(&*journal, Some("k"));
        assert_ne!(second, first, "{journal:?}: a refused key is free again");
        // Entries without a key never collide.
        new_entry(&*journal, None);
        new_entry(&*journal, None);
        assert_eq!(journal.entries(&EntryQuery::All).unwrap().len(), 4);
    }
}

#[test]
fn a_task_goes_from_submitted_through_its_states_to_saved_files() {
    for (journal, _dir) in stores() {
        let id = new_entry(&*journal, Some("k"));
        let task = TaskId::new("depth_1");
        journal
            .settle(id, &Settled::Submitted(task.clone()))
            .unwrap();
        journal
            .record(&task, &TaskEvent::State(TaskState::Processing, None))
            .unwrap();
        let [entry] = &journal.entries(&EntryQuery::Task(task.clone())).unwrap()[..] else {
            panic!("{journal:?}: one entry for the task");
        };
        assert_eq!(entry.state, EntryState::Task(TaskState::Processing));
        assert_eq!(entry.resumption(), Resumption::Wait(task.clone()));

        for file in ["out/a.png", "out/a-cover.webp", "out/a.png"] {
            journal
                .record(&task, &TaskEvent::Saved(PathBuf::from(file)))
                .unwrap();
        }
        // A later poll of the same task does not undo "saved".
        journal
            .record(&task, &TaskEvent::State(TaskState::Success, None))
            .unwrap();
        let [entry] = &journal
            .entries(&EntryQuery::Key(JournalKey::new("k")))
            .unwrap()[..]
        else {
            panic!("{journal:?}: one entry for the key");
        };
        assert_eq!(entry.state, EntryState::Saved);
        assert_eq!(
            entry.files,
            [
                PathBuf::from("out/a.png"),
                PathBuf::from("out/a-cover.webp")
            ]
        );
        assert!(entry.updated_at >= entry.created_at);
        assert!(journal.entries(&EntryQuery::Unfinished).unwrap().is_empty());
        // A task this journal never saw is ignored, not an error.
        journal
            .record(
                &TaskId::new("other"),
                &TaskEvent::State(TaskState::Failed, None),
            )
            .unwrap();
    }
}

#[test]
fn unfinished_lists_what_needs_a_wait_or_a_decision_and_forget_removes_one() {
    for (journal, _dir) in stores() {
        let waiting = new_entry(&*journal, None);
        journal
            .settle(waiting, &Settled::Submitted(TaskId::new("t-1")))
            .unwrap();
        let unknown = new_entry(&*journal, Some("u"));
        journal
            .settle(
                unknown,
                &Settled::OutcomeUnknown("timed out after 60 s".into()),
            )
            .unwrap();
        let failed = new_entry(&*journal, None);
        journal
            .settle(failed, &Settled::Submitted(TaskId::new("t-3")))
            .unwrap();
        journal
            .record(
                &TaskId::new("t-3"),
                &TaskEvent::State(TaskState::Failed, Some("generation failed".into())),
            )
            .unwrap();

        let unfinished: Vec<_> = journal
            .entries(&EntryQuery::Unfinished)
            .unwrap()
            .into_iter()
            .map(|entry| (entry.id, entry.resumption()))
            .collect();
        assert_eq!(
            unfinished,
            [
                (waiting, Resumption::Wait(TaskId::new("t-1"))),
                (unknown, Resumption::Unknown)
            ],
            "{journal:?}"
        );
        assert!(journal.forget(unknown).unwrap());
        assert!(!journal.forget(unknown).unwrap(), "already gone");
        assert_eq!(journal.entries(&EntryQuery::Unfinished).unwrap().len(), 1);
        let failed_entry = &journal.entries(&EntryQuery::All).unwrap()[1];
        assert_eq!(failed_entry.note.as_deref(), Some("generation failed"));
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
        error.contains("notes.txt") || error.contains("not a database"),
        "{error}"
    );
}

fn learnt(kind: &TaskKind, secs: u64) -> LearntDuration {
    let at_most = Duration::from_secs(secs);
    let observed =
        ObservedDuration::new(at_most.saturating_sub(Duration::from_millis(1500)), at_most);
    LearntDuration::new(kind.clone(), observed)
}

#[test]
fn durations_are_kept_per_kind_newest_last_up_to_the_limit() {
    let single = TaskKind::new(
        Model::Hitem3dV2_1,
        None,
        RequestType::GeometryAndTexture,
        false,
    );
    let views = TaskKind::new(Model::Hi3dV3_0, None, RequestType::Geometry, true);
    for (journal, _dir) in stores() {
        assert!(journal.learnt_durations().unwrap().is_empty());
        let kept = u64::try_from(TASKS_KEPT_PER_KIND).unwrap();
        for secs in 1..=kept + 5 {
            journal.learn_duration(&learnt(&single, secs)).unwrap();
        }
        journal.learn_duration(&learnt(&views, 7)).unwrap();

        let all = journal.learnt_durations().unwrap();
        let of_single: Vec<_> = all
            .iter()
            .filter(|seen| seen.kind == single)
            .map(|seen| seen.observed.at_most.as_secs())
            .collect();
        assert_eq!(of_single, (6..=kept + 5).collect::<Vec<_>>(), "{journal:?}");
        assert_eq!(all.last(), Some(&learnt(&views, 7)), "read back whole");
    }
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
