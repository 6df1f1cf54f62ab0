//! `hitem3d generate`: pictures in, a model file out, with live progress and a summary.

use std::time::Instant;

use hitem3d_async::journal::{JournalEntry, JournalKey};
use hitem3d_async::{GenerateOptions, Generated, NewTask};
use indicatif::HumanBytes;
use serde_json::json;

use crate::audience::Reader;
use crate::cli::GenerateArgs;
use crate::exit_code::{Exit, Failure};
use crate::pictures::{default_stem, pictures};
use crate::progress::Live;
use crate::report::Report;
use crate::saved_before::saved_at;
use crate::session::{Connect, Session, connect};
use crate::task_spec;

/// Runs `hitem3d generate`.
pub async fn run(args: GenerateArgs, how: &Connect, report: Report) -> Result<Exit, Failure> {
    // Everything that can be checked locally is, before connecting.
    let pictures = pictures(&args.pictures).await?;
    let task = task_spec::build(&pictures, &args.model)?;
    let mut key = task_spec::journal_key(&pictures, &args.model).await?;
    let stem = args.name.clone().unwrap_or_else(|| default_stem(&pictures));
    let session = connect(how, report).await?;
    if let Some(max) = args.max_credits {
        session.journal.set_max_credits(max).await?;
    }

    let options = GenerateOptions::new(&args.output.output)
        .with_file_stem(&stem)
        .with_cover(args.output.cover)
        .with_overwrite(args.output.force);
    let paths = options.predictable_paths(Some(task.format()), None);
    crate::stale_partials::remove_for(&paths, report);
    let model_path = paths[0].clone();
    if args.again {
        // A key of its own: this run pays, whatever the journal holds.
        key = JournalKey::new(format!("{key}#again-{}", unique_suffix()));
    } else if let Some(entry) = saved_at(&session.journal, &key, &model_path).await? {
        report_already_saved(&entry, report);
        return Ok(Exit::Done);
    }
    let options = options.with_journal_key(key);
    let model = task.model().to_string();
    let resolution = task.resolution().map(ToString::to_string);
    let views = task.images().count();
    // The task's own price: a difference of balances would count whatever else the account
    // paid for meanwhile.
    let price = NewTask::from(task.clone()).estimated_credits();

    let started = Instant::now();
    let mut live = Live::start(report, &format!("submitting {views} view(s) to {model}"));
    let generated = session
        .client
        .generate_with(task, options, |step| live.on_generate(&step))
        .await;
    live.finish();
    let generated = generated.map_err(|error| {
        let taken = matches!(error, hitem3d_async::Error::PathTaken { .. });
        let mut failure = session
            .failure(&error, Reader::CommandLine)
            .of_paid_step(&error);
        if taken && session.on_mock() {
            // A rerun elsewhere reports the file it made; here nothing remembers it.
            failure.message.push_str(
                "\nthe built-in mock keeps no journal, so this run cannot tell that an earlier \
                 one made the file; with credentials, or against `hitem3d mock`, a rerun reports \
                 the file instead",
            );
        }
        failure
    })?;
    summary(
        &generated,
        &model,
        resolution.as_deref(),
        price,
        &session,
        started,
        report,
    );
    Ok(Exit::Done)
}

fn report_already_saved(entry: &JournalEntry, report: Report) {
    let files: Vec<String> = entry
        .files
        .iter()
        .map(|file| file.display().to_string())
        .collect();
    let task = entry.task_id.as_ref().map_or("?", |id| id.as_str());
    report.emit(
        "already_saved",
        json!({"task_id": task, "files": files, "entry": entry.id.0}),
        &format!(
            "Already made from the same pictures and options by task {task}: {}\n  (nothing \
             paid; --again pays for a new one)",
            files.join(", ")
        ),
    );
}

fn summary(
    generated: &Generated,
    model: &str,
    resolution: Option<&str>,
    price: Option<u32>,
    session: &Session,
    started: Instant,
    report: Report,
) {
    let path = &generated.model.path;
    let format = path
        .extension()
        .map_or_else(|| "?".to_owned(), |ext| ext.to_string_lossy().into_owned());
    let took = started.elapsed().as_secs_f64();
    let by_another_run = generated.model.summary.by_another_run;
    let saved = if by_another_run {
        "Saved by another run working on the same task (paid once, nothing replaced):"
    } else {
        "Saved"
    };
    let mut text = format!(
        "{saved} {}\n  format      {format}\n  size        {}\n  model       {model}\n  \
         resolution  {}\n  task        {}",
        path.display(),
        HumanBytes(generated.model.bytes()),
        resolution.unwrap_or("(the model's default)"),
        generated.task_id
    );
    if let Some(cover) = &generated.cover {
        text.push_str(&format!("\n  cover       {}", cover.path.display()));
    }
    text.push_str(&format!("\n  took        {took:.1} s"));
    match price {
        Some(price) => text.push_str(&format!(
            "\n  credits     {price}, the published price of this model and resolution{}",
            if session.on_mock() {
                " (simulated: nothing charged)"
            } else {
                ""
            }
        )),
        None => text.push_str(
            "\n  credits     no published price for this model and resolution: the console's \
             billing page shows what was charged",
        ),
    }
    report.emit(
        "done",
        json!({
            "task_id": generated.task_id.as_str(),
            "path": path.display().to_string(),
            "bytes": generated.model.bytes(),
            "format": format,
            "model": model,
            "resolution": resolution,
            "cover": generated.cover.as_ref().map(|cover| cover.path.display().to_string()),
            "credits": price,
            "credits_source": price.map(|_| "published price"),
            "simulated": session.on_mock(),
            "seconds": took,
            "by_another_run": by_another_run,
        }),
        &text,
    );
}

/// A suffix that differs between runs, for `--again`.
fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos())
}
