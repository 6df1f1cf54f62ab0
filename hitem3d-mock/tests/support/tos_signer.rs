//! A put signed in its headers the way the vendor's `tos` Python SDK signs it (`tos/auth.py`,
//! `sign_request`): `TOS4-HMAC-SHA256`, the secret as the first key without a prefix, the scope
//! `<date>/<region>/tos/request`, and `content-type`, `host` and every `x-tos-*` header signed.
//! Checked against the SDK's own output in `vendor_upload.rs`.

use hmac::{KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};

/// What a signed put is made of.
pub struct TosPut<'a> {
    pub access_key: &'a str,
    pub secret: &'a str,
    /// The STS session token, sent as `x-tos-security-token`.
    pub session: Option<&'a str>,
    pub region: &'a str,
    /// As the request's `Host` header carries it.
    pub host: &'a str,
    /// Percent-encoded, as on the request line.
    pub path: &'a str,
    pub content_type: &'a str,
    /// `UNSIGNED-PAYLOAD` or the body's SHA-256 in hex.
    pub content_sha256: &'a str,
    /// `20261205T203000Z`.
    pub date: &'a str,
}

impl TosPut<'_> {
    /// The headers to send, `Authorization` last.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut signed = vec![
            ("content-type", self.content_type.to_owned()),
            ("host", self.host.to_owned()),
            ("x-tos-content-sha256", self.content_sha256.to_owned()),
            ("x-tos-date", self.date.to_owned()),
        ];
        if let Some(session) = self.session {
            signed.push(("x-tos-security-token", session.to_owned()));
        }
        signed.sort();
        let names: Vec<&str> = signed.iter().map(|(name, _)| *name).collect();
        let canonical_headers: String = signed
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        let canonical = format!(
            "PUT\n{}\n\n{canonical_headers}\n{}\n{}",
            self.path,
            names.join(";"),
            self.content_sha256
        );
        let day = &self.date[..8];
        let scope = format!("{day}/{}/tos/request", self.region);
        let string_to_sign = format!(
            "TOS4-HMAC-SHA256\n{}\n{scope}\n{}",
            self.date,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = mac(self.secret.as_bytes(), day);
        for part in [self.region, "tos", "request"] {
            key = mac(&key, part);
        }
        let signature = hex(&mac(&key, &string_to_sign));
        let authorization = format!(
            "TOS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            self.access_key,
            names.join(";")
        );
        let mut headers: Vec<(String, String)> = signed
            .into_iter()
            .filter(|(name, _)| *name != "host")
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        headers.push(("authorization".to_owned(), authorization));
        headers
    }
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
