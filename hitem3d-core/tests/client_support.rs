//! The pieces both clients share: configuration from the environment, the error type's
//! predicates, output paths, and seeds.

use hitem3d_core::machines::{TaskWaiter, WaitStep};
use std::collections::HashSet;
use std::path::Path;

use hitem3d_core::types::{ApiErrorCode, ErrorClass, OutputFormat, TaskData, TaskId};
use hitem3d_core::{
    CallError, ClientConfig, ClientCore, ConfigError, Error, GenerateOptions, Operation,
    ResultKind, SeedSequence, StopReason, TaskResult, Timestamp, TransportFailure, WaitError,
    WaitErrorKind, WaitPolicy, decode,
};

fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    }
}

#[test]
fn the_environment_names_credentials_either_way_and_the_first_name_wins() {
    let config = ClientConfig::from_lookup(env(&[
        ("HITEM3D_CLIENT_ID", "ak_primary"),
        ("HITEM3D_AK", "ak_other"),
        ("HITEM3D_SK", " sk_secret \n"),
    ]))
    .unwrap();
    assert_eq!(config.client_id.as_str(), "ak_primary");
    assert_eq!(config.client_secret.expose_secret(), "sk_secret", "trimmed");
    assert_eq!(config.task_slots, 10);
    assert!(
        !format!("{config:?}").contains("sk_secret"),
        "Debug hides the secret"
    );
}

#[test]
fn missing_or_blank_credentials_say_which_variables_to_set() {
    for pairs in [&[][..], &[("HITEM3D_CLIENT_SECRET", "  ")][..]] {
        let pairs: &'static [(&str, &str)] = Box::leak(pairs.to_vec().into_boxed_slice());
        let error = ClientConfig::from_lookup(env(pairs)).unwrap_err();
        assert!(
            matches!(error, ConfigError::MissingCredentials),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains("HITEM3D_CLIENT_ID") && message.contains("HITEM3D_SK"));
    }
}

#[test]
fn one_half_of_the_credentials_is_named_as_a_mistake() {
    for (pairs, named) in [
        (&[("HITEM3D_CLIENT_ID", "ak_1")][..], "HITEM3D_CLIENT_ID"),
        (
            &[
                ("HITEM3D_CLIENT_ID", "ak_1"),
                ("HITEM3D_CLIENT_SECRET", "  "),
            ][..],
            "HITEM3D_CLIENT_ID",
        ),
        (&[("HITEM3D_SK", "sk_1")][..], "HITEM3D_SK"),
    ] {
        let pairs: &'static [(&str, &str)] = Box::leak(pairs.to_vec().into_boxed_slice());
        let error = ClientConfig::from_lookup(env(pairs)).unwrap_err();
        assert!(
            matches!(&error, ConfigError::HalfCredentials { set } if set == named),
            "{error:?}"
        );
        assert!(!error.to_string().contains("sk_1"), "no secret in {error}");
    }
}

#[test]
fn the_base_url_comes_from_the_environment_and_plain_http_is_loopback_only() {
    let mock = ClientConfig::from_lookup(env(&[
        ("HITEM3D_AK", "ak"),
        ("HITEM3D_SK", "sk"),
        ("HITEM3D_BASE_URL", "http://127.0.0.1:8080"),
    ]))
    .unwrap();
    assert!(mock.base_url.is_loopback());

    let error = ClientConfig::from_lookup(env(&[
        ("HITEM3D_AK", "ak"),
        ("HITEM3D_SK", "sk"),
        ("HITEM3D_BASE_URL", "http://api.hitem3d.ai"),
    ]))
    .unwrap_err();
    assert!(matches!(error, ConfigError::BaseUrl { .. }), "{error}");
}

#[test]
fn zero_task_slots_and_bad_user_agents_are_refused() {
    let config =
        ClientConfig::from_lookup(env(&[("HITEM3D_AK", "a"), ("HITEM3D_SK", "s")])).unwrap();
    assert!(matches!(
        config.clone().with_task_slots(0).unwrap_err(),
        ConfigError::NoTaskSlots
    ));
    let error = config
        .clone()
        .with_user_agent("bad\nagent")
        .requests()
        .unwrap_err();
    assert!(matches!(error, ConfigError::UserAgent(_)));

    // A field set directly skips the setter's check; building the client catches it, before
    // any submit could wait forever for a slot.
    let mut unchecked = config;
    unchecked.task_slots = 0;
    let error = ClientCore::new(unchecked, 1_u64, || {}).unwrap_err();
    assert!(matches!(error, ConfigError::NoTaskSlots), "{error}");
}

fn service_error(body: &str) -> Error {
    let answer = decode::submit_task(&http::Response::new(body.to_owned())).unwrap_err();
    Error::from(CallError::Api {
        operation: Operation::SubmitTask,
        attempts: 1,
        stopped: StopReason::NotRetryable,
        source: answer,
    })
}

#[test]
fn error_predicates_follow_the_code_classes() {
    let balance = service_error(r#"{"code":30010000,"data":{},"msg":"balance is not enough"}"#);
    assert!(balance.is_insufficient_balance());
    assert_eq!(balance.class(), ErrorClass::Billing);
    assert!(!balance.is_retryable() && !balance.is_auth());

    let login = service_error(r#"{"code":401,"data":{},"msg":"login expired"}"#);
    assert!(login.is_auth());

    let transport = Error::from(CallError::Transport {
        operation: Operation::QueryTask,
        attempts: 4,
        stopped: StopReason::AttemptsExhausted,
        failure: TransportFailure::not_sent("connection refused"),
    });
    assert!(transport.is_retryable());
    assert_eq!(transport.class(), ErrorClass::TransientServer);
    assert_eq!(transport.task_id(), None);

    // A transport that will not send (a leaking logger, say) needs a setting changed.
    let refused = Error::from(CallError::Transport {
        operation: Operation::QueryTask,
        attempts: 1,
        stopped: StopReason::NotRetryable,
        failure: TransportFailure::refused("filter the logger"),
    });
    assert!(!refused.is_retryable());
    assert_eq!(refused.class(), ErrorClass::Input);
    assert!(
        refused.to_string().contains("not sent: filter the logger"),
        "{refused}"
    );

    let unknown = Error::from(CallError::SubmitOutcomeUnknown {
        cause: "502".into(),
    });
    assert!(unknown.is_submit_outcome_unknown() && !unknown.is_retryable());
}

#[test]
fn wait_errors_name_their_task_and_failure_code() {
    let task_id = TaskId::new("t-9");
    let mut waiter = TaskWaiter::new(task_id.clone(), WaitPolicy::default(), Timestamp::ZERO);
    let mut now = Timestamp::ZERO;
    let failed = loop {
        match waiter.next(now) {
            WaitStep::Poll(_) => {
                let answer = decode::query_task(&http::Response::new(
                    r#"{"code":50010001,"data":{},"msg":"generate failed"}"#,
                ));
                let answer = answer.map_err(|source| CallError::Api {
                    operation: Operation::QueryTask,
                    attempts: 1,
                    stopped: StopReason::NotRetryable,
                    source,
                });
                waiter.on_poll(answer, now);
            }
            WaitStep::Sleep { until } => now = until,
            WaitStep::Event(_) => {}
            WaitStep::Done(outcome) => break Error::from(outcome.unwrap_err()),
        }
    };
    assert!(matches!(
        &failed,
        Error::Wait(WaitError {
            kind: WaitErrorKind::TaskFailed { .. },
            ..
        })
    ));
    assert_eq!(failed.task_id(), Some(&task_id));
    assert_eq!(failed.class(), ErrorClass::GenerationFailed);
    assert_eq!(failed.message(), Some("generate failed"));
    assert_eq!(failed.code().map(ApiErrorCode::code), Some(50_010_001));
}

#[test]
fn output_paths_are_safe_names_in_the_output_directory() {
    let data: TaskData = serde_json::from_str(
        r#"{"task_id":"../../etc/t1","state":"success","url":"https://cdn/x.stl?k=1","cover_url":"https://cdn/c.png"}"#,
    )
    .unwrap();
    let result = TaskResult::from_task(&data, Timestamp::ZERO).unwrap();
    let options = GenerateOptions::from("out");
    let model = options.path_for(&result, ResultKind::Model, Some(&OutputFormat::Glb));
    assert_eq!(model.parent(), Some(Path::new("out")));
    let name = model.file_name().unwrap().to_str().unwrap();
    // The id had to be changed to be a safe name, so a hash of it keeps it unique.
    assert!(
        name.starts_with("etc_t1-") && name.ends_with(".stl"),
        "the URL's extension wins: {name}"
    );
    let named = GenerateOptions::new("out").with_file_stem("a/b");
    assert_eq!(
        named.path_for(&result, ResultKind::Cover, Some(&OutputFormat::Glb)),
        Path::new("out").join("a_b-cover.png")
    );
}

#[test]
fn a_cover_path_exists_only_when_asked_for_and_offered() {
    let with_cover: TaskData = serde_json::from_str(
        r#"{"task_id":"t1","state":"success","url":"https://cdn/x.glb","cover_url":"https://cdn/c.webp"}"#,
    )
    .unwrap();
    let without_cover: TaskData =
        serde_json::from_str(r#"{"task_id":"t1","state":"success","url":"https://cdn/x.glb"}"#)
            .unwrap();
    let with_cover = TaskResult::from_task(&with_cover, Timestamp::ZERO).unwrap();
    let without_cover = TaskResult::from_task(&without_cover, Timestamp::ZERO).unwrap();
    let asked = GenerateOptions::new("out").with_cover(true);
    let glb = OutputFormat::Glb;

    assert_eq!(
        asked.cover_path_for(&with_cover, Some(&glb)),
        Some(Path::new("out").join("t1-cover.webp"))
    );
    assert_eq!(asked.cover_path_for(&without_cover, Some(&glb)), None);
    assert_eq!(
        GenerateOptions::new("out").cover_path_for(&with_cover, Some(&glb)),
        None
    );
}

#[test]
fn seed_sequences_repeat_from_the_same_start_and_never_repeat_within() {
    let a = SeedSequence::new(42);
    let b = SeedSequence::new(42);
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        let seed = a.next_seed();
        assert_eq!(seed, b.next_seed());
        assert!(seen.insert(seed), "a seed repeated");
    }
}
