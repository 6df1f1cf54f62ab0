//! A tool's arguments read leniently: a missing or mistyped argument becomes the tool's own
//! error, naming the argument in plain words, instead of the MCP library's "failed to
//! deserialize parameters" with Rust's type names. The schema is the arguments' own.

use std::borrow::Cow;

use rmcp::schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// The arguments, or what is wrong with them in words for the agent.
#[derive(Debug)]
pub struct Arguments<T>(pub Result<T, String>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Arguments<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(Self(
            serde_path_to_error::deserialize::<_, T>(value).map_err(|error| worded(&error)),
        ))
    }
}

impl<T: JsonSchema> JsonSchema for Arguments<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// "missing field `image`" as "the argument image is missing"; a wrong type named by its
/// argument, with the type wanted in words rather than Rust's ("u32").
fn worded(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = error.inner().to_string();
    if let Some(rest) = inner.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("the argument {name} is missing: give it (see the tool's input schema)");
    }
    let path = error.path().to_string();
    let wanted = inner
        .rsplit_once("expected ")
        .map(|(_, wanted)| plain_type(wanted))
        .unwrap_or_else(|| inner.replace('`', ""));
    if path == "." {
        format!("the arguments must be an object of named arguments, each {wanted}")
    } else {
        format!("the argument {path} has the wrong type: give {wanted}")
    }
}

/// A wanted type in words: "u32" → "a whole number (0 or more)".
fn plain_type(wanted: &str) -> String {
    match wanted.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number (0 or more)".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a string" => "a string (text)".to_owned(),
        other => other.replace('`', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only read, to check what reading refuses")]
    struct Example {
        image: String,
        face: Option<u32>,
    }

    fn read(value: serde_json::Value) -> Result<Example, String> {
        serde_json::from_value::<Arguments<Example>>(value)
            .expect("never fails")
            .0
    }

    #[test]
    fn a_missing_argument_is_named() {
        let message = read(serde_json::json!({"face": 3})).unwrap_err();
        assert_eq!(
            message,
            "the argument image is missing: give it (see the tool's input schema)"
        );
    }

    #[test]
    fn a_mistyped_argument_is_named_with_the_type_in_words() {
        let message = read(serde_json::json!({"image": "a.png", "face": "many"})).unwrap_err();
        assert_eq!(
            message,
            "the argument face has the wrong type: give a whole number (0 or more)"
        );
        let message = read(serde_json::json!({"image": 5})).unwrap_err();
        assert_eq!(
            message,
            "the argument image has the wrong type: give a string (text)"
        );
    }
}
