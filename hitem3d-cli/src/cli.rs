//! The command line: every subcommand, its options and its examples.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::listed_values;
use hitem3d_async::types::{
    MeshLevel, Model, OutputFormat, ReliefFormat, ReliefModel, RequestType, Resolution, SplitJoint,
    SplitPart,
};

/// Turn photos into 3D models with Hitem3D (Hi3D).
///
/// With HITEM3D_CLIENT_ID and HITEM3D_CLIENT_SECRET set, commands use the real service (and
/// spend credits); without them they run on the built-in mock service and say so.
/// The heading of the options every command takes, apart from each command's own.
const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(name = "hitem3d", version, after_long_help = EXIT_CODES)]
pub struct Cli {
    /// Print one JSON object per line (events and results) instead of text, for scripts.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// The task journal file [default: the platform's data directory].
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        env = "HITEM3D_JOURNAL",
        value_name = "FILE"
    )]
    pub journal: Option<PathBuf>,
    /// A PostgreSQL database that machines sharing one account use as their journal and work
    /// queue (postgres://USER:PASSWORD@HOST:PORT/DATABASE): `batch` enqueues there, `worker`
    /// runs what is queued, `tasks`, `resume` and `forget` act on it; TLS as psql has it
    /// (…?sslmode=verify-full&sslrootcert=CA.pem) [default: the journal file's queue, for the
    /// workers of this machine].
    #[arg(
        value_hint = clap::ValueHint::Url,
        long,
        global = true,
        help_heading = GLOBAL,
        env = "HITEM3D_QUEUE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub queue: Option<String>,
    /// How much faster than the real service the built-in mock runs.
    #[arg(
        value_hint = clap::ValueHint::Other,
        long,
        global = true,
        help_heading = GLOBAL,
        default_value_t = 60.0,
        value_name = "TIMES"
    )]
    pub mock_speed: f64,
    /// Log what the SDK does on stderr: -v requests and states, -vv details, -vvv everything.
    /// Secrets (credentials, tokens, signed links) never appear, at any level.
    #[arg(long, short, global = true, help_heading = GLOBAL, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Ask for a task's state every this many seconds, instead of the schedule that learns
    /// how long tasks take (for a local mock service, or tests).
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SECONDS", value_hint = clap::ValueHint::Other)]
    pub poll_every: Option<f64>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Parses the command line; every subcommand's `--help` ends with the exit codes.
pub fn parse() -> Cli {
    let command = Cli::command().mut_subcommands(|sub| {
        let examples = sub
            .get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        sub.after_long_help(format!("{examples}\n\n{EXIT_CODES}"))
    });
    let matches = command
        .try_get_matches()
        .unwrap_or_else(|error| refuse(&error));
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| refuse(&error))
}

/// Ends the process for a command line that cannot run: clap's own text, or, when `--json`
/// was asked for, one JSON error line like every other error's (exit code 2 either way). Help
/// and the version print as usual.
fn refuse(error: &clap::Error) -> ! {
    let json = std::env::args_os().any(|arg| arg == "--json");
    if !json || !error.use_stderr() {
        error.exit()
    }
    let rendered = error.render().to_string();
    let message = rendered
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join("\n");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    crate::report::Report::new(true).error(message, crate::exit_code::Exit::Invalid.code());
    std::process::exit(i32::from(crate::exit_code::Exit::Invalid.code()))
}

/// The exit codes, in every `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  another error (the message says which), such as a paid task whose file could not be
     saved: its task id is printed, and saving it again pays nothing
  2  invalid input: fix the command line or the files; nothing was sent or paid
  3  the credentials were refused
  4  not enough credits
  5  the task failed at the service (its credits are refunded)
  6  timed out or the service failed for now: the same command may work later
  7  a submit's outcome is unknown: a task may have been created and charged (see `hitem3d tasks`)
  8  a task was created but the task journal could not record it: keep the task id printed
     (`hitem3d download ID` fetches it without paying); HITEM3D_JOURNAL_RETRY sets how many
     seconds a journal write is retried first (60)
  130  interrupted (Ctrl-C): no partial file is left; the journal keeps the task
A batch or worker exits with its worst input's code, but 1 rather than 2 once it paid for a
task (what it printed names the invalid input).";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a 3D model from a photo (or 2-4 views): submit, wait, download.
    #[command(after_help = "\
Examples:
  hitem3d generate                          # the sample house, on the mock without credentials
  hitem3d generate chair.png --format stl -o models
  hitem3d generate front.jpg --back back.jpg --left left.jpg --right right.jpg
  hitem3d generate photo.png --model hi3dv3.0 --resolution 2048quality --face 500000")]
    Generate(GenerateArgs),
    /// Submit a task and print its id, without waiting (pays for it).
    #[command(after_help = "\
Examples:
  hitem3d submit chair.png --format glb
  hitem3d --json submit chair.png | jq -r .task_id")]
    Submit(SubmitArgs),
    /// Ask the service once where a task stands.
    #[command(after_help = "Example:\n  hitem3d status 2c2ad20c.jjewelry-aigc-api.1NraEb5ohU")]
    Status(TaskIdArg),
    /// Wait for a task to finish (without downloading it).
    #[command(
        after_help = "Example:\n  hitem3d wait 2c2ad20c.jjewelry-aigc-api.1NraEb5ohU --timeout 1200"
    )]
    Wait(WaitArgs),
    /// Download a finished task's model (and cover).
    #[command(
        after_help = "Example:\n  hitem3d download 2c2ad20c.jjewelry-aigc-api.1NraEb5ohU -o models --name chair --cover"
    )]
    Download(DownloadArgs),
    /// Show the account's credits.
    #[command(after_help = "Example:\n  hitem3d balance")]
    Balance,
    /// The price of a task in credits, from the published figures, before paying.
    #[command(after_help = "\
Examples:
  hitem3d estimate --model hitem3dv2.1 --resolution 1536pro
  hitem3d estimate --model hi3dv3.0 --count 40       # a batch of 40 pictures
  hitem3d estimate --task relief")]
    Estimate(EstimateArgs),
    /// Make a model for every picture in files or folders, several at once.
    #[command(after_help = "\
Examples:
  hitem3d batch photos/ --format stl --slots 4 -o models
  hitem3d batch a.png b.png c.jpg --format 3mf
  hitem3d batch --queue postgres://fleet@db.internal/hitem3d photos/ -o /mnt/models
A batch run again (after a crash or Ctrl-C) waits for and downloads what was already paid
for, skips what was saved, and pays only for the rest. With --queue the pictures go into a
fleet's queue (once each) and this machine works on them beside any `hitem3d worker`s; with
--enqueue-only alone they go into the journal file's queue for this machine's workers.")]
    Batch(BatchArgs),
    /// Run what a queue holds (see `batch --enqueue-only`): the journal file's, or a fleet's.
    #[command(after_help = "\
Examples:
  hitem3d batch --enqueue-only photos/ && hitem3d worker -o models
  hitem3d worker --queue postgres://fleet@db.internal/hitem3d -o /mnt/models
  HITEM3D_QUEUE=postgres://fleet@db.internal/hitem3d hitem3d worker -o /mnt/models --slots 8
Each input is claimed under a lease that the worker renews: a worker that dies or stops
leaves its inputs to the others, which finish a paid task without paying again. A worker
stops when every input is saved, failed or waiting for a person (`hitem3d tasks`), or at a
failure that is not its input's (credentials, credits, a folder it cannot use, the service
down): it hands that input back and says why.")]
    Worker(WorkerArgs),
    /// List the tasks in the journal.
    #[command(after_help = "Examples:\n  hitem3d tasks\n  hitem3d tasks --all --json")]
    Tasks(TasksArgs),
    /// Wait for and download the journal's unfinished tasks, paying for nothing.
    #[command(
        after_help = "Examples:\n  hitem3d resume\n  hitem3d resume 12   # one journal entry"
    )]
    Resume(ResumeArgs),
    /// Remove a journal entry whose submit got no answer, once you have checked the console.
    #[command(
        after_help = "Examples:\n  hitem3d forget 12\n  hitem3d forget 12 --again   # no task in the console: queue its input again"
    )]
    Forget(ForgetArgs),
    /// Make a relief (depth map or height-field mesh) from a picture.
    #[command(
        after_help = "Examples:\n  hitem3d relief coin.png --format stl -o reliefs\n  hitem3d relief logo.png --format png"
    )]
    Relief(ReliefArgs),
    /// Split a mesh into printable parts (a character or a general object).
    #[command(
        after_help = "Examples:\n  hitem3d split vase.glb --level high -o parts\n  hitem3d split figure.glb --kind character --parts b --joint ball -o parts"
    )]
    Split(SplitArgs),
    /// Segment a mesh into parts.
    #[command(after_help = "Example:\n  hitem3d segment chair.glb -o parts")]
    Segment(SegmentArgs),
    /// Reduce a textured mesh to a few colours, for multi-colour printing.
    #[command(
        after_help = "Example:\n  hitem3d multicolor toy.glb --colors 4 --format 3mf -o printable"
    )]
    Multicolor(MulticolorArgs),
    /// Upload a mesh and print the URL tasks can use (--mesh-url).
    #[command(after_help = "Example:\n  hitem3d upload chair.glb\n\n\
        The mesh goes to the service's storage, or to the storage `hitem3d mock` names when \
        HITEM3D_BASE_URL points at it. Another S3-style storage: set all four of \
        HITEM3D_UPLOAD_ENDPOINT, HITEM3D_UPLOAD_REGION, HITEM3D_UPLOAD_BUCKET and \
        HITEM3D_UPLOAD_PUBLIC_BASE (where uploaded keys are public).")]
    Upload(UploadArgs),
    /// Run the mock service on its own (for other languages' tests), with the mock's flags.
    #[command(
        disable_help_flag = true,
        after_help = "Example:\n  hitem3d mock --port 8080 --fail-tasks name:broken\n  hitem3d mock --help"
    )]
    Mock(MockArgs),
    /// Serve the tools (generate, query, download, balance, estimate) to an AI agent over
    /// the Model Context Protocol, on stdin and stdout.
    #[command(after_help = "\
Example (a client's configuration):
  {\"mcpServers\": {\"hitem3d\": {\"command\": \"hitem3d\", \"args\": [\"mcp\"],
    \"env\": {\"HITEM3D_CLIENT_ID\": \"...\", \"HITEM3D_CLIENT_SECRET\": \"...\"}}}}")]
    Mcp,
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  hitem3d completions bash > ~/.local/share/bash-completion/completions/hitem3d"
    )]
    Completions(CompletionsArgs),
}

/// The pictures of an image-to-3D task.
#[derive(Debug, Args)]
pub struct PictureArgs {
    /// The picture (the front view when more views are given) [default: the sample house].
    pub image: Option<PathBuf>,
    /// The back view.
    #[arg(long, value_name = "FILE")]
    pub back: Option<PathBuf>,
    /// The left view.
    #[arg(long, value_name = "FILE")]
    pub left: Option<PathBuf>,
    /// The right view.
    #[arg(long, value_name = "FILE")]
    pub right: Option<PathBuf>,
}

/// What an image-to-3D task makes (kept in a fleet's queue beside each input, as JSON).
#[derive(Debug, Args, Clone, serde::Serialize, serde::Deserialize)]
pub struct ModelArgs {
    /// The model.
    #[arg(long, default_value = "hitem3dv2.1", value_parser = listed_values::models())]
    pub model: Model,
    /// The resolution, e.g. 1536fast, 1536pro, 2048quality [default: the model's].
    #[arg(long, value_parser = listed_values::resolutions())]
    pub resolution: Option<Resolution>,
    /// geometry, texture (with --mesh-url) or both [default: both].
    #[arg(long, value_parser = listed_values::request_types())]
    pub request_type: Option<RequestType>,
    /// The mesh to texture, with --request-type texture (see `hitem3d upload`).
    #[arg(long, value_name = "URL", value_hint = clap::ValueHint::Url)]
    pub mesh_url: Option<String>,
    /// The number of faces [default: the model's].
    #[arg(long, value_hint = clap::ValueHint::Other)]
    pub face: Option<u32>,
    /// The model's file format.
    #[arg(long, default_value = "glb", value_parser = listed_values::formats())]
    pub format: OutputFormat,
}

/// Where result files go.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// The directory for the files.
    #[arg(long, short, default_value = "out", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// Download the cover picture too.
    #[arg(long)]
    pub cover: bool,
    /// Replace files that already exist (never done otherwise).
    #[arg(long)]
    pub force: bool,
}

/// `hitem3d generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub pictures: PictureArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The file name without extension [default: the picture's name, or the task id].
    #[arg(long, value_hint = clap::ValueHint::Other)]
    pub name: Option<String>,
    /// Pay for a new task even if the journal holds one made from the same pictures and
    /// options (which is otherwise resumed).
    #[arg(long)]
    pub again: bool,
    /// The most credits this journal's tasks may cost in all, counted from its first task
    /// charged: a task that would pass it is not sent (exit 4) [default: as set before, else
    /// none].
    #[arg(long, value_name = "CREDITS", value_hint = clap::ValueHint::Other)]
    pub max_credits: Option<u64>,
}

/// `hitem3d submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub pictures: PictureArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// A task id.
#[derive(Debug, Args)]
pub struct TaskIdArg {
    /// The task's id, as `submit` printed it.
    pub task_id: String,
}

/// `hitem3d wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The task's id.
    pub task_id: String,
    /// Give up after this many seconds (the task goes on) [default: 3600, the service's limit].
    #[arg(long, value_name = "SECONDS", value_hint = clap::ValueHint::Other)]
    pub timeout: Option<u64>,
}

/// `hitem3d download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The task's id.
    pub task_id: String,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The file name without extension [default: the task id].
    #[arg(long, value_hint = clap::ValueHint::Other)]
    pub name: Option<String>,
}

/// `hitem3d estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// The kind of task.
    #[arg(long, value_enum, default_value_t = TaskKindArg::ImageTo3d)]
    pub task: TaskKindArg,
    /// The model (image-to-3D).
    #[arg(long, default_value = "hitem3dv2.1", value_parser = listed_values::models())]
    pub model: Model,
    /// The resolution (image-to-3D) [default: the model's].
    #[arg(long, value_parser = listed_values::resolutions())]
    pub resolution: Option<Resolution>,
    /// geometry, texture or both (image-to-3D) [default: both].
    #[arg(long, value_parser = listed_values::request_types())]
    pub request_type: Option<RequestType>,
    /// How many such tasks.
    #[arg(long, default_value_t = 1, value_hint = clap::ValueHint::Other)]
    pub count: u32,
}

/// The kinds of task, as `estimate` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskKindArg {
    /// A model from pictures.
    ImageTo3d,
    /// A relief from a picture.
    Relief,
    /// A mesh split into parts.
    Split,
    /// A mesh segmented into parts.
    Segmentation,
    /// A mesh reduced to a few colours.
    Multicolor,
}

/// `hitem3d batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Pictures, or folders of pictures (PNG, JPEG, WebP; not searched recursively).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// How many tasks run at once (at most the account's limit, 10 by default).
    #[arg(long, default_value_t = 4, value_hint = clap::ValueHint::Other)]
    pub slots: usize,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Only put the inputs in the queue (a fleet's with --queue, else the journal file's),
    /// for `hitem3d worker`s to make.
    #[arg(long)]
    pub enqueue_only: bool,
}

/// `hitem3d worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The directory for the files: one that every worker sees.
    #[arg(long, short, default_value = "out", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
    /// How many inputs this worker runs at once.
    #[arg(long, default_value_t = 4, value_hint = clap::ValueHint::Other)]
    pub slots: usize,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// What the fleet shares.
#[derive(Debug, Args, Clone)]
pub struct FleetArgs {
    /// The most unfinished tasks the queue's workers hold at once, together: the account's
    /// limit (10 unless the service raised it), or fewer to leave room for other users of
    /// the account [default: as set before, else 10].
    #[arg(long, value_name = "N", value_hint = clap::ValueHint::Other)]
    pub task_limit: Option<u32>,
    /// The most credits spent through the journal (the whole fleet's with --queue), counted
    /// from its first task: each submit is
    /// charged its published price before it goes out, and none goes out past the limit
    /// [default: as set before, else none].
    #[arg(long, value_name = "CREDITS", value_hint = clap::ValueHint::Other)]
    pub max_credits: Option<u64>,
}

/// `hitem3d tasks`.
#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Also list finished, refused and failed tasks.
    #[arg(long)]
    pub all: bool,
}

/// `hitem3d resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Journal entries to resume (the numbers `hitem3d tasks` shows) [default: all unfinished].
    pub entries: Vec<u64>,
    /// Replace files that already exist.
    #[arg(long)]
    pub force: bool,
    /// The directory for tasks whose entry names none.
    #[arg(long, short, default_value = "out", value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output: PathBuf,
}

/// `hitem3d forget`.
#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The journal entry (as `hitem3d tasks` shows it).
    pub entry: u64,
    /// The console shows no task for it: put its input back in the work queue, where the next
    /// worker submits it and pays again. Only for an input a worker or batch queued whose
    /// outcome is unknown.
    #[arg(long)]
    pub again: bool,
}

/// `hitem3d relief`.
#[derive(Debug, Args)]
pub struct ReliefArgs {
    /// The picture.
    pub image: PathBuf,
    /// png (a 16-bit depth map), exr, bmp, stl, glb or 3mf.
    #[arg(long, default_value = "stl", value_parser = listed_values::relief_formats())]
    pub format: ReliefFormat,
    /// pro or base [default: the service's].
    #[arg(long, value_parser = listed_values::relief_models())]
    pub model: Option<ReliefModel>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The file name without extension [default: the picture's name].
    #[arg(long, value_hint = clap::ValueHint::Other)]
    pub name: Option<String>,
}

/// The mesh tasks' common options.
#[derive(Debug, Args)]
pub struct MeshArgs {
    /// The mesh: a file (GLB, OBJ, STL, FBX, USDZ) or an http(s) URL.
    pub mesh: String,
    /// The result's format [default: the service's, for the tasks that have one; multicolor
    /// has none].
    #[arg(long, value_parser = listed_values::formats())]
    pub format: Option<OutputFormat>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The file name without extension [default: the mesh's name and the task].
    #[arg(long, value_hint = clap::ValueHint::Other)]
    pub name: Option<String>,
}

/// `hitem3d split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    #[command(flatten)]
    pub mesh: MeshArgs,
    /// What the mesh shows: general (any object) or character (a figure, split by body part).
    #[arg(long, value_enum, default_value_t = SplitKind::General)]
    pub kind: SplitKind,
    /// How finely a general object is split: low, medium (the default) or high.
    #[arg(long, value_parser = listed_values::levels())]
    pub level: Option<MeshLevel>,
    /// How a character is split: a (6 parts, the default), b (5), c (4, head not counted), d
    /// (4), e (3), f (2).
    #[arg(long, value_parser = listed_values::parts())]
    pub parts: Option<SplitPart>,
    /// The joints between a character's parts: none (the default), ball or dovetail.
    #[arg(long, value_parser = listed_values::joints())]
    pub joint: Option<SplitJoint>,
}

/// What a split takes the mesh for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitKind {
    /// Any object, split by shape.
    General,
    /// A figure, split by body part.
    Character,
}

/// `hitem3d segment`.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub mesh: MeshArgs,
    /// How finely: low, medium or high.
    #[arg(long, default_value = "medium", value_parser = listed_values::levels())]
    pub level: MeshLevel,
}

/// `hitem3d multicolor`.
#[derive(Debug, Args)]
pub struct MulticolorArgs {
    #[command(flatten)]
    pub mesh: MeshArgs,
    /// How many colours.
    #[arg(long, default_value_t = 4, value_hint = clap::ValueHint::Other)]
    pub colors: u32,
}

/// `hitem3d upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The mesh file (GLB, OBJ, STL, FBX).
    pub mesh: PathBuf,
}

/// `hitem3d mock`: everything after it goes to the mock.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The mock's flags (`hitem3d mock --help` lists them).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `hitem3d completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}
