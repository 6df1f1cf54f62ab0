//! `hitem3d mcp`: the tool as a Model Context Protocol server over stdio, for AI agents.
//! Tools: generate, query, download, balance and estimate. Every task goes into the journal
//! as it does from the command line; errors come back as tool errors in the same words.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use hitem3d_async::journal::JournalKey;
use hitem3d_async::types::{Model, OutputFormat, RequestType, Resolution, TaskId};
use hitem3d_async::{GenerateOptions, TaskSource};
use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};

use crate::audience::Reader;
use crate::cli::{ModelArgs, PictureArgs};
use crate::exit_code::{Exit, Failure};
use crate::mcp_answers::{Balance, Downloaded, Estimate, Generated, Queried, Refusal};
use crate::mcp_arguments::Arguments;
use crate::mcp_progress::McpProgress;
use crate::pictures;
use crate::report::Report;
use crate::saved_before::saved_at;
use crate::session::{Connect, Session, connect};
use crate::task_spec;

/// Serves the tools on stdin and stdout until the client goes away.
pub async fn run(how: &Connect, report: Report) -> Result<Exit, Failure> {
    let session = connect(how, report).await?;
    let tools = Tools {
        session: Arc::new(session),
        same_task: Arc::default(),
        report,
    };
    let service = tools
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|error| Failure::other(format!("the MCP session did not start: {error}")))?;
    service
        .waiting()
        .await
        .map_err(|error| Failure::other(format!("the MCP session failed: {error}")))?;
    Ok(Exit::Done)
}

/// The tools, sharing one client (and its task slots, token and journal).
#[derive(Clone)]
struct Tools {
    session: Arc<Session>,
    /// One lock per task key: concurrent calls for the same pictures and options run one
    /// after the other, so the second finds the first's result instead of its submit in
    /// flight.
    same_task: Arc<std::sync::Mutex<HashMap<JournalKey, Arc<tokio::sync::Mutex<()>>>>>,
    /// For notes on stderr only: stdout is the protocol.
    report: Report,
}

/// `generate`'s arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct GenerateRequest {
    /// Path of the picture (the front view when more views are given): PNG, JPEG or WebP.
    image: PathBuf,
    /// Path of the back view.
    back: Option<PathBuf>,
    /// Path of the left view.
    left: Option<PathBuf>,
    /// Path of the right view.
    right: Option<PathBuf>,
    /// The model, e.g. hitem3dv2.1 (default), hi3dv3.0, hitem3dv1.5.
    model: Option<String>,
    /// The resolution, e.g. 1536fast, 1536pro, 2048quality (default: the model's).
    resolution: Option<String>,
    /// glb (default), obj, stl, fbx, usdz or 3mf.
    format: Option<String>,
    /// The number of faces (default: the model's).
    face: Option<u32>,
    /// The directory for the model (default: out).
    output_dir: Option<PathBuf>,
    /// The file name without extension (default: the picture's name).
    name: Option<String>,
}

/// A task id.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct TaskRequest {
    /// The task's id, as generate returned it.
    task_id: String,
}

/// `download`'s arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct DownloadRequest {
    /// The task's id.
    task_id: String,
    /// The directory (default: out).
    output_dir: Option<PathBuf>,
    /// The file name without extension (default: the task id).
    name: Option<String>,
}

/// `estimate`'s arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct EstimateRequest {
    /// The model (default hitem3dv2.1).
    model: Option<String>,
    /// The resolution (default: the model's).
    resolution: Option<String>,
    /// How many tasks (default 1).
    count: Option<u32>,
}

#[tool_router]
impl Tools {
    /// Turns a picture (or 2-4 views) into a 3D model file: submits the task (spending
    /// credits), waits for it (minutes) and saves the model. Run again with the same picture
    /// and options, it returns the file already made instead of paying again.
    #[tool(
        description = "Make a 3D model file from a photo (or 2-4 views of one object). Spends credits; takes minutes, reported as progress notifications when asked for. The same picture and options again return the earlier file without paying.",
        output_schema = schema_for_output::<Generated>()
    )]
    async fn generate(
        &self,
        Parameters(Arguments(request)): Parameters<Arguments<GenerateRequest>>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let request = match request {
            Ok(request) => request,
            Err(problem) => return answer(Err::<Generated, _>(Failure::invalid(problem))),
        };
        let mut progress = McpProgress::for_call(&context);
        let generated = self.run_generate(request, &mut progress).await;
        progress.sent().await;
        answer(generated)
    }

    #[tool(
        description = "Ask once where a task stands: created, queueing, processing, success or failed, with progress when known.",
        output_schema = schema_for_output::<Queried>()
    )]
    async fn query(
        &self,
        Parameters(Arguments(request)): Parameters<Arguments<TaskRequest>>,
    ) -> CallToolResult {
        let request = match request {
            Ok(request) => request,
            Err(problem) => return answer(Err::<Queried, _>(Failure::invalid(problem))),
        };
        let task_id = TaskId::new(request.task_id.trim());
        let queried = self.session.client.query(&task_id).await;
        answer(
            queried
                .map_err(|error| self.failure(&error))
                .map(|task| Queried {
                    task_id: task.task_id.as_str().to_owned(),
                    state: task.state.as_str().to_owned(),
                    percent: task.progress.or(task.process_pct),
                    result_ready: task.url.is_some(),
                }),
        )
    }

    #[tool(
        description = "Save a task's model file (waiting for the task first if it is not done). Never overwrites a file.",
        output_schema = schema_for_output::<Downloaded>()
    )]
    async fn download(
        &self,
        Parameters(Arguments(request)): Parameters<Arguments<DownloadRequest>>,
    ) -> CallToolResult {
        match request {
            Ok(request) => answer(self.run_download(request).await),
            Err(problem) => answer(Err::<Downloaded, _>(Failure::invalid(problem))),
        }
    }

    #[tool(
        description = "The account's credit balance.",
        output_schema = schema_for_output::<Balance>()
    )]
    async fn balance(&self) -> CallToolResult {
        let balance = self.session.client.balance().await;
        answer(
            balance
                .map_err(|error| self.failure(&error))
                .map(|balance| Balance {
                    credits: balance.total().map(|credits| credits.0),
                    simulated: self.session.on_mock(),
                }),
        )
    }

    #[tool(
        description = "The published price in credits of image-to-3D tasks, before paying. Free.",
        output_schema = schema_for_output::<Estimate>()
    )]
    async fn estimate(
        &self,
        Parameters(Arguments(request)): Parameters<Arguments<EstimateRequest>>,
    ) -> CallToolResult {
        answer(
            request
                .map_err(Failure::invalid)
                .and_then(|request| estimate(&request)),
        )
    }
}

impl Tools {
    /// An SDK error in the tools' terms.
    fn failure(&self, error: &hitem3d_async::Error) -> Failure {
        self.session.failure(error, Reader::Agent)
    }

    /// The lock of `key`'s task.
    fn turn_for(&self, key: &JournalKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut turns = self
            .same_task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(turns.entry(key.clone()).or_default())
    }

    async fn run_generate(
        &self,
        request: GenerateRequest,
        progress: &mut McpProgress,
    ) -> Result<Generated, Failure> {
        let model = model_args(
            request.model.as_deref(),
            request.resolution.as_deref(),
            request.format.as_deref(),
            request.face,
        )?;
        let picture_args = PictureArgs {
            image: Some(request.image),
            back: request.back,
            left: request.left,
            right: request.right,
        };
        let pictures = pictures::pictures(&picture_args).await?;
        let task = task_spec::build(&pictures, &model)
            .map_err(|error| self.failure(&hitem3d_async::Error::from(error)))?;
        let key = task_spec::journal_key(&pictures, &model).await?;
        let turn = self.turn_for(&key);
        let _one_at_a_time = turn.lock().await;
        let stem = request
            .name
            .unwrap_or_else(|| pictures::default_stem(&pictures));
        let options = GenerateOptions::new(request.output_dir.unwrap_or_else(|| "out".into()))
            .with_file_stem(stem);
        let paths = options.predictable_paths(Some(task.format()), None);
        // A killed server's partial files (no handler ran) go before this one saves.
        let removed = crate::stale_partials::remove_quietly(&paths);
        if !removed.is_empty() {
            // On stderr, the server's log: stdout is the protocol.
            self.report.note(&format!(
                "removed partial files an interrupted run left: {}",
                removed
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let model_path = paths[0].clone();
        if let Some(entry) = saved_at(&self.session.journal, &key, &model_path).await? {
            return Ok(Generated {
                task_id: entry.task_id.as_ref().map(|id| id.as_str().to_owned()),
                path: absolute(&model_path),
                bytes: None,
                resumed: false,
                by_another_run: false,
                already_saved: true,
                simulated: self.session.on_mock(),
            });
        }
        let options = options.with_journal_key(key);
        let mut resumed = false;
        let generated = self
            .session
            .client
            .generate_with(task, options, |step| {
                resumed |= matches!(step, hitem3d_async::GenerateProgress::Resumed { .. });
                progress.on_generate(&step);
            })
            .await
            .map_err(|error| self.failure(&error).of_paid_step(&error))?;
        Ok(Generated {
            task_id: Some(generated.task_id.as_str().to_owned()),
            path: absolute(&generated.model.path),
            bytes: Some(generated.model.bytes()),
            resumed,
            by_another_run: generated.model.summary.by_another_run,
            already_saved: false,
            simulated: self.session.on_mock(),
        })
    }

    async fn run_download(&self, request: DownloadRequest) -> Result<Downloaded, Failure> {
        let task_id = TaskId::new(request.task_id.trim());
        let dir = request.output_dir.unwrap_or_else(|| "out".into());
        let mut options = GenerateOptions::new(dir);
        if let Some(stem) = &request.name {
            options = options.with_file_stem(stem);
        }
        let saved = self
            .session
            .client
            .generate(TaskSource::existing(task_id.clone(), None), options)
            .await
            .map_err(|error| self.failure(&error))?;
        Ok(Downloaded {
            task_id: task_id.as_str().to_owned(),
            path: absolute(&saved.model.path),
            bytes: saved.model.bytes(),
        })
    }
}

#[tool_handler]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            // Named for this program: rmcp's own name and version were reported before.
            .with_server_info(
                Implementation::new("hitem3d", env!("CARGO_PKG_VERSION"))
                    .with_title("Hitem3D image to 3D"),
            )
            .with_instructions(
                "Hitem3D turns photos into 3D models. `generate` spends credits and takes \
                 minutes; `estimate` says how many first, `balance` how many are left. Paths \
                 are on the machine running this server.",
            )
    }
}

/// A saved file's path as the agent can use it: absolute, since relative paths would be
/// relative to this server's working folder, which the agent does not know.
fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// A tool's result: its answer, or the failure's message and exit code as a tool error.
fn answer<T: Serialize>(result: Result<T, Failure>) -> CallToolResult {
    let (value, failed) = match result {
        Ok(value) => (serde_json::to_value(value), false),
        Err(failure) => (
            serde_json::to_value(Refusal {
                message: failure.message,
                exit_code: failure.exit.code(),
            }),
            true,
        ),
    };
    // Plain data of strings and numbers always serializes.
    let value = value.expect("an answer serializes");
    if failed {
        CallToolResult::structured_error(value)
    } else {
        CallToolResult::structured(value)
    }
}

/// The model options from a tool's strings, with the command line's defaults.
fn model_args(
    model: Option<&str>,
    resolution: Option<&str>,
    format: Option<&str>,
    face: Option<u32>,
) -> Result<ModelArgs, Failure> {
    let model: Model = parse("model", model.unwrap_or("hitem3dv2.1"))?;
    let resolution = resolution
        .map(|text| parse::<Resolution>("resolution", text))
        .transpose()?;
    let format: OutputFormat = parse("format", format.unwrap_or("glb"))?;
    Ok(ModelArgs {
        model,
        resolution,
        request_type: None::<RequestType>,
        mesh_url: None,
        face,
        format,
    })
}

fn parse<T: std::str::FromStr>(field: &str, text: &str) -> Result<T, Failure>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|error| Failure::invalid(format!("{field} {text:?}: {error}")))
}

fn estimate(request: &EstimateRequest) -> Result<Estimate, Failure> {
    let model: Model = parse("model", request.model.as_deref().unwrap_or("hitem3dv2.1"))?;
    let caps = model
        .capabilities()
        .ok_or_else(|| Failure::invalid(format!("model {model}: no published prices")))?;
    let resolution = match &request.resolution {
        Some(text) => parse::<Resolution>("resolution", text)?,
        None => caps.default_resolution.clone(),
    };
    let each = model
        .estimated_credits(&resolution, &RequestType::GeometryAndTexture)
        .ok_or_else(|| {
            Failure::invalid(format!("no published price for {model} at {resolution}"))
        })?;
    let count = request.count.unwrap_or(1);
    Ok(Estimate {
        model: model.to_string(),
        resolution: resolution.to_string(),
        credits_each: each,
        count,
        credits: u64::from(each) * u64::from(count),
    })
}
