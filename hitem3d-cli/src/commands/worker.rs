//! `hitem3d worker`: runs what the queue holds (the journal file's, or a fleet's with
//! `--queue`), beside any number of other workers; and the same loop for `batch --queue`. Every decision (when to claim, renew, stop) is the
//! SDK's fleet worker; this file runs the queue calls and the inputs' jobs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hitem3d_async::journal::{Claim, ClaimStart, ItemOutcome, JobEnd, WorkerId};
use hitem3d_async::{
    Client, FleetWorker, GenerateOptions, TaskSource, Timestamp, WorkerPolicy, WorkerStep,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::task::{AbortHandle, JoinSet};

use crate::audience::Audience;
use crate::cli::{FleetArgs, ModelArgs, WorkerArgs};
use crate::exit_code::{Exit, Failure};
use crate::pictures;
use crate::queue_access::Queue;
use crate::report::Report;
use crate::session::{Connect, Session, connect};
use crate::task_spec;
use crate::wording;

/// How long a worker's claim holds without a heartbeat: `HITEM3D_LEASE_SECONDS`, else 30 s.
const LEASE_VAR: &str = "HITEM3D_LEASE_SECONDS";

/// What `batch --queue` writes beside each input, for whichever worker claims it.
#[derive(Debug, Serialize, Deserialize)]
pub struct QueuedOptions {
    /// The model and its options.
    pub model: ModelArgs,
    /// The file name's stem, unique in its batch.
    pub stem: String,
    /// Whether to save the cover too.
    pub cover: bool,
}

/// How one claimed input ended here.
#[derive(Debug)]
pub struct Worked {
    /// The input.
    pub input: String,
    /// "saved", "failed", "handed over" (its claim was lost to another worker) or "handed
    /// back" (a failure that was not the input's stopped this worker).
    pub result: &'static str,
    /// The file, or the error.
    pub detail: String,
    /// Its task, when one is known.
    pub task_id: Option<String>,
    /// The exit code it stands for.
    pub exit: Exit,
    /// For an input handed back: the failure, not the input's, that stopped this worker.
    pub stopped_by: Option<String>,
}

/// What a worker did, and what stopped it early, if anything did.
#[derive(Debug, Default)]
pub struct WorkEnd {
    /// Each input it ran, as it ended.
    pub worked: Vec<Worked>,
    /// The first failure that was not its input's, in this tool's words, and its exit code:
    /// no input was claimed after it.
    pub stopped_by: Option<(String, Exit)>,
}

/// Runs `hitem3d worker`.
pub async fn run(args: WorkerArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    let how = Connect {
        slots: Some(args.slots.max(1)),
        works_queue: true,
        ..how.clone()
    };
    let session = connect(&how, report).await?;
    refuse_queue_on_builtin_mock(&session, &how, "a worker")?;
    let queue = fleet_queue(&session, &args.fleet).await?;
    let end = work(&session, &queue, &args.output, args.slots, report).await?;
    let paid_for_a_task = end.worked.iter().any(|done| done.task_id.is_some());
    let mut worst = end
        .worked
        .iter()
        .fold(Exit::Done, |worst, done| worst.worst(done.exit))
        .of_run(paid_for_a_task);
    let queue_words = if queue.is_fleet() { " --queue …" } else { "" };
    if let Some((reason, exit)) = &end.stopped_by {
        worst = worst.worst(*exit).of_run(paid_for_a_task);
        report.emit(
            "worker_finished",
            json!({"inputs": end.worked.len(), "stopped_by": reason, "exit_code": worst.code()}),
            &format!(
                "This worker ran {} and stopped claiming: {}. The inputs it handed back \
                 return to the queue for any worker once their claims run out; start this one \
                 again when that is fixed (`hitem3d tasks{queue_words}` shows the queue).",
                wording::inputs(end.worked.len()),
                reason.trim_end_matches('.'),
            ),
        );
        return Ok(worst);
    }
    let waiting = waiting_for_credits(&queue).await?;
    if waiting > 0 {
        worst = worst.worst(Exit::Balance);
    }
    report.emit(
        "worker_finished",
        json!({"inputs": end.worked.len(), "waiting_for_credits": waiting, "exit_code": worst.code()}),
        &format!(
            "This worker ran {}; {} (`hitem3d tasks{queue_words}` shows them all).",
            wording::inputs(end.worked.len()),
            if waiting > 0 {
                format!(
                    "{waiting} wait in the queue because the fleet's credit limit is reached: \
                     raise it with --max-credits and start a worker again"
                )
            } else {
                "the queue has nothing left to claim".to_owned()
            },
        ),
    );
    Ok(worst)
}

/// On the built-in mock (no credentials) without `--queue`, the queue would be in memory and
/// gone with this process, with tasks no other process can see: `what` is refused before
/// anything is read, with what to run instead.
///
/// # Errors
/// The session is on the built-in mock and no fleet's queue was given.
pub fn refuse_queue_on_builtin_mock(
    session: &Session,
    how: &Connect,
    what: &str,
) -> Result<(), Failure> {
    if session.on_mock() && how.queue.is_none() {
        return Err(Failure::invalid(format!(
            "{what} needs a queue that outlives this process, and the built-in mock (used \
             because HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET are not set) ends with it: set \
             the credentials, or start `hitem3d mock` in another terminal and point \
             HITEM3D_BASE_URL and the credentials it prints at it (nothing was sent or paid)"
        )));
    }
    Ok(())
}

/// Inputs still pending once a worker stopped: the credit limit left them waiting.
///
/// # Errors
/// The queue cannot be read.
pub async fn waiting_for_credits(queue: &Queue) -> Result<usize, Failure> {
    Ok(queue
        .items()
        .await?
        .iter()
        .filter(|item| item.state == hitem3d_async::journal::ItemState::Pending)
        .count())
}

/// The queue beside `session`'s journal (its file, or the fleet's database), its task limit
/// and credit limit set if asked.
///
/// # Errors
/// A limit is invalid or cannot be written.
pub async fn fleet_queue(session: &Session, fleet: &FleetArgs) -> Result<Queue, Failure> {
    let queue = session.journal.queue();
    if let Some(limit) = fleet.task_limit {
        if limit == 0 {
            return Err(Failure::invalid("--task-limit must be at least 1"));
        }
        queue.set_task_limit(limit).await?;
    }
    if let Some(max) = fleet.max_credits {
        session.journal.set_max_credits(max).await?;
    }
    Ok(queue)
}

/// Claims and runs inputs until the queue has nothing left to claim and nothing runs here, or
/// a failure that is not its input's (refused credentials, too few credits, an output folder
/// that takes no file, a service or network that keeps failing) stops the claims.
///
/// # Errors
/// The lease setting cannot be read, or the service refuses the credentials (before any
/// claim).
pub async fn work(
    session: &Session,
    queue: &Queue,
    output: &Path,
    slots: usize,
    report: Report,
) -> Result<WorkEnd, Failure> {
    let policy = WorkerPolicy::with_lease(slots, lease()?);
    credentials_accepted(session).await?;
    let me = worker_id();
    let epoch = Instant::now();
    let now = || Timestamp::from_elapsed(epoch.elapsed());
    let mut machine = FleetWorker::new(policy, now());
    let mut jobs: JoinSet<(u64, JobEnd, Worked)> = JoinSet::new();
    let mut running: HashMap<u64, AbortHandle> = HashMap::new();
    let mut end = WorkEnd::default();
    loop {
        match machine.next(now()) {
            WorkerStep::Claim => {
                let answer = queue.claim(&me, policy.lease).await;
                machine.on_claim(answer, now());
            }
            WorkerStep::Start(claim) => {
                let item = claim.item;
                let job = run_claim(session.client.clone(), claim, output.to_path_buf());
                running.insert(item, jobs.spawn(job));
            }
            WorkerStep::Heartbeat(claims) => {
                let answer = queue.heartbeat(&claims, policy.lease).await;
                machine.on_heartbeat(answer, now());
            }
            WorkerStep::Abort(claim) => {
                if let Some(job) = running.remove(&claim.item) {
                    job.abort();
                }
                let done = Worked {
                    input: claim.queued.input.clone(),
                    result: "handed over",
                    detail: "this worker's lease ran out and another worker took it over"
                        .to_owned(),
                    task_id: None,
                    exit: Exit::Done,
                    stopped_by: None,
                };
                emit(report, &done);
                end.worked.push(done);
            }
            WorkerStep::Finish(claim, outcome) => {
                if let Err(error) = queue.finish(&claim, &outcome).await {
                    // The claim runs out and the next claim reads the journal instead.
                    report.note(&format!(
                        "{}: its end could not be written to the queue ({error}); the next \
                         worker to claim it finds the journal's record",
                        claim.queued.input
                    ));
                }
            }
            WorkerStep::Wait { until } => {
                let deadline = epoch + until.elapsed();
                tokio::select! {
                    Some(joined) = jobs.join_next(), if !jobs.is_empty() => {
                        // An aborted job ends as cancelled: it was handed over above.
                        if let Ok((item, job_end, done)) = joined {
                            running.remove(&item);
                            let halts = matches!(job_end, JobEnd::Halt(_));
                            machine.on_job_ended(item, job_end, now());
                            if halts && end.stopped_by.is_none() {
                                let reason = done.stopped_by.clone().unwrap_or_default();
                                end.stopped_by = Some((reason, done.exit));
                            }
                            emit(report, &done);
                            end.worked.push(done);
                        }
                    }
                    () = tokio::time::sleep_until(deadline.into()) => {}
                }
            }
            WorkerStep::Stop => return Ok(end),
        }
    }
}

/// Before the first claim: credentials the service refuses would only claim inputs to hand
/// them back. Any other answer (the service busy, say) is left to the claims' own jobs.
///
/// # Errors
/// The service refused the credentials.
async fn credentials_accepted(session: &Session) -> Result<(), Failure> {
    match session.client.balance().await {
        Err(error) if error.is_auth() => {
            let failure = Failure::from(error);
            Err(Failure {
                message: format!(
                    "{}\nNo input was claimed, and nothing was paid.",
                    failure.message
                ),
                exit: failure.exit,
            })
        }
        _ => Ok(()),
    }
}

/// One claimed input: its generate, or the save of the task an earlier worker paid for.
async fn run_claim(client: Client, claim: Claim, output: PathBuf) -> (u64, JobEnd, Worked) {
    let item = claim.item;
    let input = claim.queued.input.clone();
    let options: QueuedOptions = match serde_json::from_str(&claim.queued.options) {
        Ok(options) => options,
        Err(error) => {
            let failure = Failure::invalid(format!(
                "its queued options cannot be read by this version: {error}"
            ));
            let end = JobEnd::Outcome(ItemOutcome::Failed(failure.message.clone()));
            return (item, end.clone(), reported(input, &end, &failure, None));
        }
    };
    let save = GenerateOptions::new(&output)
        .with_file_stem(&options.stem)
        .with_cover(options.cover)
        .with_overwrite(claim.start.replaces_its_own_file())
        .with_journal_key(claim.queued.key.clone());
    let source = match &claim.start {
        ClaimStart::Resume(task_id) => {
            TaskSource::existing(task_id.clone(), Some(options.model.format.clone()))
        }
        ClaimStart::Submit => match task_of(&claim.queued.input, &options.model).await {
            Ok(task) => TaskSource::from(task),
            Err(failure) => {
                let (end, failure) = unreadable(&claim.queued.input, failure).await;
                return (item, end.clone(), reported(input, &end, &failure, None));
            }
        },
    };
    let generated = client.generate(source, save).await;
    let mut end = JobEnd::of(&generated);
    match generated {
        Ok(generated) => {
            let worked = Worked {
                input,
                result: "saved",
                detail: generated.model.path.display().to_string(),
                task_id: Some(generated.task_id.to_string()),
                exit: Exit::Done,
                stopped_by: None,
            };
            (item, end, worked)
        }
        Err(error) => {
            let task_id = error.task_id().map(ToString::to_string);
            let failure = match &error {
                // A worker has no --force or --name: say what a person can do.
                hitem3d_async::Error::PathTaken { path } => Failure::invalid(format!(
                    "{} exists and a worker replaces nothing: move it away, then start a \
                     worker again (nothing was sent or paid)",
                    path.display()
                )),
                _ => Failure::worded(&error, Audience::COMMAND_LINE).of_paid_step(&error),
            };
            let first = first_line(&failure.message);
            // The queue keeps the reason in this tool's words, which `tasks --queue` shows.
            if let JobEnd::Outcome(ItemOutcome::Failed(reason)) = &mut end {
                reason.clone_from(&first);
            }
            let failure = Failure {
                message: first,
                exit: failure.exit,
            };
            let worked = reported(input, &end, &failure, task_id);
            (item, end, worked)
        }
    }
}

/// How an input that could not be read here ends: its own failure, or a halt when this
/// machine does not see its folder at all (a share not mounted), said so.
async fn unreadable(input: &str, failure: Failure) -> (JobEnd, Failure) {
    let folder = Path::new(input)
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty());
    let folder_seen = match folder {
        Some(folder) => tokio::fs::metadata(folder)
            .await
            .is_ok_and(|metadata| metadata.is_dir()),
        None => true,
    };
    let end = JobEnd::unreadable_input(failure.message.clone(), folder_seen);
    let failure = match (&end, folder) {
        (JobEnd::Halt(_), Some(folder)) => Failure {
            message: format!(
                "{} is not a folder on this machine (a share not mounted here?), so none of \
                 the pictures queued from it can be read",
                folder.display()
            ),
            exit: failure.exit,
        },
        _ => failure,
    };
    (end, failure)
}

/// The line an input's end is reported with: a handed-back input says what becomes of it.
fn reported(input: String, end: &JobEnd, failure: &Failure, task_id: Option<String>) -> Worked {
    let JobEnd::Halt(halted) = end else {
        return Worked {
            input,
            result: "failed",
            detail: failure.message.clone(),
            task_id,
            exit: failure.exit,
            stopped_by: None,
        };
    };
    let what_next = match &halted.paid_task {
        Some(task) => format!(
            "its task {task} is paid for and kept in the journal: the worker that claims it \
             next saves it without paying again"
        ),
        None => "nothing was paid for it".to_owned(),
    };
    let reason = failure.message.trim_end_matches('.').to_owned();
    Worked {
        input,
        result: "handed back",
        detail: format!(
            "{reason}. It goes back to the queue once this worker's claim runs out; {what_next}."
        ),
        task_id,
        exit: failure.exit,
        stopped_by: Some(reason),
    }
}

/// The first line of a message.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

async fn task_of(input: &str, model: &ModelArgs) -> Result<hitem3d_async::SubmitTask, Failure> {
    let picture = pictures::read(None, Path::new(input)).await?;
    Ok(task_spec::build(&[picture], model)?)
}

fn emit(report: Report, done: &Worked) {
    report.emit(
        "input_finished",
        json!({"input": done.input, "result": done.result, "detail": done.detail,
               "task_id": done.task_id, "exit_code": done.exit.code(), "here": true}),
        &format!("{}: {} {}", done.input, done.result, done.detail),
    );
}

/// This worker's name in the queue: the machine's and the process's.
fn worker_id() -> WorkerId {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    WorkerId::new(format!("{host}:{}", std::process::id()))
}

fn lease() -> Result<Duration, Failure> {
    let Some(value) = std::env::var(LEASE_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        return Ok(Duration::from_secs(30));
    };
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| *seconds >= 1.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            Failure::invalid(format!(
                "{LEASE_VAR}={value:?}: give the seconds a claim holds without a heartbeat, \
                 1 or more, such as 30"
            ))
        })
}
