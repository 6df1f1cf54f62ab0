//! SDK errors in the command line's words: flags and arguments instead of Rust methods.

use hitem3d_async::{CallError, Error, TransportFailure, WaitOutcome};
use hitem3d_async::{Remedy, SubmitField, Violation};

/// The message for an SDK error, with what to do next where the command line can say it.
pub fn error(error: &Error) -> String {
    let mut message = match error {
        Error::Invalid(invalid) => {
            let count = invalid.violations().len();
            let mut text = format!(
                "nothing was sent or charged: {count} problem{} with the task",
                if count == 1 { "" } else { "s" }
            );
            for violation in invalid.violations() {
                text.push_str("\n  - ");
                text.push_str(&violation_line(violation));
            }
            text
        }
        Error::Unrecorded(unrecorded) => return unrecorded_task(unrecorded),
        Error::PathTaken { path } => format!(
            "{} exists: give --force to replace it, or another --name or -o (nothing was sent \
             or paid)",
            path.display()
        ),
        Error::NotSaved { task_id, source } => format!(
            "task {task_id} is paid for and finished, but its file was not saved: {}",
            match &**source {
                Error::File { path, source, .. }
                    if source.kind() == std::io::ErrorKind::AlreadyExists =>
                {
                    format!(
                        "{} was taken meanwhile by a file that is not this task's (nothing was \
                         replaced); move that file away",
                        path.display()
                    )
                }
                // The same words as on its own (a file error adds no hint).
                other => self::error(other),
            }
        ),
        Error::File { path, source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
            format!(
                "{} exists: give --force to replace it, or another --name or -o",
                path.display()
            )
        }
        Error::File {
            action,
            path,
            source,
        } => format!(
            "could not {action} {}: {}",
            path.display(),
            io_problem(source)
        ),
        Error::Call(CallError::Api {
            operation,
            attempts,
            source,
            ..
        }) => format!("{operation} failed{}: {source}", tries(*attempts)),
        Error::Call(CallError::Transport {
            operation,
            attempts,
            failure,
            ..
        }) if !failure.is_refused() => format!(
            "{operation} got no answer{}: {}; check HITEM3D_BASE_URL and the network, or try \
             again later",
            tries(*attempts),
            innermost_cause(failure)
        ),
        other => other.to_string(),
    };
    if let Some(task_id) = error.task_left_at_service() {
        message.push_str(&format!(
            "\ntask {task_id} is still at the service: `hitem3d wait {task_id}` or \
             `hitem3d download {task_id}` picks it up without paying again"
        ));
    }
    message
}

/// A task the journal missed: its id first, since it may be the only record of it.
fn unrecorded_task(unrecorded: &hitem3d_async::journal::Unrecorded) -> String {
    let task_id = &unrecorded.task_id;
    let mut text = format!(
        "task {task_id} was submitted and may be charged, but the task journal could not record \
         {} (tried for {} s): {}",
        unrecorded.missed,
        unrecorded.retried_for.as_secs(),
        unrecorded.source
    );
    for path in &unrecorded.saved {
        text.push_str(&format!("\nsaved anyway: {}", path.display()));
    }
    if let Some(also) = &unrecorded.also {
        text.push_str(&format!("\nthe task also ended badly: {}", error(also)));
    }
    text.push_str(&format!(
        "\nkeep this task id: `hitem3d download {task_id}` fetches its result again \
         without paying; the journal, and so `hitem3d tasks`, lacks {} (check the disk, and \
         that no other program holds the journal file)",
        unrecorded.missed
    ));
    text
}

/// One problem: the argument, its value, the rule, and the fix as a flag to change.
fn violation_line(violation: &Violation) -> String {
    format!(
        "{} ({}): {}; {}",
        argument(violation.field),
        violation.value,
        violation.rule,
        fix(violation.field, violation.remedy)
    )
}

/// The argument or flag that sets a field.
fn argument(field: SubmitField) -> String {
    match field {
        SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl => "IMAGE".to_owned(),
        SubmitField::MultiImages => "the views (IMAGE, --back, --left, --right)".to_owned(),
        SubmitField::Mesh => "MESH".to_owned(),
        SubmitField::ModelType => "--model".to_owned(),
        // The wire's names where the command line's flags differ; a setting no flag sets is
        // named as a setting, never as a flag the command line does not have.
        SubmitField::Setting(name) => match name {
            "number_color" => "--colors".to_owned(),
            "part" => "--parts".to_owned(),
            "seg_level" | "level" => "--level".to_owned(),
            "joint" => "--joint".to_owned(),
            other => format!("the {} setting", other.replace('_', " ")),
        },
        other => format!("--{}", other.as_str().replace('_', "-")),
    }
}

/// What to change, in the command line's terms: the SDK says it as data.
fn fix(field: SubmitField, remedy: Remedy) -> String {
    match (field, remedy) {
        (_, Remedy::ReplaceFile) => format!(
            "give {} as another file (not empty, within the size limit, of a type taken)",
            argument(field)
        ),
        (SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl, _) => {
            "give one picture: hitem3d generate photo.png".to_owned()
        }
        (SubmitField::MultiImages, Remedy::KeepOne) => "give each view once".to_owned(),
        (SubmitField::MultiImages, Remedy::Distinct) => {
            "give each view a picture of its own side".to_owned()
        }
        (SubmitField::MultiImages, _) => "give the front view as IMAGE (the first argument), and \
                                          the others with --back, --left and --right"
            .to_owned(),
        (SubmitField::RequestType, _) => {
            "use --request-type geometry, or texture with --mesh-url".to_owned()
        }
        (SubmitField::Mesh | SubmitField::MeshUrl, Remedy::KeepOne) => {
            "give the mesh once, as a file or a URL".to_owned()
        }
        (SubmitField::Mesh | SubmitField::MeshUrl, _) => {
            "give the mesh as a file or an http(s) URL".to_owned()
        }
        (other, Remedy::Add) => format!("add {}", argument(other)),
        (other, Remedy::Remove) => format!("drop {}", argument(other)),
        (other, Remedy::KeepOne) => format!("give {} once", argument(other)),
        (other, _) => format!("change {}", argument(other)),
    }
}

/// The state of a finished wait, for people.
pub fn finished(outcome: &WaitOutcome) -> String {
    format!(
        "task {} finished ({} after {} status check{})",
        outcome.task_id,
        outcome.last_state.as_str(),
        outcome.polls,
        if outcome.polls == 1 { "" } else { "s" }
    )
}

/// "1 input", "3 inputs".
pub fn inputs(count: usize) -> String {
    if count == 1 {
        "1 input".to_owned()
    } else {
        format!("{count} inputs")
    }
}

/// A file error in words, without the system's error number ("(os error 2)") that means
/// nothing to a reader.
pub fn io_problem(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    }
}

/// " after N attempts" when a call was tried more than once.
fn tries(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// What went wrong with a connection, in its innermost and plainest words: the transports'
/// chains ("error sending request …: client error (Connect): tcp connect error: Connection
/// refused (os error 111)") say it last.
fn innermost_cause(failure: &TransportFailure) -> String {
    let message = failure.message();
    let cause = message.rsplit(": ").next().unwrap_or(message);
    let cause = match cause.rfind(" (os error ") {
        Some(at) if cause.ends_with(')') => &cause[..at],
        _ => cause,
    };
    let timing = if failure.is_timeout() {
        "timed out"
    } else {
        "failed"
    };
    format!("the connection {timing} ({})", cause.to_lowercase())
}
