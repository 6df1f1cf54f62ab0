//! How the connections to the fleet's database are encrypted and the server checked: libpq's
//! `sslmode` and `sslrootcert`, so a connection string that works with `psql` means the same
//! here, over rustls with ring's provider (as the async client).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode as DriverMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What `sslmode` asks for, with libpq's meanings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Never encrypt.
    Disable,
    /// Encrypt when the server offers it (libpq's default; `allow` is read as this).
    Prefer,
    /// Encrypt or fail; the certificate is checked only against an `sslrootcert`.
    Require,
    /// Encrypt, and the certificate must come from a trusted authority.
    VerifyCa,
    /// Encrypt, and the certificate must come from a trusted authority and name the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => Self::Disable,
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(format!(
                    "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, \
                     verify-full"
                ));
            }
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// Whose certificates are trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// The authorities in this PEM file (`sslrootcert=PATH`).
    File(PathBuf),
    /// The platform's (`sslrootcert=system`).
    System,
}

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Nothing: encrypted against listeners, not against a server in the middle (libpq's
    /// `prefer` and `require` without a root certificate).
    Nothing,
    /// Signed by a trusted authority, for any host name.
    Authority,
    /// Signed by a trusted authority and made out to the host connected to.
    AuthorityAndName,
}

/// A connection string's TLS settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    pub(crate) mode: SslMode,
    pub(crate) roots: Option<Roots>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            mode: SslMode::Prefer,
            roots: None,
        }
    }
}

impl TlsSettings {
    /// From the values of `sslmode` and `sslrootcert`, either possibly absent.
    pub(crate) fn from_parameters(
        sslmode: Option<&str>,
        sslrootcert: Option<&str>,
    ) -> Result<Self, String> {
        let roots = sslrootcert.map(|value| match value {
            "system" => Roots::System,
            path => Roots::File(PathBuf::from(path)),
        });
        let mode = match (sslmode.map(SslMode::parse).transpose()?, &roots) {
            (Some(mode), _) => mode,
            // As libpq 16: the platform's roots mean checking the host too.
            (None, Some(Roots::System)) => SslMode::VerifyFull,
            (None, _) => SslMode::Prefer,
        };
        if roots == Some(Roots::System) && mode != SslMode::VerifyFull {
            return Err(format!(
                "sslrootcert=system checks the server fully: write sslmode=verify-full, not \
                 sslmode={}",
                mode.name()
            ));
        }
        Ok(Self { mode, roots })
    }

    /// The mode the driver negotiates with (it knows no checking of its own).
    pub(crate) fn driver_mode(&self) -> DriverMode {
        match self.mode {
            SslMode::Disable => DriverMode::Disable,
            SslMode::Prefer => DriverMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverMode::Require,
        }
    }

    fn check(&self) -> Check {
        match (self.mode, &self.roots) {
            (SslMode::Disable, _) => Check::Nothing,
            (SslMode::VerifyFull, _) => Check::AuthorityAndName,
            // As libpq: a root certificate given is used whenever the connection is encrypted.
            (SslMode::VerifyCa, _) | (SslMode::Prefer | SslMode::Require, Some(_)) => {
                Check::Authority
            }
            (SslMode::Prefer | SslMode::Require, None) => Check::Nothing,
        }
    }

    /// The connector every connection of a journal uses; reads the `sslrootcert` file.
    pub(crate) fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("TLS cannot be set up: {error}"))?;
        let verifier: Arc<dyn ServerCertVerifier> = match (self.check(), &self.roots) {
            (Check::Nothing, _) => Arc::new(EncryptionOnly(provider)),
            (check, Some(Roots::File(path))) => Arc::new(Checked {
                inner: rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(authorities(path)?),
                    provider,
                )
                .build()
                .map_err(|error| format!("sslrootcert ({}): {error}", path.display()))?,
                names: check == Check::AuthorityAndName,
            }),
            (check, _) => Arc::new(Checked {
                inner: Arc::new(
                    rustls_platform_verifier::Verifier::new(provider)
                        .map_err(|error| format!("the system's authorities: {error}"))?,
                ),
                names: check == Check::AuthorityAndName,
            }),
        };
        Ok(MakeRustlsConnect::new(
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth(),
        ))
    }
}

/// The certificates in the PEM file at `path`.
fn authorities(path: &Path) -> Result<RootCertStore, String> {
    let unreadable = |error: &dyn std::fmt::Display| {
        format!(
            "cannot read the authorities' certificates in sslrootcert ({}): {error}",
            path.display()
        )
    };
    let mut roots = RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path).map_err(|error| unreadable(&error))? {
        let certificate = certificate.map_err(|error| unreadable(&error))?;
        roots.add(certificate).map_err(|error| unreadable(&error))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"it holds no certificate in PEM"));
    }
    Ok(roots)
}

/// Checks the server's certificate against trusted authorities, and its name where asked.
#[derive(Debug)]
struct Checked {
    inner: Arc<dyn ServerCertVerifier>,
    /// Whether the certificate must name the host (verify-full).
    names: bool,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // The name is checked after the chain: this certificate's authority is trusted.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.names => Ok(ServerCertVerified::assertion()),
            checked => checked,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Takes any certificate (libpq's `prefer` and `require` without a root certificate), while
/// the handshake's signatures are still checked, so the session is encrypted to its holder.
#[derive(Debug)]
struct EncryptionOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptionOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A common refusal of the server's certificate in words, with what to change (rustls names
/// them as code).
pub(crate) fn refusal_in_words(refused: &rustls::Error) -> Option<&'static str> {
    let rustls::Error::InvalidCertificate(refused) = refused else {
        return None;
    };
    Some(match refused {
        CertificateError::UnknownIssuer => {
            "the server's certificate is signed by an authority this connection does not \
             trust: name that authority's certificate with sslrootcert=PATH"
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "the server's certificate is not made out to the host in the connection string: \
             connect by a name it lists, or check the authority only with sslmode=verify-ca"
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "the server's certificate has expired"
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the server's certificate is not valid yet (or this machine's clock is behind)"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(mode: Option<&str>, root: Option<&str>) -> Result<TlsSettings, String> {
        TlsSettings::from_parameters(mode, root)
    }

    #[test]
    fn each_mode_checks_as_libpq_does() {
        let check = |mode, root| settings(mode, root).map(|tls| tls.check());
        assert_eq!(check(None, None), Ok(Check::Nothing));
        assert_eq!(check(Some("allow"), None), Ok(Check::Nothing));
        assert_eq!(check(Some("require"), None), Ok(Check::Nothing));
        assert_eq!(check(Some("require"), Some("ca.crt")), Ok(Check::Authority));
        assert_eq!(check(None, Some("ca.crt")), Ok(Check::Authority));
        assert_eq!(check(Some("verify-ca"), None), Ok(Check::Authority));
        assert_eq!(
            check(Some("verify-full"), None),
            Ok(Check::AuthorityAndName)
        );
        assert_eq!(check(None, Some("system")), Ok(Check::AuthorityAndName));
    }

    #[test]
    fn the_driver_encrypts_or_fails_from_require_up() {
        let driver = |mode| settings(Some(mode), None).map(|tls| tls.driver_mode());
        assert_eq!(driver("disable"), Ok(DriverMode::Disable));
        assert_eq!(driver("prefer"), Ok(DriverMode::Prefer));
        for strict in ["require", "verify-ca", "verify-full"] {
            assert_eq!(driver(strict), Ok(DriverMode::Require), "{strict}");
        }
    }

    #[test]
    fn a_wrong_setting_says_what_to_write() {
        let unknown = settings(Some("verify_full"), None).expect_err("not a mode");
        assert!(unknown.contains("verify-full"), "{unknown}");
        let weak = settings(Some("require"), Some("system")).expect_err("too weak");
        assert!(weak.contains("sslmode=verify-full"), "{weak}");
    }

    #[test]
    fn a_root_file_without_certificates_is_refused_before_connecting() {
        let folder = tempfile::tempdir().expect("a folder");
        let empty = folder.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("written");
        let tls = settings(Some("verify-full"), empty.to_str()).expect("settings");
        let refused = tls.connector().err().expect("no authorities");
        assert!(refused.contains("holds no certificate"), "{refused}");
        let missing = settings(Some("verify-ca"), Some("/nonexistent/ca.crt")).expect("settings");
        let refused = missing.connector().err().expect("no file");
        assert!(refused.contains("/nonexistent/ca.crt"), "{refused}");
    }
}
