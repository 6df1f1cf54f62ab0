//! Every subcommand of `hitem3d`, run as a process against the mock service.

mod support;

use hitem3d_mock::{Fault, Route};
use support::{Bench, events};

#[test]
fn generate_without_credentials_runs_the_whole_job_on_the_built_in_mock() {
    let bench = Bench::offline();
    let run = bench.run(&["generate", "--mock-speed", "2000"]);
    run.expect(0);
    assert!(run.stderr.contains("built-in mock"), "{run}");
    assert_eq!(
        run.stderr.matches("built-in mock").count(),
        1,
        "said in one line: {run}"
    );
    assert!(run.stdout.contains("Saved out/house.glb"), "{run}");
    assert!(run.stdout.contains("(simulated: nothing charged)"), "{run}");
    let glb = std::fs::read(bench.path("out/house.glb")).unwrap();
    assert_eq!(&glb[..4], b"glTF");
    // The built-in mock's tasks end with the process: they stay out of the journal file.
    assert!(!bench.path("journal.sqlite3").exists());
}

#[test]
fn generate_saves_the_model_reports_each_step_and_a_rerun_pays_nothing() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");

    let (run, first) = bench.json(&["generate", "chair.png", "--format", "stl", "--cover"]);
    run.expect(0);
    for name in ["submitted", "state", "saved", "done"] {
        assert!(!events(&first, name).is_empty(), "no {name} event: {run}");
    }
    let done = events(&first, "done")[0];
    assert_eq!(done["path"], "out/chair.stl");
    assert_eq!(done["format"], "stl");
    assert!(
        done["cover"]
            .as_str()
            .unwrap()
            .starts_with("out/chair-cover")
    );
    // The task's published price, not a difference of balances (two generates at once each
    // showed 75 for a 25-credit task): the balance is not even read.
    assert_eq!(done["credits"], 25);
    assert_eq!(done["credits_source"], "published price");
    assert_eq!(bench.mock().counters().balances, 0, "{run}");
    assert!(bench.path("out/chair.stl").exists());

    let (run, again) = bench.json(&["generate", "chair.png", "--format", "stl", "--cover"]);
    run.expect(0);
    assert_eq!(events(&again, "already_saved").len(), 1, "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 1, "paid once");

    // Under another name, the task paid for is downloaded again, not paid again.
    let run = bench.run(&[
        "generate",
        "chair.png",
        "--format",
        "stl",
        "--name",
        "other",
    ]);
    run.expect(0);
    assert!(bench.path("out/other.stl").exists(), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 1, "{run}");

    // --again pays on purpose, under a new name so nothing is overwritten.
    bench
        .run(&[
            "generate",
            "chair.png",
            "--format",
            "stl",
            "--again",
            "--name",
            "chair2",
        ])
        .expect(0);
    assert_eq!(bench.mock().counters().submit_requests, 2);
}

#[test]
fn generate_reports_the_published_price_and_needs_no_balance() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    // A gateway page at the balance endpoint changes nothing: the price is the task's own.
    bench
        .mock()
        .inject_times(Route::Balance, Fault::HtmlStatus(404), 10);
    let run = bench.run(&["generate", "chair.png"]);
    run.expect(0);
    assert!(run.stdout.contains("Saved out/chair.glb"), "{run}");
    assert!(
        run.stdout
            .contains("credits     25, the published price of this model and resolution"),
        "{run}"
    );
}

#[test]
fn multi_view_generate_sends_each_view() {
    let bench = Bench::fast();
    for view in ["front", "back", "left", "right"] {
        bench.picture(view, &format!("{view}.png"));
    }
    let run = bench.run(&[
        "generate",
        "front.png",
        "--back",
        "back.png",
        "--left",
        "left.png",
        "--right",
        "right.png",
        "--model",
        "hitem3dv1.5",
    ]);
    run.expect(0);
    assert!(run.stdout.contains("Saved out/front.glb"), "{run}");
    assert!(run.stdout.contains("hitem3dv1.5"), "{run}");
}

/// On the built-in mock, `submit` then `wait ID` ends in "task not found": the task ended
/// with the first process, and nothing said so.
#[test]
fn submit_on_the_built_in_mock_says_up_front_that_the_task_ends_with_it() {
    let bench = Bench::offline();
    bench.picture("front", "chair.png");
    let run = bench.run(&["submit", "chair.png"]);
    run.expect(0);
    assert!(
        run.stderr.contains("the task ends with this process")
            && run.stderr.contains("start `hitem3d mock`"),
        "{run}"
    );
    assert!(
        !run.stdout.contains("hitem3d wait"),
        "no false next step: {run}"
    );
    assert!(
        run.stdout.contains("built-in mock, which stops now"),
        "{run}"
    );
    // The commands about an earlier task are refused up front there (they said "task not
    // found", as if the id were wrong).
    for command in ["wait", "status", "download"] {
        let run = bench.run(&[command, "t-from-earlier"]);
        run.expect(2);
        assert!(run.stderr.contains("start `hitem3d mock`"), "{run}");
        assert!(!run.stderr.contains("task not found"), "{run}");
    }
}

#[test]
fn submit_then_status_wait_and_download_by_id() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");

    let (run, submitted) = bench.json(&["submit", "chair.png"]);
    run.expect(0);
    let task_id = submitted[0]["task_id"].as_str().unwrap().to_owned();
    assert_eq!(submitted[0]["estimated_credits"], 25);

    let (run, status) = bench.json(&["status", &task_id]);
    run.expect(0);
    assert_eq!(status[0]["task_id"], task_id.as_str());
    assert!(status[0]["state"].is_string());

    let run = bench.run(&["wait", &task_id]);
    run.expect(0);
    assert!(run.stdout.contains("finished (success"), "{run}");

    let run = bench.run(&[
        "download", &task_id, "-o", "models", "--name", "chair", "--cover",
    ]);
    run.expect(0);
    assert!(run.stdout.contains("Saved models/chair.glb"), "{run}");
    assert!(bench.path("models/chair.glb").exists());

    // The same download again would overwrite: refused without --force, done with it.
    let run = bench.run(&["download", &task_id, "-o", "models", "--name", "chair"]);
    run.expect(2);
    assert!(run.stderr.contains("--force"), "{run}");
    bench
        .run(&[
            "download", &task_id, "-o", "models", "--name", "chair", "--force",
        ])
        .expect(0);
    assert_eq!(bench.mock().counters().submit_requests, 1);
}

#[test]
fn balance_and_estimate() {
    let bench = Bench::fast();
    let (run, balance) = bench.json(&["balance"]);
    run.expect(0);
    assert!(balance[0]["credits"].as_f64().unwrap() > 0.0, "{run}");

    let run = bench.run(&[
        "estimate",
        "--model",
        "hi3dv3.0",
        "--resolution",
        "2048quality",
        "--count",
        "3",
    ]);
    run.expect(0);
    assert!(run.stdout.contains("105 credits each, 315 for 3"), "{run}");
    let (run, relief) = bench.json(&["estimate", "--task", "relief"]);
    run.expect(0);
    assert_eq!(relief[0]["credits_each"], 10);
    assert_eq!(
        bench.mock().counters().submit_requests,
        0,
        "estimates are free and offline"
    );
}

#[test]
fn relief_and_the_mesh_tasks_go_from_submit_to_their_files() {
    let bench = Bench::fast();
    bench.picture("front", "coin.png");
    bench
        .run(&["relief", "coin.png", "--format", "stl", "-o", "reliefs"])
        .expect(0);
    assert!(bench.path("reliefs/coin.stl").exists());

    bench
        .run(&["generate", "coin.png", "--name", "mesh"])
        .expect(0);
    let run = bench.run(&["upload", "out/mesh.glb"]);
    run.expect(0);
    let url = run.stdout.trim();
    assert!(url.starts_with(&bench.mock().upload_public_base()), "{run}");

    bench
        .run(&["split", "out/mesh.glb", "-o", "parts"])
        .expect(0);
    bench
        .run(&[
            "split",
            url,
            "--kind",
            "character",
            "--parts",
            "b",
            "--joint",
            "ball",
            "-o",
            "parts",
            "--name",
            "figure",
        ])
        .expect(0);
    bench
        .run(&["segment", "out/mesh.glb", "-o", "parts"])
        .expect(0);
    bench
        .run(&[
            "multicolor",
            "out/mesh.glb",
            "--colors",
            "3",
            "--format",
            "3mf",
            "-o",
            "parts",
        ])
        .expect(0);
    // A refused setting is named by the flag that sets it (it read "--number-color", a flag
    // the command line does not have).
    let refused = bench.run(&[
        "multicolor",
        "out/mesh.glb",
        "--colors",
        "999",
        "--format",
        "3mf",
    ]);
    refused.expect(2);
    assert!(refused.stderr.contains("--colors (999)"), "{refused}");
    assert!(!refused.stderr.contains("--number-color"), "{refused}");
    // The help's example runs as printed (it lacked the format multicolor needs: exit 2).
    let help = bench.run(&["multicolor", "--help"]);
    let example = help
        .stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("hitem3d multicolor "))
        .unwrap_or_else(|| panic!("an example: {help}"))
        .to_owned();
    let args: Vec<&str> = std::iter::once("multicolor")
        .chain(example.split_whitespace().map(|arg| match arg {
            "toy.glb" => "out/mesh.glb",
            other => other,
        }))
        .collect();
    bench.run(&args).expect(0);
    let mut made: Vec<String> = std::fs::read_dir(bench.path("parts"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            "figure.zip",
            "mesh-multicolor.3mf",
            "mesh-segments.zip",
            "mesh-split.zip"
        ]
    );
    // Every task is in the journal.
    let (run, tasks) = bench.json(&["tasks", "--all"]);
    run.expect(0);
    let kinds: Vec<&str> = tasks
        .iter()
        .map(|task| task["task_type"].as_str().unwrap())
        .collect();
    for kind in [
        "relief",
        "image-to-3d",
        "split",
        "segmentation",
        "multicolor",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(tasks.iter().all(|task| task["state"] == "saved"), "{run}");
}

#[test]
fn every_subcommand_has_help_with_examples() {
    let bench = Bench::offline();
    for command in [
        "generate",
        "submit",
        "status",
        "wait",
        "download",
        "balance",
        "estimate",
        "batch",
        "tasks",
        "resume",
        "forget",
        "relief",
        "split",
        "segment",
        "multicolor",
        "upload",
        "completions",
    ] {
        let run = bench.run(&[command, "--help"]);
        run.expect(0);
        assert!(run.stdout.contains("Example"), "{command} --help:\n{run}");
        assert!(
            run.stdout.contains("Exit codes:"),
            "{command} --help:\n{run}"
        );
        // The options every command takes are under their own heading, after the command's
        // own (they were mixed in among them).
        let own = run.stdout.find("\nOptions:").unwrap_or(0);
        let global = run.stdout.find("\nGlobal options:");
        assert!(global.is_some(), "{command} --help:\n{run}");
        let journal = run.stdout.find("--journal <FILE>").unwrap();
        assert!(
            global < Some(journal) && own < journal,
            "{command} --help:\n{run}"
        );
        assert!(
            !run.stdout.contains("Usage: hitem3d --journal"),
            "{command} --help:\n{run}"
        );
    }
    let run = bench.run(&["--help"]);
    run.expect(0);
    assert!(
        run.stdout.contains("7  a submit's outcome is unknown"),
        "{run}"
    );
}

#[test]
fn completions_and_the_mock_subcommand() {
    let bench = Bench::offline();
    let run = bench.run(&["completions", "bash"]);
    run.expect(0);
    assert!(
        run.stdout.contains("_hitem3d"),
        "a bash completion function"
    );
    // The spec's models and formats, not file names.
    assert!(
        run.stdout
            .contains(r#"compgen -W "obj glb stl fbx usdz 3mf""#),
        "formats completed: {run}"
    );
    assert!(
        run.stdout
            .contains("hitem3dv2.1 hi3dv3.0 scene-portraitv1.5"),
        "models completed: {run}"
    );
    // Only options that take a path complete file names (resolutions, levels, counts and
    // names completed them too).
    let mut option = "";
    let mut files = std::collections::BTreeSet::new();
    for line in run.stdout.lines() {
        let line = line.trim();
        if line.starts_with("--") && line.ends_with(')') {
            option = line.trim_end_matches(')');
        } else if line.contains("compgen -f") && !option.is_empty() {
            files.insert(option);
        }
    }
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "--back",
            "--journal",
            "--left",
            "--mesh-url",
            "--queue",
            "--right"
        ],
        "options completing file names"
    );
    assert!(
        run.stdout.contains("1536fast") && run.stdout.contains("dovetail"),
        "resolutions and joints completed"
    );
    let fish = bench.run(&["completions", "fish"]);
    fish.expect(0);
    assert!(fish.stdout.contains("hitem3dv2.1"), "{fish}");

    let run = bench.run(&["mock", "--help"]);
    run.expect(0);
    assert!(run.stdout.contains("usage: hitem3d mock"), "{run}");
    assert!(run.stdout.contains("--fail-tasks"), "{run}");
    let run = bench.run(&["mock", "--port", "not-a-port"]);
    run.expect(2);
    assert!(run.stderr.contains("--port"), "{run}");
}

/// `hitem3d --json mock` printed its lines for people: the global --json was ignored.
#[test]
fn the_mock_started_with_json_prints_one_line_a_client_can_use() {
    use std::io::{BufRead, BufReader};
    let bench = Bench::offline();
    let mut mock = bench
        .command()
        .args(["--json", "mock"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(mock.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|error| panic!("one JSON line, not {line:?}: {error}"));
    let text = |name: &str| started[name].as_str().unwrap().to_owned();
    let balance = bench
        .command()
        .env("HITEM3D_BASE_URL", text("base_url"))
        .env("HITEM3D_CLIENT_ID", text("client_id"))
        .env("HITEM3D_CLIENT_SECRET", text("client_secret"))
        .arg("balance")
        .output()
        .unwrap();
    mock.kill().unwrap();
    let _ = mock.wait();
    let balance = support::Run::from(balance);
    balance.expect(0);
    assert_eq!(started["event"], "mock_started");
    assert!(started["upload"]["endpoint"].as_str().is_some(), "{line}");
}

/// A batch run again on the built-in mock marked every file "failed" and suggested --name,
/// which batch does not have.
#[test]
fn a_batch_whose_files_exist_says_so_in_its_own_options() {
    let bench = Bench::offline();
    bench.distinct_pictures(2);
    let args = ["--mock-speed", "2000", "batch", "photos"];
    bench.run(&args).expect(0);
    let again = bench.run(&args);
    again.expect(2);
    assert_eq!(again.stdout.matches(" exists ").count(), 2, "{again}");
    assert!(
        again
            .stdout
            .contains("give --force to replace it, or another -o"),
        "{again}"
    );
    assert!(
        !again.stdout.contains("--name"),
        "batch has no --name: {again}"
    );
    assert!(!again.stdout.contains(" failed "), "{again}");
}

#[test]
fn a_batch_reports_each_input_and_exits_with_its_worst_result() {
    let bench = Bench::fast();
    bench.picture("front", "photos/house.png");
    bench.picture("back", "photos/sub/house.png");
    std::fs::write(bench.path("photos/broken.png"), b"GIF89a\x01\x00\x01\x00").unwrap();
    std::fs::write(
        bench.path("photos/notes.txt"),
        b"not a picture, not looked at",
    )
    .unwrap();

    let (run, lines) = bench.json(&[
        "batch",
        "photos",
        "photos/sub/house.png",
        "--format",
        "obj",
        "--slots",
        "1",
    ]);
    // The worst is an invalid picture, but two tasks were paid for: 1, not 2 (nothing paid).
    run.expect(1);
    // A folder's other files are said to be skipped (they were skipped without a word).
    assert_eq!(
        events(&lines, "skipped")[0]["files"],
        serde_json::json!(["photos/notes.txt"]),
        "{run}"
    );
    let finished = events(&lines, "batch_finished");
    assert_eq!(finished[0]["inputs"], 3, "{run}");
    assert_eq!(finished[0]["failed"], 1, "{run}");
    // Two pictures named alike get two files; nothing is overwritten.
    assert!(bench.path("out/house.obj").exists());
    assert!(bench.path("out/house-2.obj").exists());
    assert!(
        events(&lines, "submitted")
            .iter()
            .all(|event| event["input"].is_string()),
        "each event names its input: {run}"
    );
    assert_eq!(bench.mock().peak_unfinished_tasks(), 1, "--slots 1");

    let run = bench.run(&["batch", "photos", "photos/sub/house.png", "--format", "obj"]);
    run.expect(2);
    assert!(
        run.stdout
            .lines()
            .any(|line| line.starts_with("photos/broken.png ") && line.contains(" failed ")),
        "{run}"
    );
    assert!(run.stdout.contains("is a GIF picture"), "{run}");
    assert_eq!(run.stdout.matches("done earlier").count(), 2, "{run}");
    assert!(
        run.stdout.contains("3 inputs: 2 finished, 1 failed"),
        "{run}"
    );
    assert!(
        run.stdout.contains("Skipped 1 file not named as a picture"),
        "{run}"
    );
}

#[test]
fn verbose_logs_show_the_sdks_steps_and_no_secret() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    // The bench checks every run's output for the mock's secret, tokens and signed links.
    let run = bench.run(&["-vvv", "generate", "chair.png", "--cover"]);
    run.expect(0);
    for step in ["operation=submit-task", "submitted", "polled", "saved"] {
        assert!(run.stderr.contains(step), "no {step:?} in the logs:\n{run}");
    }
    assert!(
        run.stderr.contains("TRACE") || run.stderr.contains("DEBUG"),
        "{run}"
    );
    // An upload's presigned put is logged at TRACE too, without its signature.
    bench.run(&["-vvv", "upload", "out/chair.glb"]).expect(0);
    let quiet = bench.run(&["generate", "chair.png", "--name", "quiet"]);
    assert!(
        !quiet.stderr.contains("INFO"),
        "no logs without -v: {quiet}"
    );
}

#[test]
fn a_batch_with_the_same_picture_twice_pays_once_and_saves_both() {
    let bench = Bench::fast();
    bench.picture("front", "photos/chair.png");
    bench.picture("front", "photos/chair copy.png");

    let run = bench.run(&["batch", "photos", "--format", "stl"]);
    run.expect(0);
    assert_eq!(
        bench.mock().counters().submit_requests,
        1,
        "one task: {run}"
    );
    assert!(bench.path("out/chair.stl").exists());
    assert!(bench.path("out/chair_copy.stl").exists(), "{run}");
    assert!(
        run.stdout.contains("resumed"),
        "the copy reuses the task: {run}"
    );

    let run = bench.run(&["batch", "photos", "--format", "stl"]);
    run.expect(0);
    assert_eq!(run.stdout.matches("done earlier").count(), 2, "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 1);
}

#[test]
fn a_mesh_task_whose_file_name_is_taken_is_refused_before_it_is_paid() {
    let bench = Bench::fast();
    bench.picture("front", "coin.png");
    bench
        .run(&["generate", "coin.png", "--name", "mesh"])
        .expect(0);
    bench
        .run(&["split", "out/mesh.glb", "-o", "parts"])
        .expect(0);
    let tasks_before = bench.mock().task_ids().len();

    // Another kind of split under the same name: its result would land on the first one's.
    let run = bench.run(&[
        "split",
        "out/mesh.glb",
        "--kind",
        "character",
        "-o",
        "parts",
    ]);

    run.expect(2);
    assert!(run.stderr.contains("mesh-split.zip exists"), "{run}");
    assert!(run.stderr.contains("nothing was sent or paid"), "{run}");
    assert_eq!(
        bench.mock().task_ids().len(),
        tasks_before,
        "no task was paid for"
    );
}

#[test]
fn a_credit_limit_keeps_a_task_that_would_pass_it_from_being_sent() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    let refused = bench.run(&["generate", "chair.png", "--max-credits", "1"]);
    refused.expect(4);
    assert!(refused.stderr.contains("limit of 1"), "{refused}");
    assert!(
        refused.stderr.contains("nothing was sent or paid"),
        "{refused}"
    );
    assert_eq!(bench.mock().counters().submit_requests, 0);

    // The limit is kept in the journal: raised, the same command goes on.
    bench
        .run(&["generate", "chair.png", "--max-credits", "1000"])
        .expect(0);
    assert_eq!(bench.mock().counters().tasks_created, 1);
    let again = bench.run(&["generate", "chair.png", "--again", "--name", "chair-2"]);
    again.expect(0);
    assert_eq!(bench.mock().counters().tasks_created, 2);
}

/// A model file already there is never replaced without --force, and nothing is paid: with
/// `.with_overwrite(true)` planted in generate, `out/chair.glb` was replaced silently and no
/// test failed.
#[test]
fn generate_never_replaces_a_file_without_force() {
    let bench = Bench::fast();
    bench.picture("front", "chair.png");
    std::fs::create_dir_all(bench.path("out")).unwrap();
    std::fs::write(bench.path("out/chair.glb"), b"the user's own file").unwrap();

    let run = bench.run(&["generate", "chair.png"]);
    run.expect(2);
    assert!(run.stderr.contains("out/chair.glb exists"), "{run}");
    assert!(run.stderr.contains("nothing was sent or paid"), "{run}");
    assert_eq!(bench.mock().counters().submit_requests, 0, "{run}");
    let kept = std::fs::read(bench.path("out/chair.glb")).unwrap();
    assert_eq!(kept, b"the user's own file");

    bench.run(&["generate", "chair.png", "--force"]).expect(0);
    let replaced = std::fs::read(bench.path("out/chair.glb")).unwrap();
    assert!(replaced.starts_with(b"glTF"), "replaced when asked");
}

/// `hitem3d upload` against `hitem3d mock` without the HITEM3D_UPLOAD_* variables went to the
/// real storage host (a DNS error, exit 6, "try again later"): the mock names its storage in
/// its upload-token answer, on its own host, and the upload goes there.
#[test]
fn an_upload_against_the_mock_goes_to_the_storage_it_names() {
    let bench = Bench::fast();
    bench.picture("front", "coin.png");
    bench
        .run(&["generate", "coin.png", "--name", "mesh"])
        .expect(0);
    let mut command = bench.command();
    for name in [
        "HITEM3D_UPLOAD_ENDPOINT",
        "HITEM3D_UPLOAD_REGION",
        "HITEM3D_UPLOAD_BUCKET",
        "HITEM3D_UPLOAD_PUBLIC_BASE",
    ] {
        command.env_remove(name);
    }
    // The real storage is on https: were it tried, it would meet this closed local port, never
    // the internet.
    command.env("HTTPS_PROXY", "http://127.0.0.1:9");
    let run = support::Run::from(command.args(["upload", "out/mesh.glb"]).output().unwrap());
    run.expect(0);
    assert!(
        run.stdout
            .trim()
            .starts_with(&bench.mock().upload_public_base()),
        "{run}"
    );
    assert_eq!(bench.mock().uploaded_keys().len(), 1, "{run}");
}

/// `hitem3d tasks` printed fixed-width columns: a long task id or label pushed the rest of
/// its row out of line. Each column is now as wide as its widest cell.
#[test]
fn the_tasks_table_stays_aligned_with_long_ids() {
    use hitem3d_async::journal::{Begun, Intent, Settled, TaskJournal};
    use hitem3d_async::types::{TaskId, TaskType};
    let bench = Bench::fast();
    let journal = hitem3d_journal::SqliteJournal::open(bench.path("journal.sqlite3")).unwrap();
    for (label, task_id) in [
        ("hitem3dv2.1", "t-1"),
        (
            "scene-portraitv2.1-with-a-long-label",
            "a-task-id-much-longer-than-forty-characters-0123456789",
        ),
    ] {
        let intent = Intent {
            key: Some(hitem3d_async::journal::JournalKey::new(task_id)),
            task_type: TaskType::ImageTo3d,
            label: label.to_owned(),
            estimated_credits: Some(25),
            destination: None,
        };
        let Begun::New(entry) = journal.begin(&intent).unwrap() else {
            panic!("a new entry")
        };
        let settled = Settled::Submitted(TaskId::new(task_id));
        journal.settle(entry, &settled).unwrap();
    }
    drop(journal);

    let run = bench.run(&["tasks", "--all"]);
    run.expect(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let column = |line: &str, text: &str| line.find(text).unwrap_or_else(|| panic!("{run}"));
    let next = column(lines[0], "NEXT");
    let credits_end = column(lines[0], "CREDITS") + "CREDITS".len();
    for row in &lines[1..] {
        assert_eq!(column(row, "hitem3d resume"), next, "{run}");
        assert_eq!(column(row, "25") + 2, credits_end, "{run}");
    }
}

/// A journaled task the service no longer knows was resumed again and again, each time
/// "task not found", with no word of how the entry ends.
#[test]
fn resuming_a_task_the_service_does_not_know_says_how_to_end_the_entry() {
    use hitem3d_async::journal::{Begun, Intent, Settled, TaskJournal};
    use hitem3d_async::types::{TaskId, TaskType};
    let bench = Bench::fast();
    let journal = hitem3d_journal::SqliteJournal::open(bench.path("journal.sqlite3")).unwrap();
    let intent = Intent {
        key: None,
        task_type: TaskType::ImageTo3d,
        label: "hitem3dv2.1".to_owned(),
        estimated_credits: Some(25),
        destination: None,
    };
    let Begun::New(entry) = journal.begin(&intent).unwrap() else {
        panic!("a new entry")
    };
    let settled = Settled::Submitted(TaskId::new("gone-long-ago"));
    journal.settle(entry, &settled).unwrap();
    drop(journal);

    let run = bench.run(&["resume"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(run.stdout.contains("task not found"), "{run}");
    assert!(
        run.stdout
            .contains(&format!("`hitem3d forget {}`", entry.0)),
        "{run}"
    );
    assert!(run.stdout.contains("--again"), "{run}");
}

/// The README's first command run twice exited 2 ("out/house.glb exists") while the README
/// said a rerun reports the file: on the built-in mock nothing remembers the earlier run. Both
/// now say so.
#[test]
fn a_rerun_on_the_built_in_mock_says_why_it_stops_at_the_file() {
    let bench = Bench::offline();
    let args = ["--mock-speed", "2000", "generate"];
    bench.run(&args).expect(0);
    let again = bench.run(&args);
    again.expect(2);
    assert!(again.stderr.contains("out/house.glb exists"), "{again}");
    assert!(again.stderr.contains("keeps no journal"), "{again}");
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    assert!(readme.contains("on the built-in mock, which keeps no journal, a rerun stops"));
}
