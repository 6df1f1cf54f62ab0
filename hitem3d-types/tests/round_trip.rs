//! Serde and text round trips for every wire type, including values this SDK does not know.

use hitem3d_types::{
    ApiErrorCode, AssetId, Envelope, Model, OutputFormat, RequestType, Resolution, ResponseCode,
    SubmitTaskData, TaskData, TaskId, TaskState, View, ViewMask,
};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn json_round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert_eq!(&back, value, "{json}");
}

/// Any string, biased towards known spellings so both paths are exercised.
fn wire_text(known: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(known),
        any::<String>(),
        "[a-z0-9.-]{1,16}",
    ]
}

macro_rules! string_enum_round_trips {
    ($test:ident, $ty:ty) => {
        proptest! {
            #[test]
            fn $test(raw in wire_text(<$ty>::KNOWN.iter().map(|v| v.as_str().to_owned()).collect())) {
                let value = <$ty>::from_wire(&raw);
                json_round_trip(&value);
                let text = value.to_string();
                prop_assert_eq!(text.parse::<$ty>().unwrap(), value.clone());
                if !value.is_known() {
                    prop_assert_eq!(value.as_str(), raw.as_str(), "unknown values are kept as sent");
                }
            }
        }
    };
}

string_enum_round_trips!(model_round_trips, Model);
string_enum_round_trips!(resolution_round_trips, Resolution);
string_enum_round_trips!(task_state_round_trips, TaskState);
string_enum_round_trips!(view_round_trips, View);

#[test]
fn every_known_string_variant_round_trips() {
    for value in Model::KNOWN {
        json_round_trip(value);
        assert_eq!(Model::from_wire(value.as_str()), *value);
        assert!(value.description().is_some());
    }
    for value in Resolution::KNOWN {
        json_round_trip(value);
    }
    for value in TaskState::KNOWN {
        json_round_trip(value);
    }
    for value in View::KNOWN {
        json_round_trip(value);
    }
}

macro_rules! code_enum_round_trips {
    ($test:ident, $ty:ty) => {
        proptest! {
            #[test]
            fn $test(code in prop_oneof![any::<i64>(), 0_i64..10, 10_031_000_i64..10_031_020]) {
                let value = <$ty>::from_code(code);
                prop_assert_eq!(value.code(), code);
                json_round_trip(&value);
                prop_assert_eq!(value.to_string().parse::<$ty>().unwrap(), value.clone());
            }
        }
    };
}

code_enum_round_trips!(request_type_round_trips, RequestType);
code_enum_round_trips!(output_format_round_trips, OutputFormat);
code_enum_round_trips!(api_error_code_round_trips, ApiErrorCode);

#[test]
fn every_known_numbered_variant_parses_from_its_name() {
    for value in OutputFormat::KNOWN {
        assert_eq!(
            value.name().unwrap().parse::<OutputFormat>().unwrap(),
            *value
        );
    }
    for value in RequestType::KNOWN {
        assert_eq!(
            value.name().unwrap().parse::<RequestType>().unwrap(),
            *value
        );
    }
    for value in ApiErrorCode::KNOWN {
        assert_eq!(
            value.name().unwrap().parse::<ApiErrorCode>().unwrap(),
            *value
        );
        assert!(value.info().is_some(), "{value:?} has a table entry");
    }
}

fn non_empty() -> impl Strategy<Value = String> {
    "\\PC{1,40}"
}

fn task_data() -> impl Strategy<Value = TaskData> {
    (
        non_empty(),
        wire_text(
            TaskState::KNOWN
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        ),
        proptest::option::of(non_empty()),
        proptest::option::of(non_empty()),
        proptest::option::of(non_empty()),
        proptest::option::of(0.0_f64..100.0),
    )
        .prop_map(|(id, state, asset, url, cover, progress)| {
            let mut data = TaskData::new(TaskId::new(id), TaskState::from_wire(&state));
            data.id = asset.map(AssetId::new);
            data.url = url;
            data.cover_url = cover;
            data.progress = progress;
            data
        })
}

proptest! {
    #[test]
    fn task_envelopes_round_trip(
        code in any::<i64>(),
        msg in proptest::option::of(non_empty()),
        message in proptest::option::of(non_empty()),
        data in proptest::option::of(task_data()),
    ) {
        json_round_trip(&Envelope { code: ResponseCode::new(code), data, msg, message });
    }

    #[test]
    fn submit_envelopes_round_trip(id in non_empty(), state in proptest::option::of(wire_text(vec!["created".to_owned()]))) {
        let data = SubmitTaskData { task_id: TaskId::new(id), state: state.map(|s| TaskState::from_wire(&s)) };
        json_round_trip(&Envelope::success(data));
    }

    #[test]
    fn code_is_read_back_from_text_too(code in any::<i64>()) {
        let body = format!(r#"{{"code":"{code}"}}"#);
        let envelope: Envelope<TaskData> = serde_json::from_str(&body).unwrap();
        prop_assert_eq!(envelope.code.get(), code);
    }

    #[test]
    fn view_masks_round_trip(bits in proptest::array::uniform4(any::<bool>())) {
        let views: Vec<View> = View::KNOWN.iter().zip(bits).filter(|(_, on)| *on).map(|(v, _)| v.clone()).collect();
        let mask: ViewMask = views.iter().collect();
        prop_assert_eq!(mask.len(), views.len());
        prop_assert_eq!(mask.views().collect::<Vec<_>>(), views);
        prop_assert_eq!(mask.to_string().parse::<ViewMask>().unwrap(), mask);
        json_round_trip(&mask);
    }
}

#[test]
fn error_envelopes_are_written_like_the_service_writes_them() {
    let envelope: Envelope<TaskData> =
        Envelope::error(ApiErrorCode::GenerateFailed, "generate failed");
    assert_eq!(
        serde_json::to_string(&envelope).unwrap(),
        r#"{"code":50010001,"msg":"generate failed"}"#
    );
}
