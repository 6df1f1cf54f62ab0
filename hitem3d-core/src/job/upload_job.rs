//! Uploading a mesh for `mesh_url`: storage credentials from the API, then one signed `PUT`
//! to the object storage, under a fresh key; the answer is the key's public URL.

use std::time::{Duration, SystemTime};

use hitem3d_types::{UploadCredentials, upload};
use http::header::CONTENT_LENGTH;
use http::{Method, Request, StatusCode};
use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};

use crate::job::{Input, Io, Job, NoEvent};
use crate::machines::seeded_random::SeededRandom;
use crate::{
    Body, Call, CallError, ClientCore, Error, MeshFile, RequestUrl, Timestamp, TransportFailure,
    UploadError, UploadTarget,
};

/// Puts tried before the upload fails: the storage is reached over the open internet.
const MAX_PUT_ATTEMPTS: u32 = 3;

/// Uploads one mesh. Made by [`ClientCore::upload`].
///
/// The signature is made here, in the core, from the wall-clock time the front-end passed in
/// (plus the monotonic time since), never from a clock of its own.
#[derive(Debug)]
pub struct UploadJob {
    core: ClientCore,
    mesh: MeshFile,
    target: UploadTarget,
    /// The wall clock when the job was made, and the monotonic time it was first stepped.
    wall_clock: SystemTime,
    started: Option<Timestamp>,
    key: String,
    stage: Stage,
    attempts: u32,
    random: SeededRandom,
}

#[derive(Debug)]
enum Stage {
    Credentials(Box<Call<UploadCredentials>>),
    Put(UploadCredentials),
    Sending(UploadCredentials),
    Backoff {
        until: Timestamp,
        credentials: UploadCredentials,
    },
    Finished(Result<String, Error>),
    Over,
}

impl UploadJob {
    pub(crate) fn new(core: ClientCore, mesh: MeshFile, wall_clock: SystemTime) -> Self {
        let mut random = SeededRandom::new(core.seed());
        let target = core.config().upload.clone();
        let key = object_key(&target, &mesh, wall_clock, &mut random);
        let call = Call::upload_token(core.requests(), core.config().retry, core.seed());
        Self {
            core,
            mesh,
            target,
            wall_clock,
            started: None,
            key,
            stage: Stage::Credentials(Box::new(call)),
            attempts: 0,
            random,
        }
    }

    /// The key the mesh is stored under.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Uploads go to the storage the credentials name (a local mock's) when the caller chose
    /// none: only paths on the API's own host are taken, so an answer cannot send a mesh to a
    /// host the caller did not point the client at.
    fn adopt_announced_storage(&mut self, credentials: &UploadCredentials) {
        let Some(storage) = &credentials.storage else {
            return;
        };
        if self.target != UploadTarget::default() {
            return;
        }
        let api = self.core.config().base_url.url();
        // A path only: "//host/" joins as another host, so the result's origin is checked.
        let on_api_host = |path: &str| {
            api.join(path)
                .ok()
                .filter(|url| path.starts_with('/') && url.origin() == api.origin())
                .map(String::from)
        };
        let (Some(endpoint), Some(public)) = (
            on_api_host(&storage.endpoint_path),
            on_api_host(&storage.public_path),
        ) else {
            tracing::debug!("an upload-token answer named a storage not on the API's host");
            return;
        };
        match UploadTarget::new(&endpoint, &storage.region, &storage.bucket, &public) {
            Ok(target) => {
                tracing::debug!("uploading to the storage the upload-token answer named");
                self.target = target;
            }
            Err(error) => tracing::debug!(%error, "the storage an upload-token answer named"),
        }
    }

    /// The signed `PUT` of the mesh, as of `now`.
    fn put(&self, credentials: &UploadCredentials, now: Timestamp) -> Result<Request<Body>, Error> {
        let style = if self.target.path_style() {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let refused =
            |why: String| Error::from(UploadError::Transport(TransportFailure::refused(why)));
        let bucket = Bucket::new(
            self.target.endpoint().clone(),
            style,
            self.target.bucket().to_owned(),
            self.target.region().to_owned(),
        )
        .map_err(|error| refused(format!("the upload target cannot name its bucket: {error}")))?;
        let signer = Credentials::new_with_token(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.expose_secret(),
            credentials.session_key.expose_secret(),
        );
        let elapsed = self.started.map_or(Duration::ZERO, |started| now - started);
        let signed_at = jiff::Timestamp::try_from(self.wall_clock + elapsed)
            .map_err(|error| refused(format!("the clock cannot date a signature: {error}")))?;
        let url = bucket
            .put_object(Some(&signer), &self.key)
            .sign_with_time(upload::SIGNATURE_LIFETIME, &signed_at);
        let mut request = Request::new(self.mesh.contents().to_body());
        *request.method_mut() = Method::PUT;
        *request.uri_mut() = url
            .as_str()
            .parse()
            .map_err(|_| refused("the signed URL is not a valid URI".to_owned()))?;
        request
            .headers_mut()
            .insert(CONTENT_LENGTH, self.mesh.len().into());
        request.extensions_mut().insert(RequestUrl::new(url));
        Ok(request)
    }

    /// After a failed put: again after a pause while attempts remain, else the failure.
    fn retry_or_fail(
        &mut self,
        credentials: UploadCredentials,
        error: UploadError,
        now: Timestamp,
    ) {
        if error.is_transient() && self.attempts < MAX_PUT_ATTEMPTS {
            let delay = self
                .core
                .config()
                .retry
                .backoff(self.attempts, self.random.next_unit());
            self.stage = Stage::Backoff {
                until: now + delay,
                credentials,
            };
        } else {
            self.stage = Stage::Finished(Err(error.into()));
        }
    }
}

/// `<prefix><YYYY-MM-DD>/<uuid>.<ext>`, as the vendor's plugin names uploads.
fn object_key(
    target: &UploadTarget,
    mesh: &MeshFile,
    wall_clock: SystemTime,
    random: &mut SeededRandom,
) -> String {
    let date = jiff::Timestamp::try_from(wall_clock).map_or_else(
        |_| "1970-01-01".to_owned(),
        |time| time.strftime("%Y-%m-%d").to_string(),
    );
    let (high, low) = (random.next_u64(), random.next_u64());
    // A version-4 UUID: random bits, with the version and variant fields set.
    let high = (high & !0xf000) | 0x4000;
    let low = (low & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{}{date}/{:08x}-{:04x}-{:04x}-{:04x}-{:012x}.{}",
        target.key_prefix(),
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff,
        mesh.format().extension()
    )
}

impl Job for UploadJob {
    type Event = NoEvent;
    type Output = Result<String, Error>;

    fn next(&mut self, now: Timestamp) -> Io<NoEvent, Self::Output> {
        self.started.get_or_insert(now);
        loop {
            match std::mem::replace(&mut self.stage, Stage::Over) {
                Stage::Credentials(mut call) => {
                    match Job::next(call.as_mut(), now).forward(|never| never) {
                        Ok(io) => {
                            self.stage = Stage::Credentials(call);
                            return io;
                        }
                        Err(Ok(credentials)) => {
                            self.adopt_announced_storage(&credentials);
                            self.stage = Stage::Put(credentials);
                        }
                        Err(Err(error)) => self.stage = Stage::Finished(Err(error.into())),
                    }
                }
                Stage::Put(credentials) => match self.put(&credentials, now) {
                    Ok(request) => {
                        self.attempts += 1;
                        self.stage = Stage::Sending(credentials);
                        return Io::Exchange(request);
                    }
                    Err(error) => self.stage = Stage::Finished(Err(error)),
                },
                Stage::Backoff { until, credentials } if now < until => {
                    self.stage = Stage::Backoff { until, credentials };
                    return Io::Sleep(until);
                }
                Stage::Backoff { credentials, .. } => self.stage = Stage::Put(credentials),
                Stage::Finished(result) => return Io::Done(result),
                Stage::Sending(credentials) => {
                    self.stage = Stage::Sending(credentials);
                    return Io::Done(Err(CallError::OutOfSequence(
                        "an upload was stepped before its put was answered",
                    )
                    .into()));
                }
                Stage::Over => {
                    return Io::Done(Err(CallError::OutOfSequence(
                        "an upload job was asked for more after it ended",
                    )
                    .into()));
                }
            }
        }
    }

    fn on(&mut self, input: Input, now: Timestamp) {
        match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Credentials(mut call) => {
                call.on(input, now);
                self.stage = Stage::Credentials(call);
            }
            Stage::Sending(credentials) => match input {
                Input::Answer(Ok(response)) if response.status() == StatusCode::OK => {
                    let url = self.target.public_url(&self.key);
                    tracing::info!(key = %self.key, bytes = self.mesh.len(), "mesh uploaded");
                    self.stage = Stage::Finished(Ok(url));
                }
                Input::Answer(Ok(response)) => {
                    let error = UploadError::refused(response.status(), response.body());
                    self.retry_or_fail(credentials, error, now);
                }
                Input::Answer(Err(failure)) => {
                    self.retry_or_fail(credentials, UploadError::Transport(failure), now);
                }
                _ => {
                    self.stage = Stage::Finished(Err(CallError::OutOfSequence(
                        "an upload's put was answered with something other than an answer",
                    )
                    .into()));
                }
            },
            other => self.stage = other,
        }
    }

    fn span(&self) -> tracing::Span {
        tracing::info_span!("hitem3d.upload", format = %self.mesh.format(), bytes = self.mesh.len())
    }
}
