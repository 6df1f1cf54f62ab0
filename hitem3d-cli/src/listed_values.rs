//! Options whose values the spec lists (models, formats): parsed as the SDK parses them, and
//! the list handed to `--help` and to shell completions, which otherwise offer file names.

use std::ffi::OsStr;
use std::marker::PhantomData;
use std::str::FromStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use hitem3d_async::types::{
    MeshLevel, Model, OutputFormat, ReliefFormat, ReliefModel, RequestType, Resolution, SplitJoint,
    SplitPart,
};

/// Parses with `T`'s `FromStr`, and lists `names`.
#[derive(Clone)]
pub struct Listed<T> {
    names: Vec<&'static str>,
    parsed: PhantomData<fn() -> T>,
}

impl<T> Listed<T> {
    /// A parser listing `names`.
    pub fn new(names: impl IntoIterator<Item = &'static str>) -> Self {
        Self {
            names: names.into_iter().collect(),
            parsed: PhantomData,
        }
    }
}

/// The models the spec lists.
pub fn models() -> Listed<Model> {
    Listed::new(Model::KNOWN.iter().map(Model::as_str))
}

/// The output formats the spec lists.
pub fn formats() -> Listed<OutputFormat> {
    Listed::new(OutputFormat::NAMES.iter().copied())
}

/// The resolutions the spec lists.
pub fn resolutions() -> Listed<Resolution> {
    Listed::new(Resolution::KNOWN.iter().map(Resolution::as_str))
}

/// The request types, by their names (numbers and other spellings are taken too).
pub fn request_types() -> Listed<RequestType> {
    Listed::new(RequestType::KNOWN.iter().filter_map(RequestType::name))
}

/// How finely a mesh is split or segmented.
pub fn levels() -> Listed<MeshLevel> {
    Listed::new(MeshLevel::KNOWN.iter().map(MeshLevel::as_str))
}

/// How a character is split.
pub fn parts() -> Listed<SplitPart> {
    Listed::new(SplitPart::KNOWN.iter().map(SplitPart::as_str))
}

/// The joints between a character's parts.
pub fn joints() -> Listed<SplitJoint> {
    Listed::new(SplitJoint::KNOWN.iter().map(SplitJoint::as_str))
}

/// The relief's file formats.
pub fn relief_formats() -> Listed<ReliefFormat> {
    Listed::new(ReliefFormat::NAMES.iter().copied())
}

/// The relief's models.
pub fn relief_models() -> Listed<ReliefModel> {
    Listed::new(ReliefModel::KNOWN.iter().map(ReliefModel::as_str))
}

impl<T> TypedValueParser for Listed<T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        text.parse::<T>().map_err(|error| {
            let option = arg.map_or_else(|| "the value".to_owned(), |arg| format!("'{arg}'"));
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("invalid value '{text}' for {option}: {error}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().map(PossibleValue::new)))
    }
}
