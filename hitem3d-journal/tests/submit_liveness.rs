//! Whether the submit of an open entry is still going out: the process that began it holds
//! it locked until it is settled, so another process tells a live submit (an answer is
//! coming) from one a killed process left (its outcome is unknown).

use hitem3d_core::journal::{Begun, EntryState, Intent, JournalKey, Settled, TaskJournal};
use hitem3d_core::types::{TaskId, TaskType};
use hitem3d_journal::SqliteJournal;

fn intent() -> Intent {
    Intent {
        key: Some(JournalKey::new("front.png glb")),
        task_type: TaskType::ImageTo3d,
        label: "hitem3dv2.1".to_owned(),
        estimated_credits: Some(25),
        destination: None,
    }
}

/// Two handles on one file stand for two processes: each lock is its handle's own.
#[test]
fn a_submit_going_out_is_in_flight_for_others_until_settled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let submitting = SqliteJournal::open(&path).unwrap();
    let other = SqliteJournal::open(&path).unwrap();

    let Begun::New(entry) = submitting.begin(&intent()).unwrap() else {
        panic!("a new entry");
    };
    let Begun::InFlight(found) = other.begin(&intent()).unwrap() else {
        panic!("the submit is going out from a live handle");
    };
    assert_eq!(found.id, entry);

    submitting
        .settle(entry, &Settled::Submitted(TaskId::new("t-1")))
        .unwrap();
    let Begun::Existing(found) = other.begin(&intent()).unwrap() else {
        panic!("settled: the entry is found with its task");
    };
    assert_eq!(found.task_id, Some(TaskId::new("t-1")));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".lock"))
        .collect();
    assert!(
        left.is_empty(),
        "the lock file goes with the settle: {left:?}"
    );
}

/// A process killed while submitting leaves its entry open with nobody holding it: its
/// outcome is unknown (never paid again on its own), and its lock file is cleaned up.
#[test]
fn a_submit_whose_process_ended_is_no_longer_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let killed = SqliteJournal::open(&path).unwrap();
    let Begun::New(entry) = killed.begin(&intent()).unwrap() else {
        panic!("a new entry");
    };
    // The operating system releases a dead process's locks; dropping the handle does too.
    drop(killed);

    let other = SqliteJournal::open(&path).unwrap();
    let Begun::Existing(found) = other.begin(&intent()).unwrap() else {
        panic!("nobody is submitting it any more");
    };
    assert_eq!((found.id, found.state), (entry, EntryState::Submitting));
    assert!(
        !dir.path()
            .join("journal.sqlite3-submitting-1.lock")
            .exists(),
        "the dead process's lock file is removed"
    );
}
