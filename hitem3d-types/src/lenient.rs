//! Lenient serde readers for fields the service, or its docs, spell more than one way.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// A JSON scalar as received, before we decide what it means. Text is borrowed from the input
/// when it can be (no escapes): most of it is only matched against known values.
enum Scalar<'de> {
    Text(Cow<'de, str>),
    Integer(i64),
    Float(f64),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        i64::try_from(v)
            .map(Scalar::Integer)
            .map_err(|_| E::custom(format_args!("number {v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Scalar<'de>, D::Error> {
    deserializer.deserialize_any(ScalarVisitor)
}

/// Converts a float that holds a whole number (`200.0`) to an integer.
fn whole(v: f64) -> Option<i64> {
    // The range check keeps the cast exact; fractional values are not whole.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "range and fraction are checked first"
    )]
    (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
}

/// Reads a string, or a number written as its decimal text.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Cow<'de, str>, D::Error> {
    match scalar(deserializer)? {
        Scalar::Text(text) => Ok(text),
        Scalar::Integer(n) => Ok(Cow::Owned(n.to_string())),
        Scalar::Float(v) => Ok(Cow::Owned(
            whole(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        )),
        Scalar::Null => Err(de::Error::custom(
            "expected a string or a number, found null",
        )),
    }
}

/// Reads an integer given as a number (`200`, `200.0`) or as text (`"200"`).
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    match scalar(deserializer)? {
        Scalar::Integer(n) => Ok(n),
        Scalar::Float(v) => whole(v)
            .ok_or_else(|| de::Error::custom(format_args!("expected an integer, found {v}"))),
        Scalar::Text(text) => text
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format_args!("expected an integer, found {text:?}"))),
        Scalar::Null => Err(de::Error::custom("expected an integer, found null")),
    }
}

/// Reads an optional decimal given as a number or as text; null and `""` mean absent.
pub(crate) fn optional_decimal<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    match scalar(deserializer)? {
        Scalar::Null => Ok(None),
        #[allow(
            clippy::cast_precision_loss,
            reason = "credit amounts are far below 2^52"
        )]
        Scalar::Integer(n) => Ok(Some(n as f64)),
        Scalar::Float(v) => Ok(Some(v)),
        Scalar::Text(text) if text.trim().is_empty() => Ok(None),
        Scalar::Text(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format_args!("expected a number, found {text:?}"))),
    }
}

/// Reads an optional string where null and `""` both mean absent.
pub(crate) fn optional_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    match scalar(deserializer)? {
        Scalar::Null => Ok(None),
        Scalar::Text(text) if text.is_empty() => Ok(None),
        Scalar::Text(text) => Ok(Some(text.into_owned())),
        Scalar::Integer(n) => Ok(Some(n.to_string())),
        Scalar::Float(v) => Ok(Some(v.to_string())),
    }
}

/// Reads an envelope's `data`: absent, `null` and `{}` (what error answers carry) mean none.
pub(crate) fn optional_data<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    // Kept as text, then read once into `T`: no value tree in between.
    let raw: Box<serde_json::value::RawValue> = serde::Deserialize::deserialize(deserializer)?;
    let text = raw.get().trim();
    let empty_object = text
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|inside| inside.trim().is_empty());
    if text == "null" || empty_object {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(de::Error::custom)
}
