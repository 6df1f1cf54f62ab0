//! SDK errors in the command line's words: flags and arguments instead of Rust methods.

use hitem3d_async::{CallError, Error, TransportFailure, WaitOutcome};
use hitem3d_async::{Remedy, SubmitField, Violation};

use crate::audience::{Audience, Reader};

/// The message for an SDK error, with what to do next where the command line can say it.
pub fn error(error: &Error) -> String {
    error_for(error, Audience::COMMAND_LINE)
}

/// The message for an SDK error in `audience`'s terms, with what to do next.
pub fn error_for(error: &Error, audience: Audience) -> String {
    let mut message = match error {
        Error::Invalid(invalid) => {
            let count = invalid.violations().len();
            let mut text = format!(
                "nothing was sent or charged: {count} problem{} with the task",
                if count == 1 { "" } else { "s" }
            );
            for violation in invalid.violations() {
                text.push_str("\n  - ");
                text.push_str(&violation_line(violation, audience));
            }
            text
        }
        Error::Unrecorded(unrecorded) => return unrecorded_task(unrecorded, audience),
        Error::PathTaken { path } => format!(
            "{} exists: {} (nothing was sent or paid)",
            path.display(),
            audience.another_name()
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
                other => error_for(other, audience),
            }
        ),
        Error::File { path, source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
            format!("{} exists: {}", path.display(), audience.another_name())
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
        message.push_str(&match audience.fetch_later(task_id) {
            Some(how) => format!("\ntask {task_id} is still at the service: {how}"),
            None => format!(
                "\ntask {task_id} ends with this run: the built-in mock keeps nothing after it"
            ),
        });
    }
    message
}

/// A task the journal missed: its id first, since it may be the only record of it.
fn unrecorded_task(unrecorded: &hitem3d_async::journal::Unrecorded, audience: Audience) -> String {
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
        text.push_str(&format!(
            "\nthe task also ended badly: {}",
            error_for(also, audience)
        ));
    }
    let fetch = audience.fetch_later(task_id).map_or_else(
        || "it ends with this run on the built-in mock".to_owned(),
        |how| format!("{how}; keep this task id"),
    );
    let listing = match audience.reader {
        Reader::CommandLine => "the journal, and so `hitem3d tasks`,",
        Reader::Agent => "the journal",
    };
    text.push_str(&format!(
        "\n{fetch}; {listing} lacks {} (check the disk, and that no other program holds the \
         journal file)",
        unrecorded.missed
    ));
    text
}

/// One problem: the argument, its value, the rule, and the fix as an argument to change.
fn violation_line(violation: &Violation, audience: Audience) -> String {
    format!(
        "{} ({}): {}; {}",
        audience.argument(violation.field),
        violation.value,
        violation.rule,
        fix(violation.field, violation.remedy, audience)
    )
}

/// What to change, in the reader's terms: the SDK says it as data.
fn fix(field: SubmitField, remedy: Remedy, audience: Audience) -> String {
    let argument = |field| audience.argument(field);
    let agent = audience.reader == Reader::Agent;
    match (field, remedy) {
        (_, Remedy::ReplaceFile) => format!(
            "give {} as another file (not empty, within the size limit, of a type taken)",
            argument(field)
        ),
        (SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl, _) if agent => {
            "give one picture as image".to_owned()
        }
        (SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl, _) => {
            "give one picture: hitem3d generate photo.png".to_owned()
        }
        (SubmitField::MultiImages, Remedy::KeepOne) => "give each view once".to_owned(),
        (SubmitField::MultiImages, Remedy::Distinct) => {
            "give each view a picture of its own side".to_owned()
        }
        (SubmitField::MultiImages, _) if agent => {
            "give the front view as image, and the others as back, left and right".to_owned()
        }
        (SubmitField::MultiImages, _) => "give the front view as IMAGE (the first argument), and \
                                          the others with --back, --left and --right"
            .to_owned(),
        (SubmitField::RequestType, _) if agent => "change request_type".to_owned(),
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

#[cfg(test)]
mod tests {
    use std::io;

    use hitem3d_async::types::TaskId;

    use super::*;

    fn unsaved() -> Error {
        Error::NotSaved {
            task_id: TaskId::new("abc"),
            source: Box::new(Error::File {
                action: "write",
                path: "out/chair.glb".into(),
                source: io::Error::from(io::ErrorKind::StorageFull),
            }),
        }
    }

    #[test]
    fn a_task_at_a_service_that_keeps_it_is_picked_up_by_a_later_command() {
        let message = error(&unsaved());
        assert!(
            message.contains("`hitem3d wait abc` or `hitem3d download abc`"),
            "{message}"
        );
    }

    /// The built-in mock's tasks end with the process: a hint to pick one up later was false.
    #[test]
    fn on_the_built_in_mock_no_later_command_is_promised_the_task() {
        for reader in [Reader::CommandLine, Reader::Agent] {
            let message = error_for(&unsaved(), Audience::new(reader, true));
            assert!(!message.contains("hitem3d wait"), "{message}");
            assert!(!message.contains("download"), "{message}");
            assert!(
                message.contains("task abc ends with this run: the built-in mock keeps nothing"),
                "{message}"
            );
        }
    }

    /// An agent calls tools with arguments: it has no flags and runs no commands.
    #[test]
    fn an_agent_is_told_tools_and_arguments_never_flags_or_commands() {
        let agent = Audience::new(Reader::Agent, false);
        let message = error_for(&unsaved(), agent);
        assert!(
            message.contains("the download tool with task_id abc"),
            "{message}"
        );
        let taken = error_for(
            &Error::PathTaken {
                path: "out/chair.glb".into(),
            },
            agent,
        );
        assert!(taken.contains("another name or output_dir"), "{taken}");
        for message in [message, taken] {
            assert!(!message.contains("--"), "{message}");
            assert!(!message.contains("hitem3d "), "{message}");
        }
    }
}
