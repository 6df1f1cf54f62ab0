//! A `--journal` that names another program's SQLite file, or no file yet: a read-only
//! command writes nothing, and no command adds its tables to a database that is not a journal.

mod support;

use support::Bench;

/// Every byte of the file, and whether SQLite left a write-ahead log beside it.
fn snapshot(path: &std::path::Path) -> (Vec<u8>, bool) {
    let wal = path.with_extension("db-wal").exists();
    (std::fs::read(path).unwrap(), wal)
}

#[test]
fn another_programs_database_is_refused_by_name_and_left_as_it_was() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    let other = bench.path("other.db");
    {
        let connection = rusqlite::Connection::open(&other).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); \
                 INSERT INTO invoices (total) VALUES (12.5);",
            )
            .unwrap();
    }
    let before = snapshot(&other);
    for args in [
        &["tasks"][..],
        &["generate", "chair.png", "-o", "models"][..],
    ] {
        let run = bench
            .command()
            .env("HITEM3D_JOURNAL", &other)
            .args(args)
            .output()
            .unwrap();
        let run = support::Run::from(run);
        assert_ne!(run.code, 0, "{run}");
        assert!(
            run.stderr
                .contains("other.db is not a hitem3d task journal")
                && run.stderr.contains("invoices"),
            "names the file and says why: {run}"
        );
        assert_eq!(snapshot(&other), before, "not a byte changed: {args:?}");
    }
    assert_eq!(bench.mock().counters().submit_requests, 0, "nothing paid");
}

#[test]
fn listing_tasks_creates_no_journal() {
    let bench = Bench::fast();
    let missing = bench.path("nowhere").join("journal.sqlite3");
    let run = bench
        .command()
        .env("HITEM3D_JOURNAL", &missing)
        .arg("tasks")
        .output()
        .unwrap();
    let run = support::Run::from(run);
    run.expect(0);
    assert!(run.stdout.contains("Nothing unfinished"), "{run}");
    assert!(!missing.exists(), "the journal file was not created");
    assert!(!bench.path("nowhere").exists(), "nor its folder");
}
