//! The object storage meshes are uploaded to: short-lived credentials from `upload/token`, a
//! bucket that takes only `PUT`s presigned with them (AWS Signature V4, checked by signing the
//! same request again), and a public host serving what was put.

use std::collections::{HashMap, VecDeque};

use super::pruned::Pruned;
use std::time::{Duration, SystemTime};

use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};
use serde_json::json;

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
        let Some(rest) = request.path.strip_prefix(STORAGE_PATH) else {
            return storage_error(404, "NoSuchBucket", "no such bucket");
        };
        let Some(key) = rest.strip_prefix(BUCKET).and_then(|r| r.strip_prefix('/')) else {
            return storage_error(404, "NoSuchBucket", "no such bucket");
        };
        let key = percent_decode(key);
        if request.body_too_large {
            return storage_error(400, "EntityTooLarge", "the mesh is over the size limit");
        }
        if let Err(refusal) = self.check_signature(request, &key, now) {
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
        reply.code = None;
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
            None => storage_error(404, "NoSuchKey", "the specified key does not exist"),
        }
    }

    fn check_signature(
        &self,
        request: &Incoming<'_>,
        key: &str,
        now: Duration,
    ) -> Result<(), Reply> {
        let param = |name: &str| request.query_param(name);
        let denied = |code: &str, message: &str| storage_error(403, code, message);
        let (Some(credential), Some(date), Some(expires), Some(signature)) = (
            param("X-Amz-Credential"),
            param("X-Amz-Date"),
            param("X-Amz-Expires"),
            param("X-Amz-Signature"),
        ) else {
            return Err(denied("AccessDenied", "the request is not signed"));
        };
        let access = credential.split('/').next().unwrap_or_default();
        let Some(issued) = self.storage.credentials.get(access) else {
            return Err(denied("InvalidAccessKeyId", "unknown access key"));
        };
        if now.saturating_sub(issued.at) >= CREDENTIALS_LIFETIME {
            return Err(denied("ExpiredToken", "the credentials have expired"));
        }
        if param("X-Amz-Security-Token").as_deref() != Some(issued.session.as_str()) {
            return Err(denied("InvalidToken", "the session token does not match"));
        }
        // `20261127T230102Z`: a UTC time whose `Z` is a literal, not an offset to parse.
        let signed_at = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", &date)
            .and_then(|parsed| parsed.to_datetime())
            .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC))
            .map(|zoned| zoned.timestamp())
            .map_err(|_| {
                denied(
                    "AuthorizationQueryParametersError",
                    "X-Amz-Date is not a date",
                )
            })?;
        let lifetime = expires
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| denied("AccessDenied", "X-Amz-Expires is not a number"))?;
        // The link's own lifetime runs on the real clock, as the storage's does.
        let signed = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(signed_at.as_second()).unwrap_or_default());
        if SystemTime::now() > signed + lifetime {
            return Err(denied("AccessDenied", "Request has expired"));
        }
        let expected = self
            .sign(access, issued, key, lifetime, &signed_at)
            .ok_or_else(|| denied("AccessDenied", "the bucket cannot be named"))?;
        let expected_signature = url::Url::parse(&expected)
            .ok()
            .and_then(|url| {
                url.query_pairs()
                    .find(|(name, _)| name == "X-Amz-Signature")
                    .map(|(_, value)| value.into_owned())
            })
            .unwrap_or_default();
        if expected_signature.is_empty() || expected_signature != signature {
            return Err(denied(
                "SignatureDoesNotMatch",
                "the request signature does not match",
            ));
        }
        Ok(())
    }

    /// The URL the storage expects for a put of `key` with these credentials at this time.
    fn sign(
        &self,
        access: &str,
        issued: &Issued,
        key: &str,
        lifetime: Duration,
        signed_at: &jiff::Timestamp,
    ) -> Option<String> {
        let endpoint = url::Url::parse(&format!("{}{STORAGE_PATH}", self.base_url)).ok()?;
        let bucket = Bucket::new(endpoint, UrlStyle::Path, BUCKET, REGION).ok()?;
        let credentials =
            Credentials::new_with_token(access, issued.secret.clone(), issued.session.clone());
        let url = bucket
            .put_object(Some(&credentials), key)
            .sign_with_time(lifetime, signed_at);
        Some(url.into())
    }
}

/// An S3-style XML error.
fn storage_error(status: u16, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    Reply::bytes(status, "application/xml", body.into_bytes())
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("k={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}
