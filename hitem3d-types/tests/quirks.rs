//! The ways the service and its docs deviate from one shape, each read correctly.

use hitem3d_types::{
    ApiErrorCode, BalanceData, Credits, Envelope, ErrorClass, OutputFormat, RequestType,
    Resolution, ResponseCode, TaskData, TaskState, TokenData,
};

fn envelope<T: serde::de::DeserializeOwned>(body: &str) -> Envelope<T> {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[test]
fn code_as_string_number_or_float() {
    for body in [
        r#"{"code":"200"}"#,
        r#"{"code":200}"#,
        r#"{"code":200.0}"#,
        r#"{"code":" 200 "}"#,
    ] {
        assert!(envelope::<TaskData>(body).code.is_success(), "{body}");
    }
    let e = envelope::<TaskData>(r#"{"code":"30010000","msg":"余额不足","data":{}}"#);
    assert_eq!(e.code.error(), Some(ApiErrorCode::InsufficientBalance));
    assert_eq!(e.message(), Some("余额不足"));
}

#[test]
fn zero_counts_as_success_like_some_clients_do() {
    assert!(ResponseCode::new(0).is_success());
    assert_eq!(ResponseCode::new(0).error(), None);
}

#[test]
fn a_code_that_is_not_a_number_is_an_error_naming_the_field() {
    let error = serde_json::from_str::<Envelope<TaskData>>(r#"{"code":"ok"}"#).unwrap_err();
    assert!(error.to_string().contains("expected an integer"), "{error}");
}

#[test]
fn msg_or_message_either_is_read_and_msg_wins() {
    let token =
        envelope::<TokenData>(r#"{"code":200,"message":"success","data":{"accessToken":"t"}}"#);
    assert_eq!(token.message(), Some("success"));
    let both = envelope::<TaskData>(r#"{"code":1,"msg":"a","message":"b"}"#);
    assert_eq!(both.message(), Some("a"));
    let neither = envelope::<TaskData>(r#"{"code":1}"#);
    assert_eq!(neither.message(), None);
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let body = r#"{"code":200,"msg":"success","trace_id":"x","data":{"task_id":"t","state":"queueing",
        "queue_position":3,"task_status":1,"task_result":{"model_url":"u"}}}"#;
    let data = envelope::<TaskData>(body).data.unwrap();
    assert_eq!(data.state, TaskState::Queueing);
}

#[test]
fn empty_or_null_data_means_no_data() {
    for body in [
        r#"{"code":10000000,"data":{}}"#,
        r#"{"code":10000000,"data":null}"#,
        r#"{"code":10000000}"#,
    ] {
        assert!(envelope::<TaskData>(body).data.is_none(), "{body}");
    }
}

#[test]
fn malformed_data_on_success_is_an_error() {
    let result =
        serde_json::from_str::<Envelope<TaskData>>(r#"{"code":200,"data":{"state":"success"}}"#);
    let error = result.unwrap_err().to_string();
    assert!(error.contains("task_id"), "{error}");
}

#[test]
fn empty_urls_mean_no_url() {
    let data = envelope::<TaskData>(
        r#"{"code":200,"data":{"task_id":"t","state":"processing","url":"","cover_url":null}}"#,
    )
    .data
    .unwrap();
    assert_eq!((data.url, data.cover_url), (None, None));
}

#[test]
fn progress_under_any_of_its_names_as_number_or_text() {
    for (field, value) in [
        ("progress", "55"),
        ("process_pct", "\"55\""),
        ("percent", "55.0"),
    ] {
        let body = format!(r#"{{"task_id":"t","state":"processing","{field}":{value}}}"#);
        let data: TaskData = serde_json::from_str(&body).unwrap();
        assert_eq!(data.progress_percent(), Some(55.0), "{body}");
    }
    let data: TaskData =
        serde_json::from_str(r#"{"task_id":"t","state":"processing","progress":140}"#).unwrap();
    assert_eq!(data.progress_percent(), Some(100.0), "clamped");
}

#[test]
fn balance_under_either_name_as_number_or_text() {
    let data = envelope::<BalanceData>(r#"{"code":200,"data":{"balance":"7.5"}}"#)
        .data
        .unwrap();
    assert_eq!(data.total(), Some(Credits(7.5)));
    let data = envelope::<BalanceData>(r#"{"code":200,"data":{"totalBalance":3,"balance":9}}"#)
        .data
        .unwrap();
    assert_eq!(
        data.total(),
        Some(Credits(3.0)),
        "the documented field wins"
    );
    assert_eq!(Credits(14.0).to_string(), "14");
    assert_eq!(Credits(7.5).to_string(), "7.50");
}

#[test]
fn resolution_typed_as_int_by_the_old_docs() {
    let resolution: Resolution = serde_json::from_str("512").unwrap();
    assert_eq!(resolution, Resolution::R512);
}

#[test]
fn numbered_fields_as_text_or_names() {
    assert_eq!(
        serde_json::from_str::<OutputFormat>("\"2\"").unwrap(),
        OutputFormat::Glb
    );
    assert_eq!(
        serde_json::from_str::<OutputFormat>("\"GLB\"").unwrap(),
        OutputFormat::Glb
    );
    assert_eq!(
        "mesh".parse::<RequestType>().unwrap(),
        RequestType::Geometry
    );
    assert_eq!(
        " both ".parse::<RequestType>().unwrap(),
        RequestType::GeometryAndTexture
    );
    let error = "gltf".parse::<OutputFormat>().unwrap_err();
    assert!(
        error.to_string().contains("obj, glb, stl, fbx, usdz, 3mf"),
        "{error}"
    );
}

#[test]
fn wire_spellings_are_case_insensitive_on_input_and_canonical_on_output() {
    let state: TaskState = serde_json::from_str("\"SUCCESS\"").unwrap();
    assert_eq!(state, TaskState::Success);
    assert_eq!(serde_json::to_string(&state).unwrap(), "\"success\"");
}

#[test]
fn undocumented_codes_are_classified_by_family() {
    let code = ApiErrorCode::from_code(10_031_015);
    assert!(!code.is_known());
    assert_eq!(code.class(), ErrorClass::Input);
    assert!(!code.is_retryable());
    assert_eq!(ApiErrorCode::from_code(403).class(), ErrorClass::Auth);
    let stranger = ApiErrorCode::from_code(77);
    assert_eq!(stranger.class(), ErrorClass::Unknown);
    assert!(!stranger.is_retryable(), "unknown codes are not retried");
    assert!(stranger.hint().contains("does not know"));
}

#[test]
fn the_seven_digit_generate_failed_is_the_same_failure() {
    let short = ApiErrorCode::from_code(5_001_001);
    assert_eq!(short, ApiErrorCode::GenerateFailedShortCode);
    assert_eq!(short.class(), ApiErrorCode::GenerateFailed.class());
    assert_eq!(short.code(), 5_001_001, "kept as sent");
}
