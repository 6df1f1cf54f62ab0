//! The object storage meshes are uploaded to: short-lived credentials from `upload/token`, a
//! bucket that takes only `PUT`s signed with them (Signature V4 in its S3 or TOS form, in the
//! query or the headers; `signature.rs`), path-style or virtual-hosted, and a public host
//! serving what was put.

use std::collections::{HashMap, VecDeque};

use super::pruned::Pruned;
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::signature::{Claim, Denied};
use super::{Incoming, World, hex};
use crate::reply::Reply;

/// Where the mock's storage lives below its base URL, and its bucket and region.
pub(crate) const STORAGE_PATH: &str = "/storage/";
pub(crate) const PUBLIC_PATH: &str = "/public/";
pub(crate) const BUCKET: &str = "hitem3d-mock-meshes";
pub(crate) const REGION: &str = "mock-region-1";

/// How long upload credentials work, in mock time.
const CREDENTIALS_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The largest mesh the bucket takes (the spec's mesh limit).
pub(crate) const MAX_OBJECT_BYTES: u64 = hitem3d_types::upload::MAX_MESH_BYTES;

/// Issued credentials and stored objects.
#[derive(Debug, Default)]
pub(crate) struct Storage {
    /// By access key id: the secret, the session token, and when they were issued.
    credentials: Pruned<Issued>,
    /// The newest secrets and session tokens issued, expired ones too.
    issued: VecDeque<[String; 2]>,
    /// By key.
    objects: HashMap<String, Vec<u8>>,
    /// The keys in the order they were first stored: the first is deleted first.
    order: VecDeque<String>,
}

#[derive(Debug, Clone)]
struct Issued {
    secret: String,
    session: String,
    at: Duration,
}

impl Storage {
    /// The newest secret keys and session tokens issued, expired ones too: tests look for
    /// them in logs.
    pub(crate) fn issued_secrets(&self) -> Vec<String> {
        self.issued.iter().flatten().cloned().collect()
    }

    /// A stored object's bytes.
    pub(crate) fn object(&self, key: &str) -> Option<Vec<u8>> {
        self.objects.get(key).cloned()
    }

    /// Whether an object is stored at `key`.
    pub(crate) fn holds(&self, key: &str) -> bool {
        self.objects.contains_key(key)
    }

    /// The objects stored so far, by key.
    pub(crate) fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.objects.keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl World {
    /// `GET /upload/token`: fresh credentials for one upload.
    pub(super) fn upload_token(&mut self, now: Duration) -> Reply {
        let access = format!("AKTPmock{}", &hex(&self.random.bytes("access"))[..16]);
        let issued = Issued {
            secret: hex(&self.random.bytes("secret")),
            session: format!("STS{}", hex(&self.random.bytes("session"))),
            at: now,
        };
        let data = json!({
            "accessKeyId": access,
            "secretAccessKey": issued.secret,
            "sessionKey": issued.session,
            // Not in the service's answer: where this mock's storage is, on its own host, so
            // that a client pointed at the mock uploads there (hitem3d-types
            // AnnouncedStorage); a client of the service ignores it.
            "storage": {
                "endpointPath": STORAGE_PATH,
                "region": REGION,
                "bucket": BUCKET,
                "publicPath": PUBLIC_PATH,
            },
        });
        let expired = |issued: &Issued| now.saturating_sub(issued.at) >= CREDENTIALS_LIFETIME;
        let secrets = [issued.secret.clone(), issued.session.clone()];
        self.storage.credentials.insert(access, issued, expired);
        self.storage.issued.push_back(secrets);
        if self.storage.issued.len() > super::auth::KEPT_ISSUED {
            self.storage.issued.pop_front();
        }
        Reply::success(data, self.config.quirks, "msg")
    }

    /// `PUT /storage/<bucket>/<key>`: stores the body if the request was presigned with
    /// credentials this mock issued, still valid, for exactly this bucket and key.
    pub(super) fn store_object(&mut self, request: &Incoming<'_>, now: Duration) -> Reply {
        let dialect = Dialect::of(request);
        let Some(key) = object_key(request) else {
            return dialect.error(404, "NoSuchBucket", "no such bucket");
        };
        if request.body_too_large {
            return dialect.error(400, "EntityTooLarge", "the mesh is over the size limit");
        }
        if let Err(refusal) = self.check_signature(request, dialect, now) {
            return refusal;
        }
        if self
            .storage
            .objects
            .insert(key.clone(), request.body.to_vec())
            .is_none()
        {
            self.storage.order.push_back(key);
        }
        while self.storage.order.len() > self.config.retention.stored_objects {
            if let Some(oldest) = self.storage.order.pop_front() {
                self.storage.objects.remove(&oldest);
                self.journal.counters_mut().objects_deleted += 1;
            }
        }
        let mut reply = Reply::bytes(200, "application/xml", Vec::new());
        // The `tos` SDK compares this with its own checksum of what it sent and fails the
        // upload without it.
        let checksum = crc::Crc::<u64>::new(&crc::CRC_64_XZ).checksum(request.body);
        reply
            .headers
            .push(("x-tos-hash-crc64ecma", checksum.to_string()));
        reply
    }

    /// `GET /public/<key>`: what was stored.
    pub(super) fn public_object(&self, request: &Incoming<'_>) -> Reply {
        let key = request
            .path
            .strip_prefix(PUBLIC_PATH)
            .map(percent_decode)
            .unwrap_or_default();
        match self.storage.objects.get(&key) {
            Some(bytes) => Reply::bytes(200, "application/octet-stream", bytes.clone()),
            None => Dialect::S3.error(404, "NoSuchKey", "the specified key does not exist"),
        }
    }

    /// Checks that `request` is signed, in its query or its headers and in either family the
    /// storage speaks, with credentials this mock issued that still hold.
    fn check_signature(
        &self,
        request: &Incoming<'_>,
        dialect: Dialect,
        now: Duration,
    ) -> Result<(), Reply> {
        let refuse = |denied: Denied| dialect.error(denied.status, denied.code, &denied.message);
        let claim = Claim::of(request).map_err(refuse)?;
        let denied = |code: &str, message: &str| dialect.error(403, code, message);
        let Some(issued) = self.storage.credentials.get(&claim.access_key) else {
            return Err(denied("InvalidAccessKeyId", "unknown access key"));
        };
        if now.saturating_sub(issued.at) >= CREDENTIALS_LIFETIME {
            return Err(denied("ExpiredToken", "the credentials have expired"));
        }
        if claim.session_token.as_deref() != Some(issued.session.as_str()) {
            return Err(denied("InvalidToken", "the session token does not match"));
        }
        // A signature's own lifetime runs on the real clock, as the storage's does.
        claim
            .verify(request, &issued.secret, REGION, SystemTime::now())
            .map_err(refuse)
    }
}

/// The bucket named by a virtual-hosted request's host (`<bucket>.127.0.0.1:<port>` or
/// `<bucket>.localhost:<port>`, as the `tos` SDK addresses a bucket), if it names one.
pub(crate) fn virtual_bucket(host: &str) -> Option<&str> {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let (bucket, rest) = name.split_once('.')?;
    let loopback = rest == "localhost" || rest.parse::<std::net::IpAddr>().is_ok();
    (loopback && !bucket.is_empty()).then_some(bucket)
}

/// The key a put is for, if it is for this mock's bucket: path-style
/// (`/storage/<bucket>/<key>`) or virtual-hosted (`<bucket>.<host>/<key>`).
fn object_key(request: &Incoming<'_>) -> Option<String> {
    let key = match request.header("host").and_then(virtual_bucket) {
        Some(bucket) => (bucket == BUCKET).then(|| request.path.strip_prefix('/'))??,
        None => request
            .path
            .strip_prefix(STORAGE_PATH)?
            .strip_prefix(BUCKET)?
            .strip_prefix('/')?,
    };
    Some(percent_decode(key))
}

/// How the storage words its errors: S3's XML, or TOS's JSON for a request in TOS's form (its
/// SDK reads the code from JSON).
#[derive(Debug, Clone, Copy)]
enum Dialect {
    S3,
    Tos,
}

impl Dialect {
    fn of(request: &Incoming<'_>) -> Self {
        let tos_header = request
            .headers
            .iter()
            .any(|(name, _)| name.to_ascii_lowercase().starts_with("x-tos-"));
        let tos_query = request.query.is_some_and(|query| query.contains("X-Tos-"));
        if tos_header || tos_query {
            Self::Tos
        } else {
            Self::S3
        }
    }

    fn error(self, status: u16, code: &str, message: &str) -> Reply {
        match self {
            Self::S3 => {
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
                );
                Reply::bytes(status, "application/xml", body.into_bytes())
            }
            Self::Tos => {
                let body = json!({ "Code": code, "Message": message, "RequestId": "" });
                Reply::bytes(status, "application/json", body.to_string().into_bytes())
            }
        }
    }
}

/// A key as stored, from its form in a path.
pub(super) fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("k={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}
