//! Signature V4 checked the way object storage checks it, in the two families the service's
//! storage speaks: S3 (`AWS4-HMAC-SHA256`, `X-Amz-*`: what this SDK's clients presign) and
//! Volcengine TOS (`TOS4-HMAC-SHA256`, `x-tos-*`: what the vendor's own `tos` SDK sends), each
//! either as a presigned query or in an `Authorization` header. Written from the published
//! algorithm rather than with a client's signer, so that a client's signing mistake is refused.

use std::time::{Duration, SystemTime};

use hmac::{KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};

use super::{Incoming, hex};
use crate::query_pairs::query_pairs;

/// The body was not hashed into the signature.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The longest a presigned query may live (the storage's own cap: seven days).
const MAX_QUERY_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How far a header-signed request's time may be from the storage's clock.
const MAX_HEADER_SKEW: Duration = Duration::from_secs(15 * 60);

/// The names one family of Signature V4 uses.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Family {
    algorithm: &'static str,
    /// Put before the secret to make the first signing key.
    key_prefix: &'static str,
    service: &'static str,
    terminator: &'static str,
    /// Lowercase; the headers this family's requests carry.
    header_prefix: &'static str,
    /// As the family's presigned queries spell it.
    query_prefix: &'static str,
}

/// S3's Signature V4.
pub(crate) const S3: Family = Family {
    algorithm: "AWS4-HMAC-SHA256",
    key_prefix: "AWS4",
    service: "s3",
    terminator: "aws4_request",
    header_prefix: "x-amz-",
    query_prefix: "X-Amz-",
};

/// Volcengine TOS's Signature V4 (the `tos` SDK's `auth.py`): no prefix on the secret,
/// `tos`/`request` in the scope.
pub(crate) const TOS: Family = Family {
    algorithm: "TOS4-HMAC-SHA256",
    key_prefix: "",
    service: "tos",
    terminator: "request",
    header_prefix: "x-tos-",
    query_prefix: "X-Tos-",
};

/// Why a request's signature was not accepted: an S3-style error code and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Denied {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

fn denied(code: &'static str, message: impl Into<String>) -> Denied {
    Denied {
        status: 403,
        code,
        message: message.into(),
    }
}

/// A signature that cannot be what the storage expects, whatever the secret: S3 answers 400
/// with a code naming where it was carried.
fn malformed_in(carrier: Carrier, message: impl Into<String>) -> Denied {
    Denied {
        status: 400,
        code: match carrier {
            Carrier::Query => "AuthorizationQueryParametersError",
            Carrier::Header => "AuthorizationHeaderMalformed",
        },
        message: message.into(),
    }
}

fn malformed(message: impl Into<String>) -> Denied {
    malformed_in(Carrier::Header, message)
}

/// Where the signature was carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carrier {
    Query,
    Header,
}

/// A signature as a request claims it, before it is checked.
#[derive(Debug)]
pub(crate) struct Claim {
    family: &'static Family,
    carrier: Carrier,
    /// The access key id the request names.
    pub(crate) access_key: String,
    scope_date: String,
    region: String,
    service: String,
    terminator: String,
    /// `20261205T203000Z`.
    timestamp: String,
    /// How long a presigned query lives.
    lifetime: Option<String>,
    signed_headers: Vec<String>,
    signature: String,
    /// The session token the request carries, if any.
    pub(crate) session_token: Option<String>,
}

impl Claim {
    /// The signature `request` carries, in its query or its `Authorization` header.
    pub(crate) fn of(request: &Incoming<'_>) -> Result<Self, Denied> {
        let query: Vec<(String, String)> = query_pairs(request.query.unwrap_or(""))
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        for family in [&S3, &TOS] {
            let param = |suffix: &str| {
                let name = format!("{}{suffix}", family.query_prefix);
                query
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.clone())
            };
            if let Some(algorithm) = param("Algorithm") {
                return Self::from_query(family, &algorithm, param);
            }
        }
        match request.header("authorization") {
            Some(authorization) => Self::from_header(request, authorization),
            None => Err(denied("AccessDenied", "the request is not signed")),
        }
    }

    fn from_query(
        family: &'static Family,
        algorithm: &str,
        param: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Denied> {
        if algorithm != family.algorithm {
            return Err(malformed_in(
                Carrier::Query,
                format!("the algorithm {algorithm:?} is not {}", family.algorithm),
            ));
        }
        let required = |suffix: &str| {
            param(suffix).ok_or_else(|| {
                malformed_in(
                    Carrier::Query,
                    format!("the presigned query has no {}{suffix}", family.query_prefix),
                )
            })
        };
        let mut claim = Self::from_credential(family, Carrier::Query, &required("Credential")?)?;
        claim.timestamp = required("Date")?;
        claim.lifetime = Some(required("Expires")?);
        claim.signed_headers = split_signed_headers(&required("SignedHeaders")?);
        claim.signature = required("Signature")?;
        claim.session_token = param("Security-Token");
        Ok(claim)
    }

    fn from_header(request: &Incoming<'_>, authorization: &str) -> Result<Self, Denied> {
        let (algorithm, fields) = authorization
            .trim()
            .split_once(' ')
            .ok_or_else(|| malformed("the Authorization header has no fields"))?;
        let family = [&S3, &TOS]
            .into_iter()
            .find(|family| family.algorithm == algorithm)
            .ok_or_else(|| {
                malformed(format!(
                    "the Authorization header's algorithm {algorithm:?} is neither {} nor {}",
                    S3.algorithm, TOS.algorithm
                ))
            })?;
        let field = |name: &str| {
            fields
                .split(',')
                .filter_map(|field| field.trim().split_once('='))
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.trim().to_owned())
                .ok_or_else(|| malformed(format!("the Authorization header has no {name}")))
        };
        let mut claim = Self::from_credential(family, Carrier::Header, &field("Credential")?)?;
        claim.signed_headers = split_signed_headers(&field("SignedHeaders")?);
        claim.signature = field("Signature")?;
        let date_header = format!("{}date", family.header_prefix);
        claim.timestamp = request
            .header(&date_header)
            .ok_or_else(|| malformed(format!("the request has no {date_header} header")))?
            .to_owned();
        claim.session_token = request
            .header(&format!("{}security-token", family.header_prefix))
            .map(str::to_owned);
        Ok(claim)
    }

    /// `access/yyyymmdd/region/service/terminator`.
    fn from_credential(
        family: &'static Family,
        carrier: Carrier,
        credential: &str,
    ) -> Result<Self, Denied> {
        let parts: Vec<&str> = credential.split('/').collect();
        let [access, date, region, service, terminator] = parts.as_slice() else {
            return Err(malformed_in(
                carrier,
                format!(
                    "the credential is not access-key/date/region/service/{}",
                    family.terminator
                ),
            ));
        };
        Ok(Self {
            family,
            carrier,
            access_key: (*access).to_owned(),
            scope_date: (*date).to_owned(),
            region: (*region).to_owned(),
            service: (*service).to_owned(),
            terminator: (*terminator).to_owned(),
            timestamp: String::new(),
            lifetime: None,
            signed_headers: Vec::new(),
            signature: String::new(),
            session_token: None,
        })
    }

    /// Checks the claim against the secret it names, for a storage in `region`, at `now` on
    /// the storage's (real) clock.
    pub(crate) fn verify(
        &self,
        request: &Incoming<'_>,
        secret: &str,
        region: &str,
        now: SystemTime,
    ) -> Result<(), Denied> {
        self.check_scope(region)?;
        self.check_time(now)?;
        let payload = self.payload_hash(request)?;
        if !self.signed_headers.iter().any(|name| name == "host") {
            return Err(malformed_in(
                self.carrier,
                "the signed headers do not include host",
            ));
        }
        let canonical = self.canonical_request(request, &payload)?;
        let scope = format!(
            "{}/{}/{}/{}",
            self.scope_date, self.region, self.service, self.terminator
        );
        let string_to_sign = format!(
            "{}\n{}\n{scope}\n{}",
            self.family.algorithm,
            self.timestamp,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac_sha256(
            format!("{}{secret}", self.family.key_prefix).as_bytes(),
            self.scope_date.as_bytes(),
        );
        for part in [&self.region, &self.service, &self.terminator] {
            key = hmac_sha256(&key, part.as_bytes());
        }
        let expected = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
        if expected != self.signature.to_ascii_lowercase() {
            return Err(denied(
                "SignatureDoesNotMatch",
                "the request signature does not match",
            ));
        }
        Ok(())
    }

    fn check_scope(&self, region: &str) -> Result<(), Denied> {
        let family = self.family;
        if self.service != family.service || self.terminator != family.terminator {
            return Err(malformed_in(
                self.carrier,
                format!(
                    "the credential's scope ends {}/{}, not {}/{}",
                    self.service, self.terminator, family.service, family.terminator
                ),
            ));
        }
        if self.region != region {
            return Err(malformed_in(
                self.carrier,
                format!(
                    "the region {:?} is wrong; expecting {region:?}",
                    self.region
                ),
            ));
        }
        if !self.timestamp.starts_with(&self.scope_date) || self.scope_date.len() != 8 {
            return Err(malformed_in(
                self.carrier,
                "the credential's date is not the request's date",
            ));
        }
        Ok(())
    }

    fn check_time(&self, now: SystemTime) -> Result<(), Denied> {
        // `20261205T203000Z`: a UTC time whose `Z` is a literal, not an offset to parse.
        let signed_at = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", &self.timestamp)
            .and_then(|parsed| parsed.to_datetime())
            .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC))
            .ok()
            .and_then(|zoned| u64::try_from(zoned.timestamp().as_second()).ok())
            .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
            .ok_or_else(|| {
                malformed_in(
                    self.carrier,
                    format!("{:?} is not a request time", self.timestamp),
                )
            })?;
        match &self.lifetime {
            Some(lifetime) => {
                let lifetime = lifetime
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .ok()
                    .filter(|lifetime| *lifetime <= MAX_QUERY_LIFETIME)
                    .ok_or_else(|| {
                        malformed_in(
                            self.carrier,
                            "the expiry is not a number of seconds up to seven days",
                        )
                    })?;
                if now > signed_at + lifetime {
                    return Err(denied("AccessDenied", "Request has expired"));
                }
            }
            None => {
                let skew = match now.duration_since(signed_at) {
                    Ok(behind) => behind,
                    Err(ahead) => ahead.duration(),
                };
                if skew > MAX_HEADER_SKEW {
                    return Err(denied(
                        "RequestTimeTooSkewed",
                        "the request time is too far from the storage's time",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The payload hash signed: the family's content-sha256 header, which when it is a hash
    /// must be the body's; a presigned query's is unsigned.
    fn payload_hash(&self, request: &Incoming<'_>) -> Result<String, Denied> {
        let header = format!("{}content-sha256", self.family.header_prefix);
        let claimed = request.header(&header);
        let claimed = match (self.carrier, claimed, self.family == &S3) {
            (_, Some(claimed), _) => claimed.to_owned(),
            (Carrier::Query, None, _) | (Carrier::Header, None, false) => {
                UNSIGNED_PAYLOAD.to_owned()
            }
            (Carrier::Header, None, true) => {
                return Err(malformed_in(
                    self.carrier,
                    format!("the request has no {header} header"),
                ));
            }
        };
        if claimed != UNSIGNED_PAYLOAD && claimed != hex(&Sha256::digest(request.body)) {
            return Err(Denied {
                status: 400,
                code: "BadDigest",
                message: format!("the body's SHA-256 is not the one in {header}"),
            });
        }
        Ok(claimed)
    }

    fn canonical_request(&self, request: &Incoming<'_>, payload: &str) -> Result<String, Denied> {
        let signature_param = format!("{}Signature", self.family.query_prefix);
        let mut query: Vec<(String, String)> = query_pairs(request.query.unwrap_or(""))
            .filter(|(name, _)| *name != signature_param)
            .map(|(name, value)| (uri_encode(&name), uri_encode(&value)))
            .collect();
        query.sort();
        let query: Vec<String> = query
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut headers = String::new();
        for name in &self.signed_headers {
            let values: Vec<&str> = request
                .headers
                .iter()
                .filter(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.trim())
                .collect();
            if values.is_empty() {
                return Err(malformed_in(
                    self.carrier,
                    format!("the signed header {name} is not sent"),
                ));
            }
            headers.push_str(&format!("{name}:{}\n", values.join(",")));
        }
        Ok(format!(
            "{}\n{}\n{}\n{headers}\n{}\n{payload}",
            request.method,
            request.path,
            query.join("&"),
            self.signed_headers.join(";")
        ))
    }
}

fn split_signed_headers(list: &str) -> Vec<String> {
    list.split(';').map(str::to_ascii_lowercase).collect()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes all but the unreserved characters, as Signature V4 canonicalises a query.
fn uri_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// 2026-12-05T20:30:00Z.
    fn golden_time() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_502_600)
    }

    const GOLDEN_SECRET: &str = "mock-secret-for-the-golden-vector";

    /// The headers the `tos` SDK 2.9.3 sent for a put, run once by hand
    /// (`tos.auth.Auth("AKTPmockexample0001", GOLDEN_SECRET, "mock-region-1",
    /// sts="STSmocksessiontoken").sign_request(…)` at 20261205T203000Z).
    fn golden_headers() -> Vec<(&'static str, Cow<'static, str>)> {
        [
            ("content-type", "model/gltf-binary"),
            ("content-length", "37"),
            ("x-tos-content-sha256", "UNSIGNED-PAYLOAD"),
            ("host", "hitem3d-mock-meshes.127.0.0.1:8080"),
            ("x-tos-security-token", "STSmocksessiontoken"),
            ("date", "20261205T203000Z"),
            ("x-tos-date", "20261205T203000Z"),
            (
                "authorization",
                "TOS4-HMAC-SHA256 Credential=AKTPmockexample0001/20261205/mock-region-1/tos/request, \
                 SignedHeaders=content-type;host;x-tos-content-sha256;x-tos-date;x-tos-security-token, \
                 Signature=6a1a04e9b3932fda44ec178bb6098e13da08a48356cbc7ecd95edc9b1fba74f3",
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name, Cow::Borrowed(value)))
        .collect()
    }

    fn put<'a>(
        path: &'a str,
        query: Option<&'a str>,
        headers: Vec<(&'a str, Cow<'a, str>)>,
    ) -> Incoming<'a> {
        Incoming {
            method: "PUT",
            path,
            query,
            headers,
            body: b"glTF mesh bytes for the golden vector",
            body_too_large: false,
        }
    }

    const GOLDEN_PATH: &str = "/comfyui/mesh/2026-12-05/a%20b~c.glb";

    fn check(request: &Incoming<'_>, secret: &str, now: SystemTime) -> Result<(), Denied> {
        let claim = Claim::of(request)?;
        claim.verify(request, secret, "mock-region-1", now)
    }

    #[test]
    fn the_vendors_sdk_header_signature_is_accepted_and_read() {
        let request = put(GOLDEN_PATH, None, golden_headers());
        let claim = Claim::of(&request).unwrap();
        assert_eq!(claim.family, &TOS);
        assert_eq!(claim.access_key, "AKTPmockexample0001");
        assert_eq!(claim.session_token.as_deref(), Some("STSmocksessiontoken"));
        assert_eq!(check(&request, GOLDEN_SECRET, golden_time()), Ok(()));
        // Within the allowed skew either way.
        for skew in [-14 * 60, 14 * 60] {
            let now = golden_time().checked_add_signed(skew);
            assert_eq!(check(&request, GOLDEN_SECRET, now), Ok(()));
        }
    }

    trait AddSigned {
        fn checked_add_signed(self, seconds: i64) -> SystemTime;
    }

    impl AddSigned for SystemTime {
        fn checked_add_signed(self, seconds: i64) -> SystemTime {
            let by = Duration::from_secs(seconds.unsigned_abs());
            if seconds < 0 { self - by } else { self + by }
        }
    }

    fn code_of(result: Result<(), Denied>) -> &'static str {
        result.expect_err("refused").code
    }

    #[test]
    fn any_change_to_what_the_vendors_sdk_signed_is_refused() {
        let now = golden_time();
        assert_eq!(
            code_of(check(
                &put(GOLDEN_PATH, None, golden_headers()),
                "other",
                now
            )),
            "SignatureDoesNotMatch"
        );
        let other_key = put("/comfyui/mesh/2026-12-05/other.glb", None, golden_headers());
        assert_eq!(
            code_of(check(&other_key, GOLDEN_SECRET, now)),
            "SignatureDoesNotMatch"
        );
        let with_query = put(GOLDEN_PATH, Some("acl"), golden_headers());
        assert_eq!(
            code_of(check(&with_query, GOLDEN_SECRET, now)),
            "SignatureDoesNotMatch"
        );
        for (name, value) in [
            ("content-type", "text/plain"),
            ("host", "someone-elses-bucket.127.0.0.1:8080"),
            ("x-tos-security-token", "STSanother"),
        ] {
            let mut headers = golden_headers();
            headers.retain(|(key, _)| *key != name);
            headers.push((name, Cow::Borrowed(value)));
            let request = put(GOLDEN_PATH, None, headers);
            assert_eq!(
                code_of(check(&request, GOLDEN_SECRET, now)),
                "SignatureDoesNotMatch",
                "{name}"
            );
        }
        let mut headers = golden_headers();
        headers.retain(|(key, _)| *key != "content-type");
        let request = put(GOLDEN_PATH, None, headers);
        assert_eq!(
            code_of(check(&request, GOLDEN_SECRET, now)),
            "AuthorizationHeaderMalformed"
        );
    }

    #[test]
    fn a_header_signature_far_from_the_storages_clock_is_refused() {
        let request = put(GOLDEN_PATH, None, golden_headers());
        for skew in [-16 * 60, 16 * 60] {
            let now = golden_time().checked_add_signed(skew);
            assert_eq!(
                code_of(check(&request, GOLDEN_SECRET, now)),
                "RequestTimeTooSkewed"
            );
        }
    }

    #[test]
    fn a_hashed_payload_must_be_the_body_sent() {
        let body_hash = hex(&Sha256::digest(b"glTF mesh bytes for the golden vector"));
        let mut headers = golden_headers();
        headers.retain(|(key, _)| *key != "x-tos-content-sha256");
        headers.push(("x-tos-content-sha256", Cow::Owned(body_hash)));
        let mut request = put(GOLDEN_PATH, None, headers);
        // The hash matches the body; the signature was made over UNSIGNED-PAYLOAD.
        assert_eq!(
            code_of(check(&request, GOLDEN_SECRET, golden_time())),
            "SignatureDoesNotMatch"
        );
        request.body = b"other bytes";
        assert_eq!(
            code_of(check(&request, GOLDEN_SECRET, golden_time())),
            "BadDigest"
        );
    }

    #[test]
    fn the_scope_must_name_this_region_and_the_familys_service() {
        for (from, to) in [
            ("/mock-region-1/", "/cn-beijing/"),
            ("/tos/request", "/s3/request"),
            ("/tos/request", "/tos/aws4_request"),
            ("/20261205/", "/20261204/"),
        ] {
            let mut headers = golden_headers();
            let authorization = headers.pop().unwrap();
            headers.push((
                authorization.0,
                Cow::Owned(authorization.1.replace(from, to)),
            ));
            let request = put(GOLDEN_PATH, None, headers);
            assert_eq!(
                code_of(check(&request, GOLDEN_SECRET, golden_time())),
                "AuthorizationHeaderMalformed",
                "{to}"
            );
        }
    }

    #[test]
    fn an_unsigned_request_is_told_so() {
        let request = put(GOLDEN_PATH, None, Vec::new());
        let denied = Claim::of(&request).unwrap_err();
        assert_eq!((denied.status, denied.code), (403, "AccessDenied"));
        assert_eq!(denied.message, "the request is not signed");
    }

    /// A link presigned by rusty-s3, the signer this SDK's clients use, as S3 checks it.
    fn s3_link(secret: &str) -> (url::Url, SystemTime) {
        use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};
        let endpoint = "http://127.0.0.1:8080/storage/".parse().unwrap();
        let bucket = Bucket::new(
            endpoint,
            UrlStyle::Path,
            "hitem3d-mock-meshes",
            "mock-region-1",
        )
        .unwrap();
        let credentials = Credentials::new_with_token("AKTPmock", secret, "STSsession");
        let signed_at = jiff::Timestamp::from_second(1_796_502_600).unwrap();
        let url = bucket
            .put_object(Some(&credentials), "comfyui/a b+c.glb")
            .sign_with_time(Duration::from_secs(600), &signed_at);
        (url, golden_time())
    }

    #[test]
    fn an_s3_presigned_link_is_accepted_until_it_expires() {
        let (url, signed_at) = s3_link("s3-secret");
        let host = [("host", Cow::Borrowed("127.0.0.1:8080"))];
        let request = put(url.path(), url.query(), host.to_vec());
        let claim = Claim::of(&request).unwrap();
        assert_eq!((claim.family, claim.carrier), (&S3, Carrier::Query));
        assert_eq!(check(&request, "s3-secret", signed_at), Ok(()));
        assert_eq!(
            code_of(check(&request, "other", signed_at)),
            "SignatureDoesNotMatch"
        );
        let late = signed_at + Duration::from_secs(601);
        assert_eq!(code_of(check(&request, "s3-secret", late)), "AccessDenied");
        let moved = url
            .query()
            .unwrap()
            .replace("X-Amz-Expires=600", "X-Amz-Expires=6000");
        let request = put(url.path(), Some(&moved), host.to_vec());
        assert_eq!(
            code_of(check(&request, "s3-secret", signed_at)),
            "SignatureDoesNotMatch"
        );
    }
}
