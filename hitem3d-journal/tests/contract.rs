//! The journal's contract, held by the SQLite store and the core's memory store alike; and
//! what only a file gives: entries that outlive the process, and one key begun once by
//! several writers.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};

use hitem3d_core::journal::{
    Begun, EntryQuery, EntryState, Intent, JournalKey, MemoryJournal, Resumption, Settled,
    TaskEvent, TaskJournal,
};
use hitem3d_core::types::{TaskId, TaskState, TaskType};
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

fn rusqlite_connection(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}
