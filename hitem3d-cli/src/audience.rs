//! Who reads a message, and so how it names what to change: a person at the command line
//! changes flags and runs commands, an agent over MCP changes a tool's arguments and calls
//! tools. And whether a task outlives the run that made it (not on the built-in mock).

use hitem3d_async::SubmitField;
use hitem3d_async::types::TaskId;

/// The reader of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A person (or script) running `hitem3d`.
    CommandLine,
    /// An agent calling the MCP server's tools.
    Agent,
}

/// Who reads, and what a hint about a task left at the service may promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    /// Who reads.
    pub reader: Reader,
    /// Whether a task is still there after this process ends: not on the built-in mock,
    /// whose tasks end with it.
    pub tasks_outlive_the_process: bool,
}

impl Audience {
    /// The command line against a service that keeps its tasks.
    pub const COMMAND_LINE: Self = Self {
        reader: Reader::CommandLine,
        tasks_outlive_the_process: true,
    };

    /// `reader`, on the built-in mock when `on_builtin_mock`.
    pub fn new(reader: Reader, on_builtin_mock: bool) -> Self {
        Self {
            reader,
            tasks_outlive_the_process: !on_builtin_mock,
        }
    }

    /// The argument or flag that sets a field.
    pub fn argument(self, field: SubmitField) -> String {
        let agent = self.reader == Reader::Agent;
        match field {
            SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl if agent => {
                "image".to_owned()
            }
            SubmitField::Images | SubmitField::Image | SubmitField::ImageUrl => "IMAGE".to_owned(),
            SubmitField::MultiImages if agent => "the views (image, back, left, right)".to_owned(),
            SubmitField::MultiImages => "the views (IMAGE, --back, --left, --right)".to_owned(),
            SubmitField::Mesh if agent => "the mesh".to_owned(),
            SubmitField::Mesh => "MESH".to_owned(),
            SubmitField::ModelType if agent => "model".to_owned(),
            SubmitField::ModelType => "--model".to_owned(),
            // The wire's names where the command line's flags differ; a setting no flag sets is
            // named as a setting, never as a flag the command line does not have.
            SubmitField::Setting(name) if !agent => match name {
                "number_color" => "--colors".to_owned(),
                "part" => "--parts".to_owned(),
                "seg_level" | "level" => "--level".to_owned(),
                "joint" => "--joint".to_owned(),
                other => format!("the {} setting", other.replace('_', " ")),
            },
            SubmitField::Setting(other) => format!("the {} setting", other.replace('_', " ")),
            other if agent => other.as_str().to_owned(),
            other => format!("--{}", other.as_str().replace('_', "-")),
        }
    }

    /// How to choose another file name when one is taken.
    pub fn another_name(self) -> &'static str {
        match self.reader {
            Reader::CommandLine => "give --force to replace it, or another --name or -o",
            Reader::Agent => "give another name or output_dir (files are never replaced here)",
        }
    }

    /// How to fetch a task's result later without paying again, or `None` when the task ends
    /// with this process.
    pub fn fetch_later(self, task_id: &TaskId) -> Option<String> {
        if !self.tasks_outlive_the_process {
            return None;
        }
        Some(match self.reader {
            Reader::CommandLine => format!(
                "`hitem3d wait {task_id}` or `hitem3d download {task_id}` picks it up without \
                 paying again"
            ),
            Reader::Agent => {
                format!("the download tool with task_id {task_id} saves it without paying again")
            }
        })
    }
}
