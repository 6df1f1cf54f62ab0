//! What a person reads, for every refusal the command line can give: each validation error
//! provoked through the binary, and each documented service error answered by the mock at
//! each step. None may name Rust (`::`, `()`, "enum", `Some(`), a system error number
//! ("os error"), or a flag the command line does not have.

mod support;

use std::collections::BTreeSet;

use hitem3d_async::types::ApiErrorCode;
use hitem3d_mock::{Fault, Route};
use support::{Bench, Run};

/// Every flag the command line has, read from each command's help.
fn flags(bench: &Bench) -> BTreeSet<String> {
    let commands = bench.run(&["help"]).stdout;
    let names: Vec<String> = commands
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(names.len() > 10, "commands read from the help: {names:?}");
    let mut flags = BTreeSet::new();
    for name in names {
        let help = bench.run(&[&name, "--help"]).stdout;
        flags.extend(flag_names(&help));
    }
    flags
}

/// The `--flag` words of a text.
fn flag_names(text: &str) -> Vec<String> {
    text.match_indices("--")
        .filter(|(at, _)| {
            // "--" inside a word ("a--b") or a line of dashes is no flag.
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() && c != '-')
        })
        .map(|(at, _)| {
            let name: String = text[at + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!("--{name}")
        })
        .filter(|flag| flag.len() > 2)
        .collect()
}

/// Fails on words that are no words for a person.
#[track_caller]
fn assert_plain(run: &Run, flags: &BTreeSet<String>, case: &str) {
    let text = format!("{}{}", run.stdout, run.stderr);
    for wrong in [
        "::", "()", "enum", "os error", "Some(", "None)", "Error {", "{ ",
    ] {
        assert!(!text.contains(wrong), "{case}: {wrong:?} in\n{run}");
    }
    for flag in flag_names(&text) {
        assert!(
            flags.contains(&flag),
            "{case}: {flag} is not a flag of the command line, in\n{run}"
        );
    }
}

#[test]
fn every_refusal_before_sending_is_in_plain_words_naming_real_flags() {
    let bench = Bench::fast();
    let flags = flags(&bench);
    let front = bench.picture("front", "front.png");
    let front = front.to_str().unwrap();
    bench
        .run(&["generate", front, "-o", "out", "--name", "mesh"])
        .expect(0);
    std::fs::write(bench.path("moving.gif"), b"GIF89a\x01\x00\x01\x00").unwrap();
    std::fs::write(bench.path("notes.txt"), b"not a journal").unwrap();
    std::fs::create_dir_all(bench.path("folder")).unwrap();
    let cases: &[&[&str]] = &[
        &["generate", "moving.gif"],
        &["generate", "missing.png"],
        &["generate", "folder"],
        &[
            "generate",
            "moving.gif",
            "--back",
            "missing.png",
            "--left",
            "folder",
        ],
        &["generate", "--back", front],
        &[
            "generate",
            front,
            "--model",
            "hitem3dv2.1",
            "--resolution",
            "512",
            "--face",
            "5",
        ],
        &[
            "generate", front, "--model", "hi3dv3.0", "--face", "99000000",
        ],
        &[
            "generate",
            front,
            "--model",
            "scene-portraitv2.0",
            "--request-type",
            "texture",
            "--mesh-url",
            "https://example.com/a.glb",
        ],
        &["generate", front, "--request-type", "texture"],
        &[
            "generate",
            front,
            "--request-type",
            "texture",
            "--mesh-url",
            "ftp://x/a.glb",
        ],
        &["generate", front, "--model", "hitem3dv9"],
        &["generate", front, "--format", "dwg"],
        // Another task's file is where this one's would go.
        &[
            "generate",
            front,
            "-o",
            "out",
            "--name",
            "mesh",
            "--model",
            "hitem3dv1.5",
        ],
        &["submit", front, "--resolution", "2048master"],
        &["estimate", "--model", "hi3dv3.0", "--resolution", "512"],
        &[
            "multicolor",
            "out/mesh.glb",
            "--colors",
            "999",
            "--format",
            "3mf",
        ],
        &["multicolor", front, "--format", "3mf"],
        &["split", "missing.glb"],
        // A character's settings for a general object were dropped unsaid, and it was paid.
        &["split", "out/mesh.glb", "--parts", "b"],
        &[
            "split",
            "out/mesh.glb",
            "--kind",
            "character",
            "--level",
            "high",
        ],
        &[
            "split",
            "out/mesh.glb",
            "--kind",
            "character",
            "--parts",
            "999",
        ],
        &["segment", "out/mesh.glb", "--level", "99"],
        &["relief", "moving.gif"],
        &["upload", "missing.glb"],
        &["upload", "moving.gif"],
        &["tasks", "--journal", "notes.txt"],
        &["forget", "no-such-task"],
        &["download", "no-such-task"],
        &["batch", "folder"],
    ];
    for args in cases {
        let run = bench.run(args);
        let case = args.join(" ");
        assert_ne!(run.code, 0, "{case} was refused:\n{run}");
        assert_plain(&run, &flags, &case);
    }
    // Every refusal came before anything was paid, except the first generate's.
    assert_eq!(bench.mock().counters().submit_requests, 1);
}

#[test]
fn every_documented_service_error_is_in_plain_words_naming_real_flags() {
    let flags = flags(&Bench::offline());
    for route in [Route::Token, Route::Submit, Route::Query] {
        let bench = Bench::fast();
        let pictures = bench.distinct_pictures(ApiErrorCode::KNOWN.len());
        for (code, bytes) in ApiErrorCode::KNOWN.iter().zip(pictures) {
            let picture = bench.path(&format!("{}.png", code.code()));
            std::fs::write(&picture, bytes).unwrap();
            bench.mock().inject(
                route,
                Fault::Envelope {
                    code: code.code(),
                    msg: code.documented_message().unwrap_or("?").to_owned(),
                },
            );
            let run = bench.run(&["generate", picture.to_str().unwrap(), "-o", "out"]);
            assert_plain(
                &run,
                &flags,
                &format!("{} on {}", code.code(), route.as_str()),
            );
        }
    }
}

/// A gateway's error page for a submit whose outcome is unknown: a line of it, not the page.
#[test]
fn a_gateways_page_is_summed_up_not_printed_whole() {
    let bench = Bench::fast();
    let flags = flags(&bench);
    let picture = bench.picture("front", "front.png");
    bench.mock().inject(Route::Submit, Fault::HtmlStatus(502));
    let run = bench.run(&["generate", picture.to_str().unwrap()]);
    assert_plain(&run, &flags, "502 on submit");
    for tag in ["<html", "<body", "<head", "</"] {
        assert!(!run.stderr.contains(tag), "{tag} in\n{run}");
    }
}
