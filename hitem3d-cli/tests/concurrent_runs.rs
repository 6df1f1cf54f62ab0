//! Two runs about one task at once: the file the first saves is the second's success, and a
//! paid task whose file cannot be saved never exits with "nothing was paid" (2).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use support::Bench;

/// A `generate` running in the background, its JSON lines arriving on a channel.
struct Running {
    child: Child,
    lines: Receiver<serde_json::Value>,
    seen: Vec<serde_json::Value>,
}

impl Running {
    fn start(bench: &Bench, args: &[&str]) -> Self {
        let mut child = bench
            .command()
            .arg("--json")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped");
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let event =
                    serde_json::from_str(&line).unwrap_or_else(|_| panic!("a JSON line: {line}"));
                if send.send(event).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line of event `name` (up to a minute of real time, however slow the machine).
    fn until(&mut self, name: &str) -> serde_json::Value {
        loop {
            let event = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no {name:?} line; saw {:?}", self.seen));
            self.seen.push(event.clone());
            if event["event"] == name {
                return event;
            }
        }
    }

    /// Its exit code, every line it printed and its standard error.
    fn end(mut self) -> (i32, Vec<serde_json::Value>, String) {
        let output = self.child.wait_with_output().expect("the binary ends");
        // Every line, up to the end of its output: the reading thread may still hold the last
        // ones when the process has ended (a busy CI machine saw the error line missing).
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) {
            self.seen.push(line);
        }
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.code().unwrap_or(-1), self.seen, stderr)
    }
}

/// Two `generate` of one picture at once: the second found the first's paid task in the
/// journal and waited for it too; whichever saved second found the name taken and exited 2
/// ("out/front.glb exists"), as if nothing had been paid, although the model it was to save
/// was there, saved by the other run from the same task.
#[test]
fn the_second_of_two_runs_of_one_picture_succeeds_with_the_file_the_first_saved() {
    let bench = Bench::manual();
    bench.picture("front", "front.png");
    let args = ["generate", "front.png", "-o", "out"];
    let mut first = Running::start(&bench, &args);
    let task_id = first.until("submitted")["task_id"].clone();
    let mut second = Running::start(&bench, &args);
    assert_eq!(second.until("resumed")["task_id"], task_id);

    assert!(bench.mock().complete_task(task_id.as_str().unwrap()));
    let (first_code, first_lines, first_err) = first.end();
    let (second_code, second_lines, second_err) = second.end();

    assert_eq!(
        (first_code, second_code),
        (0, 0),
        "first: {first_lines:?} {first_err}\nsecond: {second_lines:?} {second_err}"
    );
    let done: Vec<_> = first_lines
        .iter()
        .chain(&second_lines)
        .filter(|line| line["event"] == "done")
        .collect();
    assert_eq!(done.len(), 2, "{done:?}");
    let by_another_run = done.iter().filter(|line| line["by_another_run"] == true);
    assert_eq!(by_another_run.count(), 1, "{done:?}");
    assert!(done.iter().all(|line| line["path"] == "out/front.glb"));
    assert_eq!(bench.mock().task_ids().len(), 1, "one task paid");
    let saved = std::fs::read(bench.path("out/front.glb")).unwrap();
    assert!(saved.starts_with(b"glTF"), "the model, whole");
}

/// A file that is not the task's took the model's name while the paid task ran: the run
/// exited 2, which says nothing was paid. It now says the task is paid and finished, keeps the
/// other file, and exits 1.
#[test]
fn a_paid_task_whose_name_was_taken_meanwhile_is_not_reported_as_unpaid() {
    let bench = Bench::manual();
    bench.picture("front", "front.png");
    let mut run = Running::start(&bench, &["generate", "front.png", "-o", "out"]);
    let task_id = run.until("submitted")["task_id"].clone();
    let task_id = task_id.as_str().unwrap();
    std::fs::write(bench.path("out/front.glb"), b"the user's own file").unwrap();

    assert!(bench.mock().complete_task(task_id));
    let (code, lines, stderr) = run.end();

    assert_eq!(code, 1, "{lines:?}\n{stderr}");
    let error = lines.iter().find(|line| line["event"] == "error");
    let message = error
        .and_then(|line| line["message"].as_str())
        .unwrap_or_default();
    assert!(
        message.contains(&format!("task {task_id} is paid for and finished")),
        "{lines:?}"
    );
    assert!(
        message.contains("out/front.glb was taken meanwhile"),
        "{message}"
    );
    assert!(!message.contains("nothing was sent or paid"), "{message}");
    assert_eq!(
        std::fs::read(bench.path("out/front.glb")).unwrap(),
        b"the user's own file"
    );
}

/// A second run of one picture started while the first's submit was still going out: it found
/// the first's entry with no answer yet and exited 7 ("may have created and charged a task"),
/// though the first run was alive and about to record the task. The first run holds its
/// entry locked while submitting, so the second waits for that answer and shares the task.
#[test]
fn a_run_started_while_another_submits_the_same_task_waits_for_its_answer() {
    use hitem3d_async::journal::{EntryQuery, EntryState, TaskJournal};
    use hitem3d_mock::{Fault, Route};

    let bench = Bench::manual();
    bench.picture("front", "front.png");
    // The first run's submit stays in flight long after the second run has started.
    bench
        .mock()
        .inject(Route::Submit, Fault::Delay(Duration::from_secs(10)));
    let args = ["generate", "front.png", "-o", "out"];
    let mut first = Running::start(&bench, &args);
    let journal = bench.path("journal.sqlite3");
    bench.until("the first run's submit is going out", |_| {
        journal.exists()
            && hitem3d_journal::SqliteJournal::open(&journal)
                .and_then(|journal| journal.entries(&EntryQuery::All))
                .is_ok_and(|entries| {
                    entries
                        .iter()
                        .any(|entry| entry.state == EntryState::Submitting)
                })
    });
    let mut second = Running::start(&bench, &args);

    let task_id = first.until("submitted")["task_id"].clone();
    assert_eq!(second.until("resumed")["task_id"], task_id);
    assert!(bench.mock().complete_task(task_id.as_str().unwrap()));
    let (first_code, first_lines, first_err) = first.end();
    let (second_code, second_lines, second_err) = second.end();

    assert_eq!(
        (first_code, second_code),
        (0, 0),
        "first: {first_lines:?} {first_err}\nsecond: {second_lines:?} {second_err}"
    );
    assert_eq!(bench.mock().task_ids().len(), 1, "one task paid");
    assert!(bench.path("out/front.glb").exists());
}
