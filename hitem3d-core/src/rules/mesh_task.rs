//! The tasks that take a mesh: split into printable parts, segmentation, multicolor. Each is
//! validated completely against the spec before anything is sent.

use hitem3d_types::{
    MULTICOLOR_COLORS, MeshLevel, MeshTaskSpec, OutputFormat, SplitJoint, SplitPart, TaskType,
};

use crate::rules::submit::rules::{callback_url_rule, names, violation};
use crate::wire::base_url::is_absolute_http_url;
use crate::{MeshFile, MultipartForm, Remedy, SubmitField, ValidationError, Violation};

/// Where a mesh task's mesh comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MeshSource {
    /// A mesh sent with the task.
    File(MeshFile),
    /// A mesh the service fetches: a result link, or an uploaded mesh's public URL
    /// (`upload_mesh`).
    Url(String),
}

/// A validated split, segmentation or multicolor task.
///
/// ```
/// use hitem3d_core::{MeshFile, MeshFormat, MeshTask};
/// use hitem3d_core::types::{MeshLevel, OutputFormat, SplitJoint, SplitPart, TaskType};
///
/// let glb = || MeshFile::new(b"glTF\x02\x00\x00\x00 rest".to_vec(), MeshFormat::Glb).unwrap();
/// let split = MeshTask::split_character(SplitPart::A, SplitJoint::Ball).mesh(glb()).build()?;
/// assert_eq!(split.task_type(), TaskType::Split);
/// assert_eq!(split.format(), Some(&OutputFormat::Glb), "a character split answers GLB");
///
/// let error = MeshTask::segmentation(MeshLevel::High)
///     .mesh_url("https://example.com/chair.glb")
///     .build()
///     .unwrap_err();
/// assert!(error.to_string().contains("segmentation needs a format"));
/// # Ok::<(), hitem3d_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MeshTask {
    task_type: TaskType,
    source: MeshSource,
    format: Option<OutputFormat>,
    fields: Vec<(&'static str, String)>,
    callback_url: Option<String>,
}

/// Collects a mesh task's parts; [`MeshTaskBuilder::build`] checks them all at once.
#[derive(Debug, Clone)]
#[must_use]
pub struct MeshTaskBuilder {
    task_type: TaskType,
    character: bool,
    mesh: Option<MeshFile>,
    mesh_url: Option<String>,
    format: Option<OutputFormat>,
    fields: Vec<(&'static str, String)>,
    colors: Option<u32>,
    merge: Option<bool>,
    callback_url: Option<String>,
}

impl MeshTask {
    fn builder(task_type: TaskType, fields: Vec<(&'static str, String)>) -> MeshTaskBuilder {
        MeshTaskBuilder {
            task_type,
            character: false,
            mesh: None,
            mesh_url: None,
            format: None,
            fields,
            colors: None,
            merge: None,
            callback_url: None,
        }
    }

    /// A character split (template `part`, connectors `joint`): answers GLB only.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "choices are given by value, as to every builder; their wire text is kept"
    )]
    pub fn split_character(part: SplitPart, joint: SplitJoint) -> MeshTaskBuilder {
        let mut builder = Self::builder(
            TaskType::Split,
            vec![
                ("model", "character".to_owned()),
                ("part", part.as_str().to_owned()),
                ("joint", joint.as_str().to_owned()),
            ],
        );
        builder.character = true;
        builder.format = Some(OutputFormat::Glb);
        builder
    }

    /// A general split into parts as fine as `level`.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "choices are given by value, as to every builder; their wire text is kept"
    )]
    pub fn split_general(level: MeshLevel) -> MeshTaskBuilder {
        Self::builder(
            TaskType::Split,
            vec![
                ("model", "general".to_owned()),
                ("level", level.as_str().to_owned()),
            ],
        )
    }

    /// A segmentation as fine as `level`; it needs a [`MeshTaskBuilder::format`].
    #[allow(
        clippy::needless_pass_by_value,
        reason = "choices are given by value, as to every builder; their wire text is kept"
    )]
    pub fn segmentation(level: MeshLevel) -> MeshTaskBuilder {
        Self::builder(
            TaskType::Segmentation,
            vec![("seg_level", level.as_str().to_owned())],
        )
    }

    /// A textured GLB reduced to at most `colors` colours (1 to 8; 0 for the most).
    pub fn multicolor(colors: u32) -> MeshTaskBuilder {
        let mut builder = Self::builder(
            TaskType::Multicolor,
            vec![("model", "multicolor".to_owned())],
        );
        builder.colors = Some(colors);
        builder
    }

    /// Which kind of task.
    #[must_use]
    pub fn task_type(&self) -> TaskType {
        self.task_type
    }

    /// The format asked for, if any (the service's default otherwise).
    #[must_use]
    pub fn format(&self) -> Option<&OutputFormat> {
        self.format.as_ref()
    }

    /// The mesh.
    #[must_use]
    pub fn source(&self) -> &MeshSource {
        &self.source
    }

    /// The task as a form: text fields in a fixed order, then the mesh, named after its type
    /// so that no local path leaves the machine.
    #[must_use]
    pub fn to_form(&self) -> MultipartForm {
        let mut form = MultipartForm::new();
        for (field, value) in &self.fields {
            form.text(*field, value.as_str());
        }
        if let Some(format) = &self.format {
            form.text("format", format.to_string());
        }
        if let Some(url) = &self.callback_url {
            form.text("callback_url", url.as_str());
        }
        match &self.source {
            MeshSource::Url(url) => {
                form.text("mesh_url", url.as_str());
            }
            MeshSource::File(mesh) => {
                let extension = mesh.format().extension();
                let name = format!("mesh.{extension}");
                let media_type = media_type(extension);
                crate::rules::submit::add_contents(
                    &mut form,
                    "mesh",
                    name,
                    media_type,
                    mesh.contents(),
                );
            }
        }
        form
    }
}

fn media_type(extension: &str) -> &'static str {
    match extension {
        "glb" => "model/gltf-binary",
        "stl" => "model/stl",
        "obj" => "model/obj",
        _ => "application/octet-stream",
    }
}

impl MeshTaskBuilder {
    /// The mesh, sent with the task.
    pub fn mesh(mut self, mesh: MeshFile) -> Self {
        self.mesh = Some(mesh);
        self
    }

    /// A mesh the service fetches, instead of [`Self::mesh`].
    pub fn mesh_url(mut self, url: impl Into<String>) -> Self {
        self.mesh_url = Some(url.into());
        self
    }

    /// The output format.
    pub fn format(mut self, format: OutputFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Whether a split merges its connectors into the parts (`merge`).
    pub fn merge(mut self, merge: bool) -> Self {
        self.merge = Some(merge);
        self
    }

    /// Where the service posts the finished task.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// The task, or every problem with it.
    ///
    /// # Errors
    /// [`ValidationError`] listing each broken rule and what to change.
    pub fn build(mut self) -> Result<MeshTask, ValidationError> {
        let violations = self.check();
        if !violations.is_empty() {
            return Err(ValidationError::new(violations));
        }
        if let Some(colors) = self.colors {
            self.fields.push(("number_color", colors.to_string()));
        }
        if let Some(merge) = self.merge {
            self.fields
                .push(("merge", if merge { "yes" } else { "no" }.to_owned()));
        }
        let source = match (self.mesh, self.mesh_url) {
            (Some(mesh), None) => MeshSource::File(mesh),
            (None, Some(url)) => MeshSource::Url(url),
            _ => unreachable!("the checks ask for exactly one mesh"),
        };
        Ok(MeshTask {
            task_type: self.task_type,
            source,
            format: self.format,
            fields: self.fields,
            callback_url: self.callback_url,
        })
    }

    fn check(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let spec = MeshTaskSpec::of(self.task_type);
        let name = self.task_type.name();
        match (&self.mesh, &self.mesh_url) {
            (None, None) => out.push(violation(
                SubmitField::Mesh,
                "none",
                format!("a {name} task needs a mesh"),
                Remedy::Add,
                "add one with .mesh(...) (mesh_from_path) or .mesh_url(...)",
            )),
            (Some(_), Some(url)) => out.push(violation(
                SubmitField::MeshUrl,
                url.clone(),
                "a mesh task takes a mesh or a URL, not both",
                Remedy::KeepOne,
                "keep one of .mesh(...) and .mesh_url(...)",
            )),
            (Some(mesh), None) => {
                let types = spec.map_or(&[][..], |spec| spec.mesh_types);
                if !types.contains(&mesh.format().extension()) {
                    out.push(violation(
                        SubmitField::Mesh,
                        mesh.format().to_string(),
                        format!("{name} takes {} meshes", types.join(", ")),
                        Remedy::ReplaceFile,
                        "convert the mesh, or pick a task that takes it",
                    ));
                }
            }
            (None, Some(url)) if !is_absolute_http_url(url) => out.push(violation(
                SubmitField::MeshUrl,
                url.clone(),
                "mesh_url must be an absolute http(s) URL the service can fetch",
                Remedy::Change,
                "pass a result link or the URL upload_mesh answered",
            )),
            (None, Some(_)) => {}
        }
        let formats = spec.map_or(&[][..], |spec| {
            if self.character {
                spec.character_formats
            } else {
                spec.formats
            }
        });
        match &self.format {
            Some(format) if !formats.contains(&format.code()) => out.push(violation(
                SubmitField::Format,
                format.to_string(),
                format!(
                    "{name}{} answers in formats {}",
                    if self.character { " (character)" } else { "" },
                    describe_formats(formats)
                ),
                Remedy::Change,
                "pick one of those",
            )),
            None if spec.is_some_and(|spec| spec.default_format.is_none()) => out.push(violation(
                SubmitField::Format,
                "none",
                format!("{name} needs a format ({})", describe_formats(formats)),
                Remedy::Add,
                "add .format(...)",
            )),
            _ => {}
        }
        if let Some(colors) = self.colors
            && !MULTICOLOR_COLORS.contains(&colors)
        {
            out.push(violation(
                SubmitField::Setting("number_color"),
                colors.to_string(),
                format!(
                    "number_color takes {} to {} (0 for the most)",
                    MULTICOLOR_COLORS.start(),
                    MULTICOLOR_COLORS.end()
                ),
                Remedy::Change,
                "use a count in that range",
            ));
        }
        if self.merge.is_some() && self.task_type != TaskType::Split {
            out.push(violation(
                SubmitField::Setting("merge"),
                "set",
                "merge applies only to a split",
                Remedy::Remove,
                "drop .merge(...)",
            ));
        }
        for (field, value) in &self.fields {
            let (known, listed) = match *field {
                "part" => (
                    SplitPart::from_wire(value).is_known(),
                    names(SplitPart::KNOWN.iter(), |v| v.as_str().to_owned()),
                ),
                "joint" => (
                    SplitJoint::from_wire(value).is_known(),
                    names(SplitJoint::KNOWN.iter(), |v| v.as_str().to_owned()),
                ),
                "level" | "seg_level" => (
                    MeshLevel::from_wire(value).is_known(),
                    names(MeshLevel::KNOWN.iter(), |v| v.as_str().to_owned()),
                ),
                _ => (true, String::new()),
            };
            if !known {
                out.push(violation(
                    SubmitField::Setting(field),
                    value.clone(),
                    format!(
                        "not a {} this SDK knows ({listed})",
                        field.trim_start_matches("seg_")
                    ),
                    Remedy::Change,
                    "use one of those values",
                ));
            }
        }
        callback_url_rule(self.callback_url.as_deref(), &mut out);
        out
    }
}

fn describe_formats(codes: &[i64]) -> String {
    codes
        .iter()
        .map(|code| {
            let format = OutputFormat::from_code(*code);
            format!("{code} {}", format.name().unwrap_or("?"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
