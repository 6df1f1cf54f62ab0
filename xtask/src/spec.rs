//! The API spec file (`spec/hitem3d.toml`): its shape, and the checks that make it consistent.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

/// The whole spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub api: Api,
    pub endpoints: Vec<Endpoint>,
    pub task_types: Vec<TaskType>,
    pub upload: Upload,
    pub limits: Limits,
    pub image_formats: Vec<ImageFormat>,
    pub request_types: Vec<NumberedValue>,
    pub output_formats: Vec<OutputFormat>,
    pub relief_formats: Vec<OutputFormat>,
    pub relief_models: Vec<ReliefModel>,
    pub relief_settings: Vec<ReliefSetting>,
    pub mesh_tasks: Vec<MeshTask>,
    pub mesh_levels: Vec<ReliefModel>,
    pub split_parts: Vec<SplitPart>,
    pub split_joints: Vec<ReliefModel>,
    pub multicolor: Multicolor,
    pub task_states: Vec<TaskState>,
    pub views: Vec<View>,
    pub resolutions: Vec<Resolution>,
    pub models: Vec<Model>,
    pub expected_durations: Vec<ExpectedDuration>,
    pub error_codes: Vec<ErrorCode>,
    pub error_families: Vec<ErrorFamily>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    pub default_base_url: String,
    pub source: String,
    pub cover_extension: String,
    pub cover_extension_source: String,
    pub other_result_extensions: Vec<String>,
    pub other_result_extensions_source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub variant: String,
    pub method: String,
    pub path: String,
    pub auth: Auth,
    pub idempotent: bool,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub key_prefix: String,
    pub public_base: String,
    pub extensions: Vec<String>,
    pub max_mesh_bytes: u64,
    pub signature_lifetime_secs: u64,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReliefModel {
    pub wire: String,
    pub variant: String,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeshTask {
    pub task_type: String,
    pub mesh_types: Vec<String>,
    pub formats: Vec<i64>,
    pub default_format: Option<i64>,
    #[serde(default)]
    pub character_formats: Vec<i64>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPart {
    pub wire: String,
    pub variant: String,
    pub parts: u32,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multicolor {
    pub min_colors: u32,
    pub max_colors: u32,
    pub default_colors: u32,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReliefSetting {
    pub field: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub integer: bool,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskType {
    pub variant: String,
    pub name: String,
    pub id_prefix: String,
    /// The endpoint variant that creates one.
    pub create: String,
    /// The endpoint variant that queries one.
    pub query: String,
    pub credits: Option<u32>,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    Basic,
    Bearer,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_image_bytes: u64,
    pub max_image_bytes_source: String,
    pub min_multi_view_images: u64,
    pub min_multi_view_images_source: String,
    pub max_multi_view_images: u64,
    pub max_multi_view_images_source: String,
    pub token_lifetime_secs: u64,
    pub token_lifetime_secs_source: String,
    pub result_url_lifetime_secs: u64,
    pub result_url_lifetime_secs_source: String,
    pub default_concurrent_tasks: u64,
    pub concurrency_refusal_words: Vec<String>,
    pub concurrency_refusal_words_source: String,
    pub default_concurrent_tasks_source: String,
    pub server_task_timeout_secs: u64,
    pub server_task_timeout_secs_source: String,
    pub server_default_resolution: String,
    pub server_default_resolution_source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFormat {
    pub variant: String,
    pub name: String,
    pub extensions: Vec<String>,
    pub media_type: String,
    pub signatures: Vec<Signature>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub offset: usize,
    pub hex: String,
}

impl Signature {
    /// The signature's bytes, decoded from hex.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        if !self.hex.len().is_multiple_of(2) {
            return Err(format!("hex {:?} has an odd length", self.hex));
        }
        (0..self.hex.len())
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(&self.hex[i..i + 2], 16)
                    .map_err(|_| format!("hex {:?} is not hexadecimal", self.hex))
            })
            .collect()
    }
}

/// A value sent as a number, with a user-facing name (request types).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberedValue {
    pub code: i64,
    pub variant: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputFormat {
    pub code: i64,
    pub variant: String,
    pub name: String,
    pub extension: String,
    pub media_type: String,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskState {
    pub wire: String,
    pub variant: String,
    pub terminal: bool,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub wire: String,
    pub variant: String,
    pub bit: usize,
    pub required: bool,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub wire: String,
    pub variant: String,
    pub doc: String,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Supported,
    Unsupported,
    Unverified,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub wire: String,
    pub variant: String,
    pub doc: String,
    pub default_resolution: String,
    pub face_min: u32,
    pub face_max: u32,
    pub texture_existing_mesh: Support,
    pub pbr: Support,
    pub shading: Support,
    pub source: String,
    pub resolutions: Vec<ModelResolution>,
    /// Resolutions accepted only when texturing an existing mesh (`request_type` 2).
    #[serde(default)]
    pub texture_resolutions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelResolution {
    pub resolution: String,
    pub recommended_face: Option<u32>,
    pub credits: Option<Credits>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credits {
    pub geometry: u32,
    pub texture: u32,
    pub both: u32,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    Auth,
    Input,
    Billing,
    RateLimit,
    TransientServer,
    GenerationFailed,
    Unknown,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditOutcome {
    NotCharged,
    Refunded,
    Unknown,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCode {
    pub code: i64,
    pub variant: String,
    pub message: String,
    pub meaning: String,
    pub hint: String,
    pub class: ErrorClass,
    pub retryable: bool,
    pub credits: CreditOutcome,
    pub documented: bool,
    pub source: String,
}

/// How long tasks take, submit to success, per the sources: the waiter's prior.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedDuration {
    pub model: Option<String>,
    pub resolution: Option<String>,
    pub multi_view: Option<bool>,
    pub secs: u64,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorFamily {
    pub from: i64,
    pub to: i64,
    pub class: ErrorClass,
    pub retryable: bool,
    pub doc: String,
    pub source: String,
}

impl Spec {
    /// Reads and checks the spec file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks spec text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let spec: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        spec.check()?;
        Ok(spec)
    }

    /// Cross-checks the tables; reports every problem at once.
    fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();

        let idents = self
            .endpoints
            .iter()
            .map(|e| ("endpoint", e.variant.as_str()))
            .chain(
                self.image_formats
                    .iter()
                    .map(|f| ("image format", f.variant.as_str())),
            )
            .chain(
                self.request_types
                    .iter()
                    .map(|r| ("request type", r.variant.as_str())),
            )
            .chain(
                self.output_formats
                    .iter()
                    .map(|f| ("output format", f.variant.as_str())),
            )
            .chain(
                self.task_states
                    .iter()
                    .map(|s| ("task state", s.variant.as_str())),
            )
            .chain(self.views.iter().map(|v| ("view", v.variant.as_str())))
            .chain(
                self.resolutions
                    .iter()
                    .map(|r| ("resolution", r.variant.as_str())),
            )
            .chain(self.models.iter().map(|m| ("model", m.variant.as_str())))
            .chain(
                self.error_codes
                    .iter()
                    .map(|c| ("error code", c.variant.as_str())),
            );
        for (table, ident) in idents {
            if !is_variant_ident(ident) {
                problems.push(format!(
                    "{table} variant {ident:?} is not an UpperCamelCase Rust identifier"
                ));
            }
            if ident == "Other" {
                problems.push(format!(
                    "{table} variant `Other` is reserved for unknown values"
                ));
            }
        }

        unique(
            &mut problems,
            "endpoint variant",
            self.endpoints.iter().map(|e| e.variant.clone()),
        );
        unique(
            &mut problems,
            "image format",
            self.image_formats.iter().map(|f| f.variant.clone()),
        );
        unique(
            &mut problems,
            "request type code",
            self.request_types.iter().map(|r| r.code.to_string()),
        );
        unique(
            &mut problems,
            "request type name",
            self.request_types
                .iter()
                .flat_map(|r| std::iter::once(&r.name).chain(&r.aliases))
                .map(|n| n.to_lowercase()),
        );
        unique(
            &mut problems,
            "output format code",
            self.output_formats.iter().map(|f| f.code.to_string()),
        );
        unique(
            &mut problems,
            "output format name",
            self.output_formats.iter().map(|f| f.name.to_lowercase()),
        );
        unique(
            &mut problems,
            "task state",
            self.task_states.iter().map(|s| s.wire.to_lowercase()),
        );
        unique(
            &mut problems,
            "view",
            self.views.iter().map(|v| v.wire.to_lowercase()),
        );
        unique(
            &mut problems,
            "resolution",
            self.resolutions.iter().map(|r| r.wire.to_lowercase()),
        );
        unique(
            &mut problems,
            "model",
            self.models.iter().map(|m| m.wire.to_lowercase()),
        );
        unique(
            &mut problems,
            "error code",
            self.error_codes.iter().map(|c| c.code.to_string()),
        );
        unique(
            &mut problems,
            "error code variant",
            self.error_codes.iter().map(|c| c.variant.clone()),
        );

        let bits: BTreeSet<usize> = self.views.iter().map(|v| v.bit).collect();
        if bits != (0..self.views.len()).collect() {
            problems.push(format!(
                "view bits must be 0..{} with no gaps or repeats, found {bits:?}",
                self.views.len()
            ));
        }

        for format in &self.image_formats {
            if format.signatures.is_empty() {
                problems.push(format!("image format {} has no signature", format.name));
            }
            for signature in &format.signatures {
                if let Err(e) = signature.bytes() {
                    problems.push(format!("image format {}: {e}", format.name));
                }
            }
        }

        let endpoints: BTreeSet<&str> = self.endpoints.iter().map(|e| e.variant.as_str()).collect();
        for task_type in &self.task_types {
            for endpoint in [&task_type.create, &task_type.query] {
                if !endpoints.contains(endpoint.as_str()) {
                    problems.push(format!(
                        "task type {}: endpoint {endpoint} is not in [[endpoints]]",
                        task_type.name
                    ));
                }
            }
        }
        unique(
            &mut problems,
            "task type id prefix",
            self.task_types.iter().map(|t| t.id_prefix.clone()),
        );
        if !self.task_types.iter().any(|t| t.id_prefix.is_empty()) {
            problems.push("one task type must have the empty id prefix (image-to-3D)".to_owned());
        }

        let resolutions: BTreeSet<&str> =
            self.resolutions.iter().map(|r| r.wire.as_str()).collect();
        for model in &self.models {
            let name = &model.wire;
            if model.face_min > model.face_max {
                problems.push(format!("model {name}: face_min exceeds face_max"));
            }
            if model.resolutions.is_empty() {
                problems.push(format!("model {name} lists no resolution"));
            }
            let own: Vec<&str> = model
                .resolutions
                .iter()
                .map(|r| r.resolution.as_str())
                .collect();
            unique(
                &mut problems,
                &format!("resolution of model {name}"),
                own.iter().map(|r| (*r).to_owned()),
            );
            if !own.contains(&model.default_resolution.as_str()) {
                problems.push(format!(
                    "model {name}: default_resolution {:?} is not one of its resolutions",
                    model.default_resolution
                ));
            }
            for option in &model.resolutions {
                if !resolutions.contains(option.resolution.as_str()) {
                    problems.push(format!(
                        "model {name}: resolution {:?} is not in [[resolutions]]",
                        option.resolution
                    ));
                }
                if let Some(face) = option.recommended_face
                    && !(model.face_min..=model.face_max).contains(&face)
                {
                    problems.push(format!(
                        "model {name}: recommended_face {face} at {} is outside {}..={}",
                        option.resolution, model.face_min, model.face_max
                    ));
                }
            }
            for extra in &model.texture_resolutions {
                if !resolutions.contains(extra.as_str()) {
                    problems.push(format!(
                        "model {name}: texture resolution {extra:?} is not in [[resolutions]]"
                    ));
                }
                if own.contains(&extra.as_str()) {
                    problems.push(format!(
                        "model {name}: texture resolution {extra:?} is already one of its resolutions"
                    ));
                }
            }
        }

        let models: BTreeSet<&str> = self.models.iter().map(|m| m.wire.as_str()).collect();
        for row in &self.expected_durations {
            if let Some(model) = &row.model
                && !models.contains(model.as_str())
            {
                problems.push(format!(
                    "expected duration: model {model:?} is not in [[models]]"
                ));
            }
            if let Some(resolution) = &row.resolution
                && !resolutions.contains(resolution.as_str())
            {
                problems.push(format!(
                    "expected duration: resolution {resolution:?} is not in [[resolutions]]"
                ));
            }
            if row.secs == 0 {
                problems.push("expected duration: secs must be above zero".to_owned());
            }
        }
        match self.expected_durations.last() {
            Some(last) if last.model.is_none() && last.resolution.is_none() && last.multi_view.is_none() => {}
            _ => problems.push(
                "expected durations: the last row must name no filter, so that every task matches one"
                    .to_owned(),
            ),
        }

        for family in &self.error_families {
            if family.from > family.to {
                problems.push(format!(
                    "error family {}..={} is empty",
                    family.from, family.to
                ));
            }
        }

        let limits = &self.limits;
        if limits.min_multi_view_images > limits.max_multi_view_images
            || limits.max_multi_view_images > self.views.len() as u64
        {
            problems.push("multi-view image limits do not fit the views".to_owned());
        }

        if problems.is_empty() {
            Ok(())
        } else {
            let mut message = String::from("the spec is inconsistent:");
            for problem in problems {
                let _ = write!(message, "\n  - {problem}");
            }
            Err(message)
        }
    }
}

fn is_variant_ident(ident: &str) -> bool {
    ident.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !ident.contains("__")
}

fn unique(problems: &mut Vec<String>, what: &str, values: impl Iterator<Item = String>) {
    let mut seen = BTreeMap::new();
    for value in values {
        *seen.entry(value).or_insert(0_u32) += 1;
    }
    for (value, count) in seen {
        if count > 1 {
            problems.push(format!("{what} {value:?} appears {count} times"));
        }
    }
}
