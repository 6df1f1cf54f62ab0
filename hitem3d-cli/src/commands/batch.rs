//! `hitem3d batch`: a model for every picture, several at once, each task in the journal so
//! that a run again pays for nothing twice.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use hitem3d_async::journal::{ItemState, JournalKey, QueuedInput};
use hitem3d_async::{Client, GenerateOptions, GenerateProgress, NewTask, SubmitTask};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use tokio::task::JoinSet;

use crate::audience::{Audience, Reader};
use crate::cli::BatchArgs;
use crate::commands::worker::{QueuedOptions, fleet_queue, refuse_queue_on_builtin_mock, work};
use crate::exit_code::{Exit, Failure};
use crate::journal_access::Journal;
use crate::pictures;
use crate::progress::Live;
use crate::report::Report;
use crate::saved_before::saved_at;
use crate::session::{Connect, connect};
use crate::task_spec;
use crate::wording;

/// Picture extensions a folder is searched for.
const PICTURE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// How one input ended.
#[derive(Debug)]
struct Outcome {
    input: String,
    /// "saved", "resumed", "saved by another run", "done earlier" or "failed".
    result: &'static str,
    /// The file, or the error.
    detail: String,
    task_id: Option<String>,
    exit: Exit,
}

impl Outcome {
    /// Whether this run paid for its task (a task made earlier, or by another run, was not).
    fn paid_here(&self) -> bool {
        self.task_id.is_some()
            && !matches!(
                self.result,
                "done earlier" | "saved by another run" | "resumed"
            )
    }
}

/// One input ready to run.
struct Job {
    input: String,
    task: SubmitTask,
    key: JournalKey,
    stem: String,
    /// Where its model goes.
    model_path: PathBuf,
}

/// Runs `hitem3d batch`.
pub async fn run(args: BatchArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let (files, skipped) = collect(&args.inputs)?;
    if !skipped.is_empty() {
        let names: Vec<String> = skipped
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        report.emit(
            "skipped",
            json!({"files": names}),
            &format!(
                "Skipped {} not named as a picture ({}): {}",
                if names.len() == 1 {
                    "1 file".to_owned()
                } else {
                    format!("{} files", names.len())
                },
                PICTURE_EXTENSIONS.join(", "),
                names.join(", ")
            ),
        );
    }
    let mut outcomes = Vec::new();
    let mut jobs = Vec::new();
    let mut stems = HashSet::new();
    // Each input is checked before anything is paid; one that fails is reported, not fatal.
    for path in &files {
        let input = path.display().to_string();
        match prepare(path, &args, &mut stems).await {
            Ok((task, key, stem)) => {
                let paths = GenerateOptions::new(&args.output.output)
                    .with_file_stem(&stem)
                    .with_cover(args.output.cover)
                    .predictable_paths(Some(&args.model.format), None);
                crate::stale_partials::remove_for(&paths, report);
                let model_path = paths[0].clone();
                jobs.push(Job {
                    input,
                    task,
                    key,
                    stem,
                    model_path,
                });
            }
            Err(failure) => outcomes.push(Outcome {
                input,
                result: "failed",
                detail: failure.message,
                task_id: None,
                exit: failure.exit,
            }),
        }
    }
    // `--enqueue-only` without `--queue`: into the journal file's queue, for this machine's
    // `hitem3d worker`s.
    if how.queue.is_some() || args.enqueue_only {
        return run_queued(args, jobs, outcomes, how, report).await;
    }
    let how = Connect {
        slots: Some(args.slots),
        overwrite: args.output.force,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    if args.fleet.task_limit.is_some() {
        return Err(Failure::invalid(
            "--task-limit is the limit that workers sharing a queue keep together: use it with \
             --enqueue-only or --queue; a batch of its own runs --slots tasks at once",
        ));
    }
    if let Some(max) = args.fleet.max_credits {
        session.journal.set_max_credits(max).await?;
    }
    let journal = session.journal.clone();

    let group = MultiProgress::with_draw_target(if report.draws_progress() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let overall = group.add(ProgressBar::new(files.len() as u64));
    overall.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} inputs finished {msg}")
            .expect("a valid template"),
    );
    overall.set_position(outcomes.len() as u64);

    // Pictures with the same contents and options are one task: the first runs, the others
    // wait for it and then save its result under their own names without paying.
    let mut same_task: HashMap<JournalKey, VecDeque<Job>> = HashMap::new();
    let mut running = JoinSet::new();
    let start = |job: Job, running: &mut JoinSet<(JournalKey, Outcome)>| {
        let bar = group.insert_before(&overall, ProgressBar::new_spinner());
        let live = Live::for_input(report, bar, job.input.clone());
        let options = GenerateOptions::new(&args.output.output)
            .with_file_stem(&job.stem)
            .with_cover(args.output.cover)
            .with_overwrite(args.output.force)
            .with_journal_key(job.key.clone());
        let audience = Audience::new(Reader::CommandLine, session.on_mock());
        running.spawn(generate(
            session.client.clone(),
            job,
            options,
            live,
            audience,
        ));
    };
    for job in jobs {
        if let Some(done) = done_earlier(&journal, &job).await? {
            overall.inc(1);
            report.emit(
                "done_earlier",
                json!({"input": job.input, "task_id": done.task_id, "path": done.detail}),
                "",
            );
            outcomes.push(done);
            continue;
        }
        if let Some(waiting) = same_task.get_mut(&job.key) {
            waiting.push_back(job);
            continue;
        }
        same_task.insert(job.key.clone(), VecDeque::new());
        start(job, &mut running);
    }
    while let Some(joined) = running.join_next().await {
        let (key, outcome) =
            joined.map_err(|error| Failure::other(format!("a batch task stopped: {error}")))?;
        if let Some(next) = same_task.get_mut(&key).and_then(VecDeque::pop_front) {
            start(next, &mut running);
        }
        overall.inc(1);
        report.emit(
            "input_finished",
            json!({"input": outcome.input, "result": outcome.result, "detail": outcome.detail,
                   "task_id": outcome.task_id, "exit_code": outcome.exit.code()}),
            "",
        );
        outcomes.push(outcome);
    }
    overall.finish_and_clear();
    Ok(summary(outcomes, report))
}

/// `batch --queue`: the inputs go into the fleet's queue (once per key), then this process
/// works as one of the fleet's workers until the queue has nothing left to claim.
async fn run_queued(
    args: BatchArgs,
    jobs: Vec<Job>,
    mut outcomes: Vec<Outcome>,
    how: &Connect,
    report: Report,
) -> Result<Exit, Failure> {
    let how = Connect {
        slots: Some(args.slots),
        overwrite: args.output.force,
        works_queue: true,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    refuse_queue_on_builtin_mock(&session, &how, "--enqueue-only")?;
    let queue = fleet_queue(&session, &args.fleet).await?;
    let mut inputs = Vec::new();
    for job in &jobs {
        // Workers on other machines read the picture by this path.
        let path = std::fs::canonicalize(&job.input).map_err(|error| {
            Failure::invalid(format!(
                "cannot read {}: {}",
                job.input,
                wording::io_problem(&error)
            ))
        })?;
        let options = QueuedOptions {
            model: args.model.clone(),
            stem: job.stem.clone(),
            cover: args.output.cover,
        };
        inputs.push(QueuedInput {
            credits: NewTask::from(job.task.clone()).estimated_credits(),
            key: job.key.clone(),
            input: path.display().to_string(),
            options: serde_json::to_string(&options)
                .map_err(|error| Failure::other(format!("cannot write the options: {error}")))?,
        });
    }
    let added = queue.enqueue(&inputs).await?;
    report.emit(
        "enqueued",
        json!({"inputs": inputs.len(), "added": added}),
        &format!(
            "{} in the queue ({added} new); {}",
            wording::inputs(inputs.len()),
            if args.enqueue_only {
                "`hitem3d worker` makes them"
            } else {
                "working on them with the fleet"
            }
        ),
    );
    if args.enqueue_only {
        return Ok(Exit::Done);
    }
    let end = work(&session, &queue, &args.output.output, args.slots, report).await?;
    if let Some((reason, _)) = &end.stopped_by {
        report.note(&format!(
            "This process stopped claiming inputs: {}. The inputs it handed back return to the \
             queue for any worker once their claims run out; run the batch again, or start a \
             worker, when that is fixed.",
            reason.trim_end_matches('.')
        ));
    }
    // The fleet may have done some of this batch's inputs: the queue says how each ended.
    let items = queue.items().await?;
    for (job, queued) in jobs.iter().zip(&inputs) {
        let Some(item) = items.iter().find(|item| item.queued.key == queued.key) else {
            continue;
        };
        let mine = end
            .worked
            .iter()
            .rev()
            .find(|done| done.input == queued.input);
        let (result, exit) = match item.state {
            ItemState::Saved => ("saved", Exit::Done),
            ItemState::Unknown => ("unknown", Exit::OutcomeUnknown),
            ItemState::Failed => ("failed", mine.map_or(Exit::Other, |done| done.exit)),
            ItemState::Pending => (
                "waiting",
                end.stopped_by
                    .as_ref()
                    .map_or(Exit::Balance, |(_, exit)| *exit),
            ),
            ItemState::Claimed => ("unfinished", mine.map_or(Exit::Other, |done| done.exit)),
        };
        let detail = match (mine, item.state) {
            (Some(done), _) => done.detail.clone(),
            (None, ItemState::Saved) => format!(
                "saved by worker {}",
                item.worker.as_ref().map_or("?", |worker| worker.as_str())
            ),
            (None, ItemState::Pending) => match &end.stopped_by {
                Some(_) => {
                    "waits in the queue for a worker (this process stopped claiming)".to_owned()
                }
                None => "waits in the queue: the fleet's credit limit is reached (--max-credits)"
                    .to_owned(),
            },
            (None, _) => item.note.clone().unwrap_or_default(),
        };
        let task_id = item.task_id.as_ref().map(ToString::to_string);
        if mine.is_none() {
            // What the fleet did with it (this process reported its own as they ended).
            report.emit(
                "input_finished",
                json!({"input": queued.input, "result": result, "detail": detail,
                       "task_id": task_id, "exit_code": exit.code(), "here": false}),
                "",
            );
        }
        outcomes.push(Outcome {
            input: job.input.clone(),
            result,
            detail,
            task_id,
            exit,
        });
    }
    Ok(summary(outcomes, report))
}

/// One input's generate, reported on its own line; with its journal key, to start the next
/// input of the same task.
async fn generate(
    client: Client,
    job: Job,
    options: GenerateOptions,
    mut live: Live,
    audience: Audience,
) -> (JournalKey, Outcome) {
    let key = job.key.clone();
    let mut resumed = false;
    let generated = client
        .generate_with(job.task, options, |step| {
            resumed |= matches!(step, GenerateProgress::Resumed { .. });
            live.on_generate(&step);
        })
        .await;
    live.finish();
    let outcome = match generated {
        Ok(generated) => Outcome {
            input: job.input,
            result: match (generated.model.summary.by_another_run, resumed) {
                (true, _) => "saved by another run",
                (false, true) => "resumed",
                (false, false) => "saved",
            },
            detail: generated.model.path.display().to_string(),
            task_id: Some(generated.task_id.to_string()),
            exit: Exit::Done,
        },
        // Found before anything was sent: batch has no --name, so only two ways out.
        Err(hitem3d_async::Error::PathTaken { path }) => Outcome {
            input: job.input,
            result: "exists",
            detail: format!(
                "{} exists: give --force to replace it, or another -o (nothing was sent or \
                 paid)",
                path.display()
            ),
            task_id: None,
            exit: Exit::Invalid,
        },
        Err(error) => {
            let task_id = error.task_id().map(ToString::to_string);
            let failure = Failure::worded(&error, audience).of_paid_step(&error);
            Outcome {
                input: job.input,
                result: "failed",
                detail: failure
                    .message
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                task_id,
                exit: failure.exit,
            }
        }
    };
    (key, outcome)
}

/// The pictures the inputs name (a folder's by their extension, sorted), and the folders' other
/// files, which are skipped and said so (hidden files left out of both).
fn collect(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Failure> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|error| {
                Failure::invalid(format!(
                    "cannot read the folder {}: {}",
                    input.display(),
                    wording::io_problem(&error)
                ))
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file() && !is_hidden(path))
                .collect();
            found.sort();
            let (pictures, others): (Vec<PathBuf>, Vec<PathBuf>) =
                found.into_iter().partition(|path| is_picture_name(path));
            files.extend(pictures);
            skipped.extend(others);
        } else {
            files.push(input.clone());
        }
    }
    if files.is_empty() {
        return Err(Failure::invalid(format!(
            "no pictures ({}) in {}",
            PICTURE_EXTENSIONS.join(", "),
            inputs
                .iter()
                .map(|input| input.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok((files, skipped))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'))
}

fn is_picture_name(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            PICTURE_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
        })
}

/// The task, journal key and a file stem no other input of this batch has.
async fn prepare(
    path: &Path,
    args: &BatchArgs,
    stems: &mut HashSet<String>,
) -> Result<(SubmitTask, JournalKey, String), Failure> {
    let picture = pictures::read(None, path).await?;
    let pictures = [picture];
    let task = task_spec::build(&pictures, &args.model)?;
    let key = task_spec::journal_key(&pictures, &args.model).await?;
    let base = pictures::default_stem(&pictures);
    let mut stem = base.clone();
    let mut n = 1;
    while !stems.insert(stem.clone()) {
        n += 1;
        stem = format!("{base}-{n}");
    }
    Ok((task, key, stem))
}

/// The outcome of an input whose task the journal has saved under this input's name, still
/// there.
async fn done_earlier(journal: &Journal, job: &Job) -> Result<Option<Outcome>, Failure> {
    Ok(saved_at(journal, &job.key, &job.model_path)
        .await?
        .map(|entry| Outcome {
            input: job.input.clone(),
            result: "done earlier",
            detail: job.model_path.display().to_string(),
            task_id: entry.task_id.as_ref().map(ToString::to_string),
            exit: Exit::Done,
        }))
}

/// The table of results, and the exit code of the worst.
fn summary(mut outcomes: Vec<Outcome>, report: Report) -> Exit {
    outcomes.sort_by(|a, b| a.input.cmp(&b.input));
    // Refused credentials end every input alike (one login was tried, nothing was sent after
    // it): the reason is said once.
    let mut refused = false;
    for outcome in &mut outcomes {
        if outcome.exit == Exit::Auth {
            if refused {
                outcome.result = "not made";
                outcome.detail = "the credentials were refused (see above)".to_owned();
            }
            refused = true;
        }
    }
    let worst = outcomes
        .iter()
        .fold(Exit::Done, |worst, outcome| worst.worst(outcome.exit))
        .of_run(outcomes.iter().any(Outcome::paid_here));
    let failed = outcomes.iter().filter(|o| o.exit != Exit::Done).count();
    if !report.is_json() {
        let width = outcomes
            .iter()
            .map(|o| o.input.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let mut table = format!("{:<width$}  {:<12}  {}", "INPUT", "RESULT", "FILE OR ERROR");
        for outcome in &outcomes {
            table.push_str(&format!(
                "\n{:<width$}  {:<12}  {}{}",
                outcome.input,
                outcome.result,
                outcome.detail,
                outcome
                    .task_id
                    .as_ref()
                    .map_or_else(String::new, |id| format!(" (task {id})"))
            ));
        }
        table.push_str(&format!(
            "\n{}: {} finished, {failed} failed",
            wording::inputs(outcomes.len()),
            outcomes.len() - failed
        ));
        report.text(&table);
    }
    report.emit(
        "batch_finished",
        json!({"inputs": outcomes.len(), "failed": failed, "exit_code": worst.code()}),
        "",
    );
    worst
}
