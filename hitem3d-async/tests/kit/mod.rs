//! End-to-end scenarios against `hitem3d-mock`, written once and run against every client.
//!
//! Each client implements [`Sdk`] (the async one through a runtime adapter); the
//! `scenarios!` macro turns every scenario below into one `#[test]` per client. This file is
//! shared by `hitem3d-async/tests/scenarios.rs` and `hitem3d-blocking/tests/scenarios.rs`, so
//! the two clients pass the very same checks.

#![allow(
    dead_code,
    reason = "each test binary uses the part of the kit it needs"
)]

use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

use hitem3d_core::types::{
    ApiErrorCode, BalanceData, ErrorClass, MeshLevel, Model, OutputFormat, ReliefFormat,
    ReliefModel, RequestType, SplitJoint, SplitPart, TaskData, TaskId, TaskState, TaskType, View,
};
use hitem3d_core::{
    ClientConfig, ConfirmedCallback, DownloadSummary, Error, GenerateOptions, GenerateProgress,
    Generated, Image, MeshFile, MeshFormat, MeshTask, NewTask, PollSchedule, ReliefTask,
    ResultKind, RetryPolicy, SavedFile, SubmitTask, TaskResult, UploadTarget, WaitEvent,
    WaitOutcome, WaitPolicy,
};
use hitem3d_mock::{BlockingMock, Fault, MockConfig, MockHandle, Route, TaskFailure};

pub mod durable;
pub mod hostile;

#[allow(
    unused_imports,
    reason = "for the `scenarios!` macro, which not every binary uses"
)]
pub use durable::durable_a_saved_model_is_synced_before_it_takes_its_name;

use hostile::{Behavior, HostileServer};

/// What a scenario needs from a client; both front-ends provide it with the same names.
pub trait Sdk: Sized {
    /// A client for `config`.
    fn connect(config: ClientConfig) -> Self;
    fn balance(&self) -> Result<BalanceData, Error>;
    fn submit(&self, task: impl Into<NewTask>) -> Result<TaskId, Error>;
    fn query(&self, task_id: &TaskId) -> Result<TaskData, Error>;
    fn wait_with(
        &self,
        task_id: &TaskId,
        on_event: &mut dyn FnMut(&WaitEvent),
    ) -> Result<WaitOutcome, Error>;
    /// Every update of a watch, the final one included.
    fn watch_events(&self, task_id: &TaskId) -> (Vec<WaitEvent>, Result<WaitOutcome, Error>);
    fn download(
        &self,
        result: &TaskResult,
        kind: ResultKind,
        path: &Path,
    ) -> Result<SavedFile, Error>;
    fn download_to_vec(
        &self,
        result: &TaskResult,
        kind: ResultKind,
    ) -> Result<(Vec<u8>, DownloadSummary), Error>;
    fn generate_with(
        &self,
        task: SubmitTask,
        options: GenerateOptions,
        on_progress: &mut dyn FnMut(GenerateProgress),
    ) -> Result<Generated, Error>;
    fn verify_callback(&self, body: &[u8]) -> Result<ConfirmedCallback, Error>;
    fn available_task_slots(&self) -> usize;
    fn release_task_slot(&self, task_id: &TaskId) -> bool;
    fn remove_partial_files(&self) -> usize;
    fn image_from_path(&self, path: &Path) -> Result<Image, Error>;
    fn mesh_from_path(&self, path: &Path) -> Result<MeshFile, Error>;
    fn upload_mesh(&self, mesh: MeshFile) -> Result<String, Error>;

    fn generate(&self, task: SubmitTask, options: GenerateOptions) -> Result<Generated, Error> {
        self.generate_with(task, options, &mut |_| {})
    }
}

/// Generates one `#[test]` per scenario for the client type `$sdk`.
#[macro_export]
macro_rules! scenarios {
    ($sdk:ty) => {
        $crate::scenarios!(@each $sdk;
            single_view_generate_writes_a_valid_glb,
            multi_view_generate_sends_the_views_in_order,
            staged_texture_textures_the_geometry_result,
            progress_reports_submitted_states_bytes_and_saved,
            watch_ends_with_finished_and_resumes_by_id,
            download_to_a_writer_matches_the_file,
            cover_is_downloaded_when_asked,
            gateway_errors_on_queries_are_retried,
            gateway_error_on_submit_is_not_resent,
            processed_then_failed_submit_reports_unknown_outcome,
            submit_refused_before_sending_is_resent,
            slow_answers_beyond_the_timeout_are_retried,
            token_expiry_mid_wait_refreshes_once,
            bad_credentials_are_an_auth_error_without_retries,
            insufficient_balance_is_reported_and_frees_the_slot,
            generation_failure_as_state_names_the_task,
            generation_failure_as_envelope_names_the_task,
            expired_link_is_refreshed_by_a_requery,
            unknown_task_is_a_query_error,
            wait_deadline_leaves_the_task_resumable,
            callbacks_are_confirmed_by_a_query,
            slots_are_held_until_the_task_finishes,
            balance_reports_the_ledger,
            invalid_input_is_refused_before_any_request,
            a_missing_output_directory_is_created,
            an_unusable_output_directory_fails_before_submitting,
            a_named_file_that_exists_is_never_overwritten,
            a_download_never_replaces_an_existing_file_unless_allowed,
            an_account_limit_below_the_clients_slots_is_learnt,
            a_submit_that_times_out_after_sending_is_never_resent,
            a_file_host_redirect_is_followed_without_credentials,
            hostile_an_endless_answer_is_cut_at_the_cap,
            hostile_a_submit_cut_off_after_its_body_left_is_never_resent,
            hostile_a_submit_reset_after_its_body_left_is_never_resent,
            hostile_an_html_page_where_json_is_expected_is_named,
            hostile_a_token_with_white_space_around_it_is_used_trimmed,
            hostile_a_body_shorter_than_announced_is_fetched_again,
            hostile_a_signal_handler_removes_the_files_of_downloads_in_progress,
            hostile_a_partial_file_is_held_while_it_is_written,
            durable_a_saved_model_is_synced_before_it_takes_its_name,
            hostile_a_download_gone_silent_ends_at_the_idle_timeout,
            hostile_an_upload_goes_out_whole_under_its_content_length,
            hostile_pictures_on_disk_go_out_whole_from_their_files,
            hostile_a_picture_changed_after_it_was_checked_is_refused_before_sending,
            hostile_an_api_redirect_is_never_followed,
            a_relief_goes_from_submit_to_its_file,
            a_users_mesh_is_uploaded_and_textured_through_its_public_url,
            an_upload_signed_for_another_region_is_refused_by_the_storage,
            mesh_tasks_go_from_submit_to_their_files,
            an_invalid_mesh_task_is_refused_before_any_request,
            an_invalid_relief_is_refused_before_any_request,
            a_journaled_generate_cut_short_is_resumed_without_paying_again,
        );
    };
    (@each $sdk:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::kit::within_bound(stringify!($name), $crate::kit::$name::<$sdk>);
            }
        )*
    };
}

/// How long one scenario may take on the busiest machine before it counts as hung: far above
/// what any takes, so it never judges speed, only a scenario that would otherwise wait for
/// ever (a check failing while a stalled server holds a thread).
pub const SCENARIO_BOUND: Duration = Duration::from_secs(600);

/// Runs `scenario` on a thread of its own and fails the test if it has not ended within
/// [`SCENARIO_BOUND`]; a panic inside it fails the test with its own message.
pub fn within_bound(name: &str, scenario: fn()) {
    let (done, ended) = std::sync::mpsc::channel();
    let runner = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(scenario);
            let _ = done.send(());
            outcome
        })
        .expect("a scenario thread");
    match ended.recv_timeout(SCENARIO_BOUND) {
        Ok(()) => {
            if let Err(panic) = runner.join().expect("the outcome was caught") {
                std::panic::resume_unwind(panic);
            }
        }
        Err(_) => panic!(
            "scenario {name} still running after {} s: hung",
            SCENARIO_BOUND.as_secs()
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up

/// A fast mock: a task takes about 100 ms.
pub fn fast_mock() -> BlockingMock {
    BlockingMock::start_with(fast_config())
}

/// The fast mock's configuration with generous lifetimes: at 4200× a real hour-long link
/// lives 0.86 s and a token 21 s, which a busy machine can outlast between two steps. Tests
/// that want a link or token to expire move the mock's clock instead ([`MockHandle::advance`]).
pub fn fast_config() -> MockConfig {
    let mut config = MockConfig::fast();
    config.url_lifetime = Duration::from_secs(30 * 24 * 3600);
    config.token_lifetime = Duration::from_secs(365 * 24 * 3600);
    config
}

/// Policies scaled to the fast mock: short polls, short backoffs, short call limits; meshes go
/// to the mock's storage.
pub fn config_for(mock: &MockHandle) -> ClientConfig {
    config_at(&mock.base_url(), &mock.client_id(), &mock.client_secret())
        .with_upload_target(upload_target_of(mock))
}

/// The mock's object storage as an upload target.
pub fn upload_target_of(mock: &MockHandle) -> UploadTarget {
    UploadTarget::new(
        &mock.upload_endpoint(),
        mock.upload_region(),
        mock.upload_bucket(),
        &mock.upload_public_base(),
    )
    .expect("the mock's loopback URLs")
}

/// The kit's policies, for any local server.
pub fn config_at(base_url: &str, client_id: &str, client_secret: &str) -> ClientConfig {
    ClientConfig::new(
        hitem3d_core::types::ClientId::new(client_id),
        hitem3d_core::types::ClientSecret::new(client_secret),
    )
    .with_base_url(base_url)
    .expect("a loopback URL is accepted")
    .with_request_timeout(Duration::from_secs(5))
    .with_retry(RetryPolicy::default().with_delays(
        Duration::from_millis(5),
        Duration::from_millis(20),
        Duration::from_secs(5),
    ))
    .with_wait(
        WaitPolicy::default()
            .with_schedule(PollSchedule::fixed(Duration::from_millis(15)))
            .with_deadline(Duration::from_secs(20)),
    )
}

pub fn client_for<S: Sdk>(mock: &BlockingMock) -> S {
    S::connect(config_for(mock))
}

/// A picture the mock turns into a relief: a dark disc on white.
pub fn picture() -> Vec<u8> {
    picture_numbered(160)
}

/// A picture that differs for each `index` (the mock tells duplicate submits by content).
pub fn picture_numbered(index: u8) -> Vec<u8> {
    let mut image = image::RgbImage::from_pixel(48, 48, image::Rgb([255, 255, 255]));
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let (dx, dy) = (f64::from(x) - 24.0, f64::from(y) - 24.0);
        if dx.hypot(dy) < 16.0 {
            *pixel = image::Rgb([40, 90, index]);
        }
    }
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("encoding a PNG in memory");
    png.into_inner()
}

pub fn single_view(format: OutputFormat) -> SubmitTask {
    single_view_numbered(format, 160)
}

/// A single-view task whose picture differs for each `index`.
pub fn single_view_numbered(format: OutputFormat, index: u8) -> SubmitTask {
    SubmitTask::builder(Model::Hitem3dV2_1)
        .image(Image::new(picture_numbered(index)))
        .format(format)
        .build()
        .expect("a valid single-view task")
}

pub fn out_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn parse_glb(bytes: &[u8]) -> usize {
    let (document, buffers, _) = gltf::import_slice(bytes).expect("a GLB gltf can read");
    assert!(!buffers.is_empty(), "the GLB carries its buffer");
    document
        .meshes()
        .flat_map(|mesh| mesh.primitives())
        .map(|primitive| {
            primitive
                .reader(|buffer| Some(&buffers[buffer.index()]))
                .read_positions()
                .map_or(0, Iterator::count)
        })
        .sum()
}

fn submit_count(mock: &BlockingMock) -> usize {
    mock.counters().submit_requests
}

fn expect_err<T: std::fmt::Debug>(result: Result<T, Error>) -> Error {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error,
    }
}

// ---------------------------------------------------------------------------------------------
// Flows

pub fn single_view_generate_writes_a_valid_glb<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();

    let generated = client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(dir.path()),
        )
        .expect("generate succeeds");

    let bytes = std::fs::read(&generated.model.path).expect("the model file exists");
    assert_eq!(bytes.len() as u64, generated.model.bytes());
    assert!(parse_glb(&bytes) > 100, "the GLB holds a real mesh");
    assert_eq!(
        generated.model.path.extension().and_then(|e| e.to_str()),
        Some("glb")
    );
    assert_eq!(generated.wait.last_state, TaskState::Success);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    assert_eq!(mock.counters().tokens, 1, "one token for the whole flow");
    mock.assert_no_duplicate_submits();
    mock.assert_no_token_on_downloads();
}

pub fn multi_view_generate_sends_the_views_in_order<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    // Each view a picture of its own (one picture for two views is refused before sending).
    let task = SubmitTask::builder(Model::Hitem3dV1_5)
        .view(View::Left, Image::new(picture_numbered(161)))
        .view(View::Front, Image::new(picture_numbered(162)))
        .view(View::Back, Image::new(picture_numbered(163)))
        .format(OutputFormat::Stl)
        .build()
        .expect("a valid multi-view task");

    let generated = client
        .generate(
            task,
            GenerateOptions::new(dir.path()).with_file_stem("statue"),
        )
        .expect("generate succeeds");

    assert!(generated.model.path.ends_with("statue.stl"));
    let submit = mock
        .journal()
        .into_iter()
        .find(|entry| entry.route == Route::Submit)
        .expect("a submit was journaled");
    let field = |name: &str| {
        submit
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(
        field("multi_images_bit").as_deref(),
        Some("1110"),
        "bits in front, back, left, right order"
    );
    assert_eq!(submit.files.len(), 3, "three view files sent");
    let stl = std::fs::read(&generated.model.path).unwrap();
    assert_eq!(
        stl.len(),
        84 + 50 * u32::from_le_bytes(stl[80..84].try_into().unwrap()) as usize
    );
}

pub fn staged_texture_textures_the_geometry_result<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let geometry = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(picture()))
        .request_type(RequestType::Geometry)
        .build()
        .unwrap();
    let shape = client
        .generate(
            geometry,
            GenerateOptions::new(dir.path()).with_file_stem("shape"),
        )
        .expect("the geometry stage succeeds");

    let texture = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(picture()))
        .request_type(RequestType::Texture)
        .mesh_url(shape.wait.result.model_url.clone())
        .build()
        .unwrap();
    let textured = client
        .generate(
            texture,
            GenerateOptions::new(dir.path()).with_file_stem("textured"),
        )
        .expect("the texture stage succeeds");

    assert_ne!(shape.task_id, textured.task_id);
    assert!(textured.model.path.ends_with("textured.glb"));
    let submits: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|entry| entry.route == Route::Submit)
        .collect();
    assert_eq!(submits.len(), 2);
    assert!(
        submits[1]
            .fields
            .iter()
            .any(|(key, value)| key == "mesh_url" && value == &shape.wait.result.model_url)
    );
}

pub fn progress_reports_submitted_states_bytes_and_saved<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let mut steps = Vec::new();

    let generated = client
        .generate_with(
            single_view(OutputFormat::Obj),
            GenerateOptions::new(dir.path()),
            &mut |step| steps.push(step),
        )
        .unwrap();

    assert!(
        matches!(&steps[0], GenerateProgress::Submitted { task_id } if *task_id == generated.task_id)
    );
    let states: Vec<_> = steps
        .iter()
        .filter_map(|step| match step {
            GenerateProgress::Waiting(WaitEvent::StateChanged { to, .. }) => Some(to.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        states.last(),
        Some(&TaskState::Success),
        "states: {states:?}"
    );
    let last_bytes = steps
        .iter()
        .filter_map(|step| match step {
            GenerateProgress::Downloading(progress) => Some(progress.bytes),
            _ => None,
        })
        .next_back();
    assert_eq!(last_bytes, Some(generated.model.bytes()));
    assert!(
        matches!(steps.last(), Some(GenerateProgress::Saved(file)) if *file == generated.model)
    );
}

pub fn watch_ends_with_finished_and_resumes_by_id<S: Sdk>() {
    let mock = fast_mock();
    let submitter: S = client_for(&mock);
    let task_id = submitter.submit(single_view(OutputFormat::Glb)).unwrap();

    // Another client (another process) resumes by id.
    let resumer: S = client_for(&mock);
    let (events, outcome) = resumer.watch_events(&task_id);
    let outcome = outcome.expect("the task succeeds");
    assert_eq!(outcome.task_id, task_id);
    assert!(matches!(
        events.first(),
        Some(WaitEvent::StateChanged { from: None, .. })
    ));
    assert!(events.iter().all(|event| event.task_id() == &task_id));
    // The submitter still holds the slot until it sees the end itself.
    assert_eq!(submitter.available_task_slots(), 9);
    assert_eq!(submitter.query(&task_id).unwrap().state, TaskState::Success);
    assert_eq!(submitter.available_task_slots(), 10);
}

pub fn download_to_a_writer_matches_the_file<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let generated = client
        .generate(
            single_view(OutputFormat::Fbx),
            GenerateOptions::new(dir.path()),
        )
        .unwrap();

    let (bytes, summary) = client
        .download_to_vec(&generated.model.summary.result, ResultKind::Model)
        .unwrap();

    assert_eq!(bytes, std::fs::read(&generated.model.path).unwrap());
    assert_eq!(summary.bytes, bytes.len() as u64);
    assert!(bytes.starts_with(b"; FBX"), "an ASCII FBX");
}

pub fn cover_is_downloaded_when_asked<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let generated = client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(dir.path()).with_cover(true),
        )
        .unwrap();
    let cover = generated.cover.expect("a cover was saved");
    let webp = std::fs::read(&cover.path).unwrap();
    assert!(
        webp.starts_with(b"RIFF") && webp.get(8..12) == Some(b"WEBP".as_slice()),
        "the cover is a WebP, as the service's are"
    );
    assert!(
        cover
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains("-cover")
    );
    assert_eq!(cover.path.extension().unwrap(), "webp");
    mock.assert_no_token_on_downloads();
}

// ---------------------------------------------------------------------------------------------
// Faults

pub fn gateway_errors_on_queries_are_retried<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    mock.inject_times(Route::Query, Fault::HtmlStatus(502), 2);
    mock.inject(Route::Token, Fault::HtmlStatus(503));
    let dir = out_dir();

    client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(dir.path()),
        )
        .expect("transient errors pass");

    assert_eq!(
        mock.counters().tokens,
        2,
        "the 503 token answer was retried"
    );
    let queries: Vec<u16> = mock
        .journal()
        .iter()
        .filter(|entry| entry.route == Route::Query)
        .map(|entry| entry.status)
        .collect();
    assert_eq!(&queries[..2], [502, 502], "both gateway errors were seen");
    assert!(
        queries.len() >= 3,
        "and the query was sent again: {queries:?}"
    );
    mock.assert_no_duplicate_submits();
}

pub fn gateway_error_on_submit_is_not_resent<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    mock.inject(Route::Submit, Fault::HtmlStatus(502));

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert!(!error.is_retryable(), "resending could pay twice");
    assert_eq!(submit_count(&mock), 1, "not resent");
    assert_eq!(client.available_task_slots(), 10, "the slot was given back");
}

pub fn processed_then_failed_submit_reports_unknown_outcome<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    mock.inject(Route::Submit, Fault::ProcessThenFail);

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert!(
        error.to_string().contains("balance"),
        "says how to check: {error}"
    );
    assert_eq!(
        mock.counters().tasks_created,
        1,
        "the service did create one task"
    );
    assert_eq!(submit_count(&mock), 1, "and it was not created twice");
    mock.assert_no_duplicate_submits();
}

pub fn submit_refused_before_sending_is_resent<S: Sdk>() {
    // The host answers the token, then goes down: each submit's connection is refused, so
    // nothing of it was sent, and even a paid submit may be sent again.
    let server = HostileServer::start_then_refuse([hostile::json(200, HOSTILE_TOKEN)]);
    let client: S = hostile_client(&server);

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(
        !error.is_submit_outcome_unknown(),
        "nothing was sent: {error}"
    );
    assert!(
        error.is_retryable(),
        "a refused connection may pass: {error}"
    );
    let Some(hitem3d_core::CallError::Transport {
        operation,
        attempts,
        ..
    }) = error.call_error()
    else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(*operation, hitem3d_core::Operation::SubmitTask);
    assert_eq!(
        *attempts,
        RetryPolicy::default().max_attempts,
        "the submit was sent again, to the limit"
    );
    assert_eq!(
        server.received().len(),
        1,
        "only the token request got through"
    );
}

pub fn slow_answers_beyond_the_timeout_are_retried<S: Sdk>() {
    let mock = fast_mock();
    let config = config_for(&mock).with_request_timeout(Duration::from_millis(300));
    let client = S::connect(config);
    mock.inject(Route::Balance, Fault::Delay(Duration::from_secs(2)));

    let balance = client
        .balance()
        .expect("the second attempt answers in time");

    assert!(balance.total().is_some());
    assert_eq!(mock.counters().balances, 2);
}

pub fn token_expiry_mid_wait_refreshes_once<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    mock.inject(Route::Query, Fault::ExpireTokens);

    let outcome = client
        .wait_with(&task_id, &mut |_| {})
        .expect("the wait survives");

    assert_eq!(outcome.last_state, TaskState::Success);
    assert_eq!(mock.counters().tokens, 2, "one refresh");
}

pub fn bad_credentials_are_an_auth_error_without_retries<S: Sdk>() {
    let mock = fast_mock();
    let mut config = config_for(&mock);
    config.client_secret = hitem3d_core::types::ClientSecret::new("sk_wrong");
    let client = S::connect(config);

    let error = expect_err(client.balance());

    assert!(error.is_auth(), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(error.code(), Some(&ApiErrorCode::InvalidClientCredentials));
    assert_eq!(mock.counters().tokens, 1, "bad credentials are not retried");
    assert!(
        !error.to_string().contains(&mock.client_secret()),
        "no secret in messages"
    );

    // The credentials do not change: later calls end the same way and send nothing (each
    // refused login would be one more on the account).
    let again = expect_err(client.balance());
    assert!(again.is_auth(), "{again}");
    let dir = out_dir();
    let generated = expect_err(client.generate(
        single_view(OutputFormat::Glb),
        GenerateOptions::new(dir.path()),
    ));
    assert!(generated.is_auth(), "{generated}");
    assert_eq!(
        mock.counters().tokens,
        1,
        "one refused login, not one per call"
    );
    assert_eq!(mock.counters().submit_requests, 0, "nothing submitted");
}

pub fn insufficient_balance_is_reported_and_frees_the_slot<S: Sdk>() {
    let mock = BlockingMock::start_with(fast_config().with_balance(1.0));
    let client: S = client_for(&mock);
    let dir = out_dir();

    let error = expect_err(client.generate(
        single_view(OutputFormat::Glb),
        GenerateOptions::new(dir.path()),
    ));

    assert!(error.is_insufficient_balance(), "{error}");
    assert_eq!(error.class(), ErrorClass::Billing);
    assert!(!error.is_retryable());
    assert_eq!(mock.counters().tasks_created, 0);
    assert_eq!(client.available_task_slots(), 10);
}

pub fn generation_failure_as_state_names_the_task<S: Sdk>() {
    generation_failure::<S>(TaskFailure::State);
}

pub fn generation_failure_as_envelope_names_the_task<S: Sdk>() {
    generation_failure::<S>(TaskFailure::Envelope);
}

fn generation_failure<S: Sdk>(how: TaskFailure) {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    mock.fail_next_tasks(how, 1);
    let balance_before = mock.balance();
    let dir = out_dir();

    let error = expect_err(client.generate(
        single_view(OutputFormat::Glb),
        GenerateOptions::new(dir.path()),
    ));

    assert_eq!(error.class(), ErrorClass::GenerationFailed, "{error}");
    let task_id = error.task_id().expect("the failed task is named").clone();
    assert_eq!(mock.task_state(task_id.as_str()), Some(TaskState::Failed));
    assert_eq!(client.available_task_slots(), 10);
    assert_eq!(mock.balance(), balance_before, "refunded");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file written"
    );
}

pub fn expired_link_is_refreshed_by_a_requery<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    let outcome = client.wait_with(&task_id, &mut |_| {}).unwrap();
    // Past the link's lifetime in mock time: it answers 403 from now on, however fast or
    // slow this machine is.
    mock.advance(Duration::from_secs(31 * 24 * 3600));
    let dir = out_dir();

    let saved = client
        .download(
            &outcome.result,
            ResultKind::Model,
            &dir.path().join("late.glb"),
        )
        .expect("a fresh link is fetched");

    assert_eq!(saved.summary.requeries, 1);
    assert_ne!(saved.summary.result.model_url, outcome.result.model_url);
    assert!(parse_glb(&std::fs::read(&saved.path).unwrap()) > 0);
    mock.assert_no_token_on_downloads();
}

pub fn unknown_task_is_a_query_error<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);

    let error = expect_err(client.query(&TaskId::new("no-such-task")));

    assert!(!error.is_retryable(), "{error}");
    assert!(
        error.code().is_some(),
        "the service's code is kept: {error}"
    );
}

pub fn wait_deadline_leaves_the_task_resumable<S: Sdk>() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let config = config_for(&mock).with_wait(
        WaitPolicy::default()
            .with_schedule(PollSchedule::fixed(Duration::from_millis(20)))
            .with_deadline(Duration::from_millis(150)),
    );
    let client = S::connect(config);
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();

    let error = expect_err(client.wait_with(&task_id, &mut |_| {}));

    assert!(error.is_retryable(), "the task may still finish: {error}");
    assert_eq!(error.task_id(), Some(&task_id));
    assert_eq!(
        client.available_task_slots(),
        10,
        "an abandoned wait frees the slot"
    );
    mock.advance(Duration::from_secs(600));
    assert_eq!(
        client.wait_with(&task_id, &mut |_| {}).unwrap().task_id,
        task_id
    );
}

pub fn callbacks_are_confirmed_by_a_query<S: Sdk>() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let client: S = client_for(&mock);
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    let claim = |state: &str| {
        format!(
            r#"{{"code":200,"data":{{"task_id":"{task_id}","state":"{state}","url":"https://cdn.example/x.glb"}},"msg":"success"}}"#
        )
    };

    let early = client.verify_callback(claim("success").as_bytes()).unwrap();
    assert!(!early.agrees, "the task is not done yet; the query says so");
    mock.advance(Duration::from_secs(600));
    let confirmed = client.verify_callback(claim("success").as_bytes()).unwrap();
    assert!(confirmed.agrees);
    assert_eq!(confirmed.task.state, TaskState::Success);
    assert!(
        confirmed
            .task
            .url
            .as_deref()
            .is_some_and(|url| url.starts_with(&mock.base_url())),
        "the queried (real) link wins over the claimed one"
    );
    let error = expect_err(client.verify_callback(b"<html>not json</html>"));
    assert_eq!(error.class(), ErrorClass::Input);
}

pub fn slots_are_held_until_the_task_finishes<S: Sdk>() {
    let mock = BlockingMock::start_with(MockConfig::manual());
    let config = config_for(&mock).with_task_slots(2).unwrap();
    let client = S::connect(config);
    let first = client.submit(single_view(OutputFormat::Glb)).unwrap();
    let second = client.submit(single_view(OutputFormat::Glb)).unwrap();
    assert_eq!(client.available_task_slots(), 0);

    assert!(!client.query(&first).unwrap().state.is_terminal());
    assert_eq!(
        client.available_task_slots(),
        0,
        "an unfinished task keeps its slot"
    );
    assert!(client.release_task_slot(&second));
    assert!(!client.release_task_slot(&second), "released once");
    mock.advance(Duration::from_secs(600));
    assert!(client.query(&first).unwrap().state.is_terminal());
    assert_eq!(client.available_task_slots(), 2);
}

pub fn balance_reports_the_ledger<S: Sdk>() {
    let mock = BlockingMock::start_with(MockConfig::manual().with_balance(500.0));
    let client: S = client_for(&mock);
    let before = client.balance().unwrap().total().unwrap();
    client.submit(single_view(OutputFormat::Glb)).unwrap();
    let after = client.balance().unwrap().total().unwrap();
    assert!((before.0 - 500.0).abs() < f64::EPSILON);
    // hitem3dv2.1 at its default 1536fast costs 25 credits (shared/hitem3d-api.md §14 C).
    assert!(
        (before.0 - after.0 - 25.0).abs() < f64::EPSILON,
        "the submit was charged its price: {before:?} → {after:?}"
    );
}

pub fn invalid_input_is_refused_before_any_request<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);

    // The builder is the only way to a SubmitTask: an invalid one never reaches the client.
    let error = Error::from(
        SubmitTask::builder(Model::Hitem3dV2_1)
            .view(View::Back, Image::new(picture()))
            .face(1)
            .build()
            .unwrap_err(),
    );

    assert!(error.is_invalid_input());
    let message = error.to_string();
    assert!(message.contains("front"), "says what to change: {message}");
    assert!(message.contains("face"), "every problem at once: {message}");
    assert!(mock.journal().is_empty(), "nothing was sent");
    // The same client then sends a valid task: the journal was empty for want of requests,
    // not for want of a journal.
    client.submit(single_view(OutputFormat::Glb)).unwrap();
    assert_eq!(submit_count(&mock), 1);
}

pub fn a_missing_output_directory_is_created<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let nested = dir.path().join("models").join("today");

    let generated = client
        .generate(
            single_view(OutputFormat::Glb),
            GenerateOptions::new(&nested),
        )
        .expect("generate succeeds");

    assert!(generated.model.path.starts_with(&nested));
    assert!(generated.model.path.is_file());
}

pub fn an_unusable_output_directory_fails_before_submitting<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();

    let error = expect_err(client.generate(
        single_view(OutputFormat::Glb),
        GenerateOptions::new(file.join("models")),
    ));

    assert!(matches!(error, Error::File { .. }), "{error}");
    assert!(
        error.to_string().contains("a-file"),
        "names the path: {error}"
    );
    assert_eq!(submit_count(&mock), 0, "nothing was paid for");
}

pub fn a_named_file_that_exists_is_never_overwritten<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let options = GenerateOptions::new(dir.path()).with_file_stem("chair");
    let first = client
        .generate(single_view(OutputFormat::Glb), options.clone())
        .expect("the first generate succeeds");
    let written = std::fs::read(&first.model.path).unwrap();

    let error = expect_err(client.generate(single_view(OutputFormat::Glb), options.clone()));

    assert!(matches!(&error, Error::PathTaken { .. }), "{error}");
    assert!(error.is_invalid_input(), "nothing was paid: {error}");
    assert!(
        error.to_string().contains("chair.glb"),
        "names the file: {error}"
    );
    assert_eq!(submit_count(&mock), 1, "the second task was not paid for");
    assert_eq!(
        std::fs::read(&first.model.path).unwrap(),
        written,
        "the first file is intact"
    );

    // Asked to, it replaces the file.
    let replaced = client
        .generate(single_view(OutputFormat::Glb), options.with_overwrite(true))
        .expect("an allowed overwrite succeeds");
    assert_eq!(replaced.model.path, first.model.path);

    // A link to nothing takes the name too: it was paid for, then the save failed (exit 2
    // after payment).
    #[cfg(unix)]
    {
        let link = dir.path().join("table.glb");
        std::os::unix::fs::symlink(dir.path().join("gone.glb"), &link).unwrap();
        let paid = submit_count(&mock);
        let options = GenerateOptions::new(dir.path()).with_file_stem("table");
        let error = expect_err(client.generate(single_view(OutputFormat::Glb), options));
        assert!(matches!(&error, Error::PathTaken { .. }), "{error}");
        assert_eq!(submit_count(&mock), paid, "refused before paying");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    }
}

pub fn a_download_never_replaces_an_existing_file_unless_allowed<S: Sdk>() {
    let mock = fast_mock();
    let client: S = client_for(&mock);
    let dir = out_dir();
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    let outcome = client.wait_with(&task_id, &mut |_| {}).unwrap();
    let path = dir.path().join("mine.glb");
    std::fs::write(&path, b"the user's own file").unwrap();

    let error = expect_err(client.download(&outcome.result, ResultKind::Model, &path));

    assert!(matches!(&error, Error::File { .. }), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), b"the user's own file");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
}

/// Fails if `text` shows any secret the mock handed out or received: the client secret, the
/// Basic credentials as they are sent (base64), any bearer token it issued, or a result link's
/// signature.
pub fn assert_no_secrets(text: &str, mock: &MockHandle) {
    assert_no_credentials(text, mock);
    let tokens = mock.issued_tokens();
    assert!(!tokens.is_empty(), "the mock issued a token to look for");
    for token in tokens {
        assert!(!text.contains(&token), "a bearer token leaked");
    }
    assert!(!text.contains("auth_key="), "a signed link leaked");
    for secret in mock.issued_upload_secrets() {
        assert!(
            !text.contains(&secret),
            "a storage secret or session token leaked"
        );
    }
    assert!(
        !text.contains("X-Amz-Signature"),
        "a signed upload link leaked"
    );
}

/// A small mesh to upload.
pub fn tiny_glb() -> MeshFile {
    MeshFile::new(
        b"glTF\x02\x00\x00\x00 a tiny model".to_vec(),
        MeshFormat::Glb,
    )
    .unwrap()
}

/// The mock's storage under a region it does not sign for: every put is refused.
pub fn wrong_region_of(mock: &MockHandle) -> UploadTarget {
    UploadTarget::new(
        &mock.upload_endpoint(),
        "us-east-1",
        mock.upload_bucket(),
        &mock.upload_public_base(),
    )
    .unwrap()
}

/// A refused upload's messages (`Debug`, `Display`, sources) hold no secret.
pub fn assert_upload_refusal_holds_no_secret(refused: &Error, mock: &MockHandle) {
    assert!(matches!(refused, Error::Upload(_)), "{refused:?}");
    assert!(
        mock.issued_upload_secrets().len() >= 4,
        "two uploads got credentials"
    );
    let mut messages = vec![format!("{refused:?}"), refused.to_string()];
    let mut source = std::error::Error::source(refused);
    while let Some(error) = source {
        messages.push(error.to_string());
        source = error.source();
    }
    for message in messages {
        assert_no_secrets(&message, mock);
    }
}

/// Neither the client secret nor the Basic credentials made of it appear in `text`.
pub fn assert_no_credentials(text: &str, mock: &MockHandle) {
    use base64::Engine as _;
    let secret = mock.client_secret();
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", mock.client_id()));
    assert!(!text.contains(&secret), "the client secret leaked");
    assert!(!text.contains(&basic), "the Basic credentials leaked");
}

/// Scripts the file host for a generate: the model's first link has expired (the client must
/// ask for fresh links) and the fresh one redirects to another path, as a CDN does.
pub fn script_an_expired_then_redirected_link(mock: &MockHandle) {
    mock.inject(Route::Download, Fault::ExpiredLink);
    mock.inject(Route::Download, Fault::Redirect);
}

/// Every link the file host is asked for from now on has expired, so a download fails.
pub fn script_dead_links(mock: &MockHandle) {
    mock.inject_times(Route::Download, Fault::ExpiredLink, 1000);
}

/// The structural secrets check, after [`capture_all_logs`], a generate scripted with
/// [`script_an_expired_then_redirected_link`] and a download that failed on
/// [`script_dead_links`]: the expired link and the redirect were really met, and no secret,
/// token or signed link is in any log line, error message (its sources included) or `Debug`.
pub fn assert_nothing_secret_anywhere(
    captured: &CapturedLogs,
    generated: &Generated,
    failed_download: &Error,
    mock: &MockHandle,
) {
    let downloads: Vec<_> = mock
        .journal()
        .into_iter()
        .filter(|entry| entry.route == Route::Download)
        .collect();
    assert!(
        downloads.iter().any(|entry| entry.status == 403),
        "an expired link was met"
    );
    assert!(
        downloads
            .iter()
            .any(|entry| entry.status == 200 && entry.request_line.contains("/files/edge/")),
        "a redirect was followed"
    );
    assert!(
        generated.cover.is_some(),
        "the cover came through the same host"
    );
    assert!(
        log::log_enabled!(target: "anything", log::Level::Trace),
        "the `log` logger listens at TRACE"
    );
    let logs = captured.text();
    assert_generate_logs(&logs, generated, mock);
    let mut messages = vec![format!("{failed_download:?}")];
    let mut source: Option<&dyn std::error::Error> = Some(failed_download);
    while let Some(error) = source {
        messages.push(error.to_string());
        source = error.source();
    }
    for message in messages {
        assert_no_secrets(&message, mock);
    }
}

pub fn an_account_limit_below_the_clients_slots_is_learnt<S: Sdk + Sync>() {
    // The account allows one unfinished task (as resellers do); the client has ten slots.
    let mut config = MockConfig::manual();
    config.max_unfinished_tasks = 1;
    let mock = BlockingMock::start_with(config);
    let client: S = client_for(&mock);
    let first = client
        .submit(single_view_numbered(OutputFormat::Glb, 1))
        .unwrap();

    std::thread::scope(|scope| {
        let second = scope.spawn(|| client.submit(single_view_numbered(OutputFormat::Glb, 2)));
        // Wait (for events, not for a time) until the mock has refused the second submit and
        // the client has lowered its limit: the journal shows the refusal before the client
        // has read it.
        let refused = || {
            mock.journal()
                .iter()
                .any(|entry| entry.route == Route::Submit && entry.code == Some(40_029_000))
        };
        let started = std::time::Instant::now();
        let learnt = loop {
            if refused() && client.available_task_slots() == 0 {
                break true;
            }
            if started.elapsed() > Duration::from_secs(120) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(10));
        };

        // Whatever happened, the first task ends and is seen to end, so the waiting submit
        // goes on and the scope can finish: a failed check below must not hang the test.
        assert!(mock.complete_task(first.as_str()));
        let first_state = client.query(&first).map(|data| data.state);
        let second = second.join().unwrap();
        assert!(
            learnt,
            "the client learnt the account's limit (no slot free)"
        );
        assert!(first_state.unwrap().is_terminal());
        let second = second.expect("submitted once a slot was free");
        assert_ne!(second, first);
    });
    assert_eq!(
        mock.task_ids().len(),
        2,
        "two tasks, the refusal created none"
    );
}

pub fn a_submit_that_times_out_after_sending_is_never_resent<S: Sdk>() {
    let mock = fast_mock();
    // The mock creates the task, then holds its answer far longer than the client waits.
    mock.inject(Route::Submit, Fault::Delay(Duration::from_secs(5)));
    let config = config_for(&mock).with_request_timeout(Duration::from_millis(300));
    let client = S::connect(config);

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(error.is_submit_outcome_unknown(), "{error}");
    assert_eq!(submit_count(&mock), 1, "sent once, never again");
    assert_eq!(mock.counters().tasks_created, 1, "exactly one task exists");
    mock.assert_no_duplicate_submits();
}

pub fn a_file_host_redirect_is_followed_without_credentials<S: Sdk>() {
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let mock = fast_mock();
    let client: S = client_for(&mock);
    let task_id = client.submit(single_view(OutputFormat::Glb)).unwrap();
    let outcome = client.wait_with(&task_id, &mut |_| {}).unwrap();
    // A first file host that sends every request on to the mock's real link.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let redirector = runtime.block_on(MockServer::start());
    let to_real_link =
        ResponseTemplate::new(302).insert_header("location", outcome.result.model_url.as_str());
    runtime.block_on(
        Mock::given(any())
            .respond_with(to_real_link)
            .mount(&redirector),
    );
    let link = format!("{}/cdn/m.glb?auth_key=1-0-0-5ecret", redirector.uri());
    let result = success_result(task_id.as_str(), &link);
    let dir = out_dir();

    let saved = client
        .download(&result, ResultKind::Model, &dir.path().join("m.glb"))
        .expect("the redirect is followed");

    assert!(parse_glb(&std::fs::read(&saved.path).unwrap()) > 0);
    let first = runtime.block_on(redirector.received_requests()).unwrap();
    assert_eq!(first.len(), 1);
    assert!(!first[0].headers.contains_key("authorization"));
    mock.assert_no_token_on_downloads();
    let referers = mock
        .journal()
        .into_iter()
        .filter(|entry| entry.route == Route::Download)
        .flat_map(|entry| entry.headers)
        .filter(|(name, _)| name.eq_ignore_ascii_case("referer"))
        .count();
    assert_eq!(
        referers, 0,
        "no Referer carries the signed link to the next host"
    );
}

// ---------------------------------------------------------------------------------------------
// Against a hostile server

pub const HOSTILE_TOKEN: &str = r#"{"code":200,"data":{"accessToken":"t0k3n"},"msg":"success"}"#;

/// The result of a task that succeeded with its model at `url`.
fn success_result(task_id: &str, url: &str) -> TaskResult {
    let data: TaskData = serde_json::from_value(serde_json::json!({
        "task_id": task_id, "state": "success", "url": url,
    }))
    .unwrap();
    TaskResult::from_task(&data, hitem3d_core::Timestamp::ZERO).unwrap()
}

fn hostile_client<S: Sdk>(server: &HostileServer) -> S {
    S::connect(config_at(&server.base_url(), "ak_hostile", "sk_hostile"))
}

pub fn hostile_an_endless_answer_is_cut_at_the_cap<S: Sdk>() {
    let endless = Behavior::Endless {
        head: "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n".to_owned(),
        piece: br#"{"code":200,"data":{"accessToken":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"#.to_vec(),
    };
    let server = HostileServer::start(std::iter::repeat_n(endless, 8));
    let client: S = hostile_client(&server);

    let error = expect_err(client.balance());

    assert!(
        matches!(
            error.api_error(),
            Some(hitem3d_core::ApiError::Decode(
                hitem3d_core::DecodeError::TooLarge { .. }
            ))
        ),
        "{error}"
    );
    assert!(
        server.received().len() <= 4,
        "retried within the policy, then given up"
    );
}

pub fn hostile_a_submit_cut_off_after_its_body_left_is_never_resent<S: Sdk>() {
    let server = HostileServer::start([
        hostile::json(200, HOSTILE_TOKEN),
        Behavior::ResetAfterRequest,
        Behavior::ResetAfterRequest,
    ]);
    let client: S = hostile_client(&server);

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(error.is_submit_outcome_unknown(), "{error}");
    let submits = server.submits_received();
    assert_eq!(
        submits, 1,
        "it may have created a task: it is never sent twice"
    );
}

/// A real TCP reset after the submit's body arrived: the request may have created a task, so
/// it is never sent again. Classing a reset as "not sent" in a transport survived every test
/// while the only "reset" was a graceful close.
pub fn hostile_a_submit_reset_after_its_body_left_is_never_resent<S: Sdk>() {
    let server = HostileServer::start([
        hostile::json(200, HOSTILE_TOKEN),
        Behavior::TcpResetAfterRequest,
        Behavior::TcpResetAfterRequest,
    ]);
    let client: S = hostile_client(&server);

    let error = expect_err(client.submit(single_view(OutputFormat::Glb)));

    assert!(error.is_submit_outcome_unknown(), "{error}");
    let submits = server.submits_received();
    assert_eq!(submits, 1, "it may have created a task: never sent twice");
}

/// An API call answered with a redirect ends there: following it would take the token (and
/// a submit's pictures) to wherever the redirect points. The client's own agent is set up to
/// stay put; a planted default (follow up to ten redirects) fails this.
pub fn hostile_an_api_redirect_is_never_followed<S: Sdk>() {
    let elsewhere = HostileServer::start(std::iter::repeat_n(
        hostile::json(
            200,
            r#"{"code":200,"data":{"task_id":"t-1","state":"queueing"}}"#,
        ),
        8,
    ));
    let moved = format!(
        "HTTP/1.1 302 Found\r\nlocation: {}/open-api/v1/query-task?task_id=t-1\r\n\
         content-length: 0\r\nconnection: close\r\n\r\n",
        elsewhere.base_url()
    );
    let mut script = vec![hostile::json(200, HOSTILE_TOKEN)];
    script.extend(std::iter::repeat_n(Behavior::Raw(moved.into_bytes()), 8));
    let server = HostileServer::start(script);
    let client: S = hostile_client(&server);

    let error = expect_err(client.query(&TaskId::new("t-1")));

    assert!(!server.received().is_empty());
    assert!(
        elsewhere.received().is_empty(),
        "the redirect was followed: {error}"
    );
}

/// A server that hands out a token, then accepts one submit as task `t-1`.
fn server_accepting_one_submit() -> HostileServer {
    let submitted = r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#;
    HostileServer::start([
        hostile::json(200, HOSTILE_TOKEN),
        hostile::json(200, submitted),
    ])
}

pub fn hostile_an_upload_goes_out_whole_under_its_content_length<S: Sdk>() {
    let server = server_accepting_one_submit();
    let client: S = hostile_client(&server);
    let views: Vec<Vec<u8>> = (1..=4).map(picture_numbered).collect();
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .view(View::Front, Image::new(views[0].clone()))
        .view(View::Back, Image::new(views[1].clone()))
        .view(View::Left, Image::new(views[2].clone()))
        .view(View::Right, Image::new(views[3].clone()))
        .build()
        .unwrap();

    client.submit(task).unwrap();

    assert_views_arrived_whole(&server.received()[1], &views);
}

/// The submit came under its `Content-Length`, not chunked, with every view in it whole and in
/// order.
fn assert_views_arrived_whole(submit: &hostile::Received, views: &[Vec<u8>]) {
    assert_eq!(submit.header("transfer-encoding"), None, "not chunked");
    let length: usize = submit.header("content-length").unwrap().parse().unwrap();
    assert_eq!(submit.body.len(), length);
    let mut after = 0;
    for view in views {
        let at = submit.body[after..]
            .windows(view.len())
            .position(|window| window == view.as_slice())
            .expect("every view, whole and in order");
        after += at + view.len();
    }
}

/// Four views on disk, taken by path: each file goes out whole, in order, under the body's
/// `Content-Length`, named by its view (no local path leaves the machine).
pub fn hostile_pictures_on_disk_go_out_whole_from_their_files<S: Sdk>() {
    let server = server_accepting_one_submit();
    let client: S = hostile_client(&server);
    let dir = tempfile::tempdir().unwrap();
    let views: Vec<Vec<u8>> = (1..=4).map(picture_numbered).collect();
    let mut task = SubmitTask::builder(Model::Hitem3dV2_1);
    for (view, bytes) in [View::Front, View::Back, View::Left, View::Right]
        .into_iter()
        .zip(&views)
    {
        let path = dir.path().join(format!("secret-project-{view}.png"));
        std::fs::write(&path, bytes).unwrap();
        let image = client.image_from_path(&path).unwrap();
        assert_eq!(image.len(), bytes.len() as u64);
        assert!(image.data().is_none(), "only its head is held");
        task = task.view(view, image);
    }

    client.submit(task.build().unwrap()).unwrap();

    let received = server.received();
    let submit = &received[1];
    assert_views_arrived_whole(submit, &views);
    let text = String::from_utf8_lossy(&submit.body);
    assert!(text.contains("filename=\"front.png\""), "named by its view");
    assert!(!text.contains("secret-project"), "no local path is sent");

    let missing = client.image_from_path(&dir.path().join("missing.png"));
    assert!(
        matches!(missing, Err(Error::File { .. })),
        "a missing picture is a file error: {missing:?}"
    );
}

/// A picture that changed after it was checked would make the body disagree with its
/// `Content-Length`: the submit is refused before a byte of it is sent, and not retried.
pub fn hostile_a_picture_changed_after_it_was_checked_is_refused_before_sending<S: Sdk>() {
    let server = HostileServer::start([hostile::json(200, HOSTILE_TOKEN)]);
    let client: S = hostile_client(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("front.png");
    std::fs::write(&path, picture()).unwrap();
    let image = client.image_from_path(&path).unwrap();
    let task = SubmitTask::builder(Model::Hitem3dV2_1)
        .image(image)
        .build()
        .unwrap();
    std::fs::write(&path, picture_numbered(7).repeat(2)).unwrap();

    let error = expect_err(client.submit(task));

    assert_eq!(error.class(), ErrorClass::Input, "{error}");
    assert!(
        error.to_string().contains("changed after it was checked"),
        "{error}"
    );
    let lines: Vec<String> = server.received().iter().map(|r| r.line.clone()).collect();
    assert_eq!(lines.len(), 1, "the submit never went out: {lines:?}");
    assert!(lines[0].contains("/auth/token"), "{lines:?}");
}

pub fn hostile_an_html_page_where_json_is_expected_is_named<S: Sdk>() {
    let page = b"<html><body>down for maintenance</body></html>";
    let html = hostile::answer(200, "text/html", page.len(), page);
    let server = HostileServer::start(std::iter::repeat_n(html, 8));
    let client: S = hostile_client(&server);

    let error = expect_err(client.balance());

    assert!(
        error.to_string().contains("maintenance"),
        "the page is quoted: {error}"
    );
}

pub fn hostile_a_token_with_white_space_around_it_is_used_trimmed<S: Sdk>() {
    let server = HostileServer::start([
        hostile::json(
            200,
            r#"{"code":200,"data":{"accessToken":" t0k3n\n"},"msg":"success"}"#,
        ),
        hostile::json(
            200,
            r#"{"code":200,"data":{"totalBalance":10},"msg":"success"}"#,
        ),
    ]);
    let client: S = hostile_client(&server);

    let balance = client.balance().expect("the trimmed token works");

    assert_eq!(balance.total().map(|credits| credits.0), Some(10.0));
    assert_eq!(
        server.received()[1].header("authorization"),
        Some("Bearer t0k3n")
    );
}

pub fn hostile_a_body_shorter_than_announced_is_fetched_again<S: Sdk>() {
    let model = b"glTF\x02\0\0\0";
    let server = HostileServer::start([
        hostile::answer(200, "model/gltf-binary", 100, model),
        hostile::answer(200, "model/gltf-binary", model.len(), model),
    ]);
    let client: S = hostile_client(&server);
    let result = success_result("t-1", &format!("{}/m.glb", server.base_url()));
    let dir = out_dir();

    let saved = client
        .download(&result, ResultKind::Model, &dir.path().join("m.glb"))
        .expect("the second, whole body is saved");

    assert_eq!(std::fs::read(&saved.path).unwrap(), model);
    assert_eq!(server.received().len(), 2);
}

/// A model's first kilobyte of the 100,000 bytes announced, then silence until `gate` opens.
fn stalled_download(gate: &hostile::Gate) -> Behavior {
    let mut bytes = b"HTTP/1.1 200 OK\r\ncontent-type: model/gltf-binary\r\ncontent-length: 100000\r\nconnection: close\r\n\r\nglTF\x02\0\0\0".to_vec();
    bytes.extend_from_slice(&[0; 1000]);
    Behavior::Stall {
        bytes,
        until: gate.clone(),
    }
}

pub fn hostile_a_signal_handler_removes_the_files_of_downloads_in_progress<S: Sdk + Sync>() {
    let gate = hostile::Gate::default();
    let server = HostileServer::start_then_refuse([stalled_download(&gate)]);
    let client: S = hostile_client(&server);
    let result = success_result("t-1", &format!("{}/m.glb", server.base_url()));
    let dir = out_dir();
    let target = dir.path().join("m.glb");
    let hidden = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect()
    };

    // Every check is read before the gate opens and asserted after: a failed check inside the
    // scope would wait for ever on the stalled download instead of failing.
    let (appeared, removed, hidden_after, removed_again, outcome) = std::thread::scope(|scope| {
        let download = scope.spawn(|| client.download(&result, ResultKind::Model, &target));
        // Waits for an event, the temporary file, not for a time.
        let started = std::time::Instant::now();
        while hidden().is_empty() && started.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let appeared = !hidden().is_empty();
        let removed = client.remove_partial_files();
        let hidden_after = hidden();
        let removed_again = client.remove_partial_files();
        gate.open();
        let outcome = download.join().unwrap();
        (appeared, removed, hidden_after, removed_again, outcome)
    });
    assert!(appeared, "no temporary file");
    assert_eq!(removed, 1, "the stalled download's file");
    assert!(
        hidden_after.is_empty(),
        "removed while the download is still running"
    );
    assert_eq!(removed_again, 0, "nothing is listed twice");
    assert!(outcome.is_err(), "the body was cut off: {outcome:?}");
    assert!(!target.exists());
    assert!(hidden().is_empty());
}

/// The file a download is writing is locked by it, so that a later run (after a kill, which
/// no handler sees) can tell the partial files of live processes from those of dead ones.
pub fn hostile_a_partial_file_is_held_while_it_is_written<S: Sdk + Sync>() {
    let gate = hostile::Gate::default();
    let server = HostileServer::start_then_refuse([stalled_download(&gate)]);
    let client: S = hostile_client(&server);
    let result = success_result("t-1", &format!("{}/m.glb", server.base_url()));
    let dir = out_dir();
    let target = dir.path().join("m.glb");
    let partial = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.extension().is_some_and(|ext| ext == "part"))
    };

    // Read before the gate opens, asserted after (a failed check would hang the scope).
    let (found, held) = std::thread::scope(|scope| {
        let download = scope.spawn(|| client.download(&result, ResultKind::Model, &target));
        let started = std::time::Instant::now();
        while partial().is_none() && started.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let found = partial();
        let held = found.as_ref().map(|path| {
            let file = std::fs::File::open(path).unwrap();
            matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
        });
        gate.open();
        let _ = download.join().unwrap();
        (found, held)
    });
    assert!(found.is_some(), "no partial file");
    assert_eq!(held, Some(true), "the partial file is locked while written");
}

pub fn hostile_a_download_gone_silent_ends_at_the_idle_timeout<S: Sdk>() {
    let gate = hostile::Gate::default();
    let server = HostileServer::start_then_refuse([stalled_download(&gate)]);
    let config = config_at(&server.base_url(), "ak_hostile", "sk_hostile")
        .with_download_idle_timeout(Duration::from_millis(200));
    let client = S::connect(config);
    let result = success_result("t-1", &format!("{}/m.glb", server.base_url()));
    let dir = out_dir();
    let target = dir.path().join("m.glb");
    // Only so that a client without the timeout fails the test instead of hanging it: the
    // server would then end the body long after any idle timeout.
    let released = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let (gate, released) = (gate.clone(), std::sync::Arc::clone(&released));
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(120));
            released.store(true, std::sync::atomic::Ordering::SeqCst);
            gate.open();
        })
    };

    let error = expect_err(client.download(&result, ResultKind::Model, &target));
    let waited_for_the_server = released.load(std::sync::atomic::Ordering::SeqCst);
    gate.open();
    drop(watchdog);

    // The stalled attempt ended on the idle timeout; the next ones found the host gone.
    assert!(
        !waited_for_the_server,
        "the download waited for the server to hang up: {error}"
    );
    assert!(error.to_string().contains("model of task t-1"), "{error}");
    assert!(!target.exists());
}

/// What a generate's logs must hold (its span, its task id, attempts) and must not (any
/// secret, in the logs or in the result's `Debug`).
pub fn assert_generate_logs(logs: &str, generated: &Generated, mock: &MockHandle) {
    assert!(logs.contains("hitem3d.generate"), "{logs}");
    assert!(
        logs.contains(generated.task_id.as_str()),
        "task ids are logged"
    );
    assert!(logs.contains("attempt"), "attempts are logged");
    assert_no_secrets(logs, mock);
    assert_no_secrets(&format!("{generated:?}"), mock);
}

/// Everything `tracing` and `log` write, once [`capture_all_logs`] installed them.
#[derive(Clone, Default)]
pub struct CapturedLogs {
    text: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Whether ureq's traffic dump (`log` TRACE under `ureq_proto::util` and `ureq::util`)
    /// is recorded too.
    ureq_traffic: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl CapturedLogs {
    /// The text captured so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.text.lock().unwrap().clone()).unwrap()
    }

    /// Records ureq's traffic dump from now on, or stops recording it (the rest of `log` and
    /// `tracing` stays at TRACE).
    pub fn record_ureq_traffic(&self, on: bool) {
        self.ureq_traffic
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl log::Log for CapturedLogs {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        let traffic_dump = metadata.level() == log::Level::Trace
            && ["ureq_proto::util", "ureq::util"]
                .iter()
                .any(|target| metadata.target().starts_with(target));
        !traffic_dump || self.ureq_traffic.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!(
                "{} {}: {}\n",
                record.level(),
                record.target(),
                record.args()
            );
            self.text.lock().unwrap().extend_from_slice(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// Installs, for the whole test binary, a `tracing` subscriber and a `log` logger that capture
/// every event and record of every crate at TRACE, ureq's traffic dump included (see
/// [`CapturedLogs::record_ureq_traffic`]). Call it first, in a binary of its own: both are
/// process-wide, and `tracing` caches per call site whether anyone listens, so a subscriber
/// installed while other tests log could miss events.
pub fn capture_all_logs() -> CapturedLogs {
    let captured = CapturedLogs::default();
    captured.record_ureq_traffic(true);
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    log::set_boxed_logger(Box::new(captured.clone())).expect("the only logger");
    log::set_max_level(log::LevelFilter::Trace);
    captured
}

// ---------------------------------------------------------------------------------------------
// Relief (depth) tasks

pub fn a_relief_goes_from_submit_to_its_file<S: Sdk>() {
    let mock = fast_mock();
    let sdk: S = client_for(&mock);
    let dir = out_dir();
    let task = ReliefTask::builder(ReliefFormat::Stl)
        .image(Image::new(picture()))
        .model(ReliefModel::Base)
        .height(3.0)
        .width_mm(60)
        .build()
        .unwrap();

    let task_id = sdk.submit(task).unwrap();
    assert_eq!(TaskType::of(&task_id), TaskType::Relief, "{task_id}");
    let outcome = sdk.wait_with(&task_id, &mut |_| {}).unwrap();
    assert_eq!(outcome.result.cover_url, None, "a relief has no cover");
    let path = dir.path().join("relief.stl");
    let saved = sdk
        .download(&outcome.result, ResultKind::Model, &path)
        .unwrap();
    let bytes = std::fs::read(&saved.path).unwrap();
    let triangles = u32::from_le_bytes(bytes[80..84].try_into().unwrap());
    assert_eq!(
        bytes.len() as u64,
        84 + 50 * u64::from(triangles),
        "a binary STL"
    );

    // Created and read at the relief endpoints, never at the image-to-3D ones.
    let lines: Vec<String> = mock
        .journal()
        .iter()
        .map(|entry| entry.request_line.clone())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("POST /open-api/v1/depth/create-task"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("GET /open-api/v1/depth/query-task"))
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("submit-task") || l.contains("v1/query-task"))
    );
    let created = mock
        .journal()
        .into_iter()
        .find(|e| e.task_id.is_some())
        .unwrap();
    let field = |name: &str| {
        created
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(field("format").as_deref(), Some("3"));
    assert_eq!(field("model_type").as_deref(), Some("base"));
    assert_eq!(field("height_relief").as_deref(), Some("3"));
    assert_eq!(field("width").as_deref(), Some("60"));
    assert_eq!(mock.counters().tasks_created, 1);
}

pub fn an_invalid_relief_is_refused_before_any_request<S: Sdk>() {
    let mock = fast_mock();
    let _sdk: S = client_for(&mock);
    let error = ReliefTask::builder(ReliefFormat::Png)
        .image(Image::new(picture()))
        .image_url("https://example.com/cat.png")
        .height(0.0)
        .width_mm(700)
        .base_thickness_mm(2.0)
        .build()
        .unwrap_err();
    let text = error.to_string();
    for says in [
        "a relief task takes a picture or a URL, not both",
        "height_relief takes from 0.1 to 50",
        "width takes whole numbers from 20 to 600",
        "the base plate applies only with background removal off",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    assert!(mock.journal().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Mesh upload

pub fn a_users_mesh_is_uploaded_and_textured_through_its_public_url<S: Sdk>() {
    let mock = fast_mock();
    let sdk: S = client_for(&mock);
    let dir = out_dir();
    // A real GLB to upload: a geometry task's result.
    let geometry = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(picture()))
        .request_type(RequestType::Geometry)
        .format(OutputFormat::Glb)
        .build()
        .unwrap();
    let made = sdk
        .generate(
            geometry,
            GenerateOptions::new(dir.path()).with_file_stem("mine"),
        )
        .unwrap();
    let glb = std::fs::read(&made.model.path).unwrap();

    let mesh = sdk.mesh_from_path(&made.model.path).unwrap();
    let mesh_url = sdk.upload_mesh(mesh).unwrap();

    let keys = mock.uploaded_keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let key = &keys[0];
    assert!(
        key.starts_with("comfyui/mesh/") && key.ends_with(".glb"),
        "{key}"
    );
    assert_eq!(mesh_url, format!("{}/{key}", mock.upload_public_base()));
    assert_eq!(
        mock.uploaded(key).as_deref(),
        Some(glb.as_slice()),
        "the storage holds the file as it was on disk"
    );

    let texture = SubmitTask::builder(Model::Hitem3dV1_5)
        .image(Image::new(picture()))
        .request_type(RequestType::Texture)
        .mesh_url(mesh_url.clone())
        .format(OutputFormat::Glb)
        .build()
        .unwrap();
    let textured = sdk
        .generate(
            texture,
            GenerateOptions::new(dir.path()).with_file_stem("textured"),
        )
        .unwrap();
    assert!(textured.model.path.exists());
    let sent = mock
        .journal()
        .into_iter()
        .rfind(|entry| entry.task_id.is_some() && entry.request_line.contains("submit-task"))
        .unwrap();
    assert!(
        sent.fields
            .iter()
            .any(|(name, value)| name == "mesh_url" && *value == mesh_url),
        "{:?}",
        sent.fields
    );
    // The mock's journal keeps the signed put's line without its signature or session token.
    let put = mock
        .journal()
        .into_iter()
        .find(|entry| entry.route == Route::StoragePut)
        .unwrap();
    assert!(
        put.request_line.contains("X-Amz-Signature=[redacted]"),
        "{}",
        put.request_line
    );
    assert!(put.request_line.contains("X-Amz-Security-Token=[redacted]"));
    assert_eq!(put.status, 200);
}

pub fn an_upload_signed_for_another_region_is_refused_by_the_storage<S: Sdk>() {
    let mock = fast_mock();
    let wrong = UploadTarget::new(
        &mock.upload_endpoint(),
        "us-east-1",
        mock.upload_bucket(),
        &mock.upload_public_base(),
    )
    .unwrap();
    let sdk = S::connect(config_for(&mock).with_upload_target(wrong));
    let mesh = MeshFile::new(
        b"glTF\x02\x00\x00\x00 a tiny model".to_vec(),
        MeshFormat::Glb,
    )
    .unwrap();

    let error = sdk.upload_mesh(mesh).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the object storage refused the upload with HTTP 400 Bad Request \
         (AuthorizationQueryParametersError)"
    );
    assert!(!error.is_retryable());
    assert!(mock.uploaded_keys().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Mesh tasks: split, segmentation, multicolor

/// The names of the files in a ZIP.
fn zip_names(bytes: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");
    let mut names: Vec<String> = archive
        .file_names()
        .map(|name| name.expect("a readable name").into_owned())
        .collect();
    names.sort();
    names
}

pub fn mesh_tasks_go_from_submit_to_their_files<S: Sdk>() {
    let mock = fast_mock();
    let sdk: S = client_for(&mock);
    let dir = out_dir();
    let mesh_url = sdk.upload_mesh(tiny_glb()).unwrap();
    let tasks: [(MeshTask, &str); 4] = [
        (
            MeshTask::split_character(SplitPart::C, SplitJoint::Dovetail)
                .mesh(tiny_glb())
                .merge(false)
                .build()
                .unwrap(),
            "split",
        ),
        (
            MeshTask::split_general(MeshLevel::Low)
                .mesh_url(mesh_url.clone())
                .format(OutputFormat::Stl)
                .build()
                .unwrap(),
            "split",
        ),
        (
            MeshTask::segmentation(MeshLevel::High)
                .mesh_url(mesh_url.clone())
                .format(OutputFormat::Obj)
                .build()
                .unwrap(),
            "segmentation",
        ),
        (
            MeshTask::multicolor(3)
                .mesh(tiny_glb())
                .format(OutputFormat::Glb)
                .build()
                .unwrap(),
            "muilticolor",
        ),
    ];
    let mut files = Vec::new();
    for (index, (task, path)) in tasks.into_iter().enumerate() {
        let task_id = sdk.submit(task).unwrap();
        assert!(
            task_id
                .as_str()
                .starts_with(TaskType::of(&task_id).id_prefix())
        );
        let outcome = sdk.wait_with(&task_id, &mut |_| {}).unwrap();
        let saved = sdk
            .download(
                &outcome.result,
                ResultKind::Model,
                &dir.path().join(format!("result-{index}")),
            )
            .unwrap();
        files.push(std::fs::read(&saved.path).unwrap());
        let lines: Vec<String> = mock
            .journal()
            .iter()
            .map(|e| e.request_line.clone())
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("POST /open-api/v1/{path}/create-task"))),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("GET /open-api/v1/{path}/query-task")))
        );
    }
    // Character template C: four parts, GLB only.
    let names = zip_names(&files[0]);
    assert_eq!(
        names,
        ["part_1.glb", "part_2.glb", "part_3.glb", "part_4.glb"]
    );
    assert_eq!(zip_names(&files[1]).len(), 3, "a low general split");
    assert!(
        zip_names(&files[1])
            .iter()
            .all(|name| name.ends_with(".stl"))
    );
    assert_eq!(zip_names(&files[2]).len(), 8, "a high segmentation");
    assert_eq!(&files[3][..4], b"glTF", "a recoloured GLB");
    assert_eq!(mock.counters().tasks_created, 4);
}

pub fn an_invalid_mesh_task_is_refused_before_any_request<S: Sdk>() {
    let mock = fast_mock();
    let _sdk: S = client_for(&mock);
    let stl = MeshFile::new(
        b"solid cube\nfacet normal 0 0 1\n".to_vec(),
        MeshFormat::Stl,
    )
    .unwrap();
    let cases: [(Result<MeshTask, hitem3d_core::ValidationError>, &str); 5] = [
        (
            MeshTask::split_character(SplitPart::A, SplitJoint::Ball)
                .mesh(tiny_glb())
                .format(OutputFormat::Stl)
                .build(),
            "split (character) answers in formats 2 glb",
        ),
        (
            MeshTask::segmentation(MeshLevel::Low)
                .mesh(tiny_glb())
                .build(),
            "segmentation needs a format",
        ),
        (
            MeshTask::multicolor(9)
                .mesh(tiny_glb())
                .format(OutputFormat::Glb)
                .build(),
            "number_color takes 0 to 8",
        ),
        (
            MeshTask::multicolor(4)
                .mesh(stl)
                .format(OutputFormat::Glb)
                .build(),
            "multicolor takes glb meshes",
        ),
        (
            MeshTask::segmentation(MeshLevel::Low)
                .mesh_url("/relative.glb")
                .format(OutputFormat::Glb)
                .merge(true)
                .build(),
            "merge applies only to a split",
        ),
    ];
    for (result, says) in cases {
        let text = result.unwrap_err().to_string();
        assert!(text.contains(says), "{says}: {text}");
    }
    assert!(mock.journal().is_empty());
}

pub fn a_journaled_generate_cut_short_is_resumed_without_paying_again<S: Sdk>() {
    use hitem3d_core::journal::{EntryQuery, EntryState, JournalKey, TaskJournal};
    use std::sync::Arc;

    let mock = BlockingMock::start_with(MockConfig::manual());
    let dir = out_dir();
    let journal_path = dir.path().join("journal.sqlite3");
    let key = JournalKey::new("house.png|glb");
    let options = GenerateOptions::new(dir.path().join("models"))
        .with_file_stem("house")
        .with_journal_key(key.clone());
    // The first run gives up waiting (the mock's clock stands still), as a crash would.
    let short_wait = WaitPolicy::default()
        .with_schedule(PollSchedule::fixed(Duration::from_millis(20)))
        .with_deadline(Duration::from_millis(150));
    {
        let journal = Arc::new(hitem3d_journal::SqliteJournal::open(&journal_path).unwrap());
        let client = S::connect(
            config_for(&mock)
                .with_wait(short_wait)
                .with_journal(journal),
        );
        let error = expect_err(client.generate(single_view(OutputFormat::Glb), options.clone()));
        assert!(error.task_id().is_some(), "{error}");
    }
    mock.advance(Duration::from_secs(600));

    // A new process, the same journal file and key.
    let journal = Arc::new(hitem3d_journal::SqliteJournal::open(&journal_path).unwrap());
    let client = S::connect(config_for(&mock).with_journal(journal.clone()));
    let mut resumed = None;
    let generated = client
        .generate_with(single_view(OutputFormat::Glb), options, &mut |step| {
            if let GenerateProgress::Resumed { task_id } = step {
                resumed = Some(task_id);
            }
        })
        .expect("the task paid for in the first run");

    assert_eq!(resumed.as_ref(), Some(&generated.task_id));
    assert_eq!(submit_count(&mock), 1, "paid once");
    mock.assert_no_duplicate_submits();
    assert!(parse_glb(&std::fs::read(&generated.model.path).unwrap()) > 0);
    let entries = journal.entries(&EntryQuery::Key(key)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].state, EntryState::Saved);
    assert_eq!(
        entries[0].files,
        std::slice::from_ref(&generated.model.path)
    );
}
