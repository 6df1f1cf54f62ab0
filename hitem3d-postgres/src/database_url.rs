//! Where the database is: a connection string whose password never reaches a log, an error or
//! `Debug`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::tls::{SslMode, TlsSettings};

/// A PostgreSQL connection string (`postgres://user:password@host:port/database?…`, or the
/// `host=… user=…` form), checked when made. It shows itself without its password.
///
/// TLS follows libpq's `sslmode` (`disable`, `allow`, `prefer` — the default —, `require`,
/// `verify-ca`, `verify-full`) and `sslrootcert` (a PEM file of trusted authorities, or
/// `system`), so a URL that works with `psql` means the same here. Only `verify-full` (or a
/// root certificate with `verify-ca`) guards against a server in the middle; without
/// `sslrootcert`, `verify-ca` and `verify-full` trust the system's authorities. The
/// `host=… user=…` form takes `disable`, `prefer` and `require`.
///
/// ```
/// use hitem3d_postgres::DatabaseUrl;
///
/// let url: DatabaseUrl = "postgres://fleet:s3cret@db.example:5432/hitem3d".parse().unwrap();
/// assert_eq!(url.to_string(), "postgres://fleet@db.example:5432/hitem3d");
/// assert!(!format!("{url:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct DatabaseUrl {
    config: tokio_postgres::Config,
    tls: TlsSettings,
}

/// A connection string that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error(
    "not a PostgreSQL connection string ({reason}): write it as \
     postgres://USER:PASSWORD@HOST:PORT/DATABASE"
)]
pub struct DatabaseUrlError {
    // The parser's words, which never quote the string itself.
    reason: String,
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refused = |reason: String| DatabaseUrlError { reason };
        let (text, tls) = take_tls_settings(text).map_err(refused)?;
        let mut config = text
            .parse::<tokio_postgres::Config>()
            .map_err(|error| refused(error.to_string()))?;
        if config.get_hosts().is_empty() {
            return Err(refused("it names no host".into()));
        }
        // The `host=…` form's own sslmode, which the driver read.
        let tls = tls.unwrap_or_else(|| TlsSettings {
            mode: match config.get_ssl_mode() {
                tokio_postgres::config::SslMode::Disable => SslMode::Disable,
                tokio_postgres::config::SslMode::Require => SslMode::Require,
                _ => SslMode::Prefer,
            },
            roots: None,
        });
        config.ssl_mode(tls.driver_mode());
        Ok(Self { config, tls })
    }
}

/// A URL's `sslmode` and `sslrootcert`, and the URL without them (the driver knows neither
/// libpq's checking modes nor root certificates). `None` for the `host=…` form.
fn take_tls_settings(text: &str) -> Result<(Cow<'_, str>, Option<TlsSettings>), String> {
    if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
        return Ok((Cow::Borrowed(text), None));
    }
    let Some((base, query)) = text.split_once('?') else {
        return Ok((Cow::Borrowed(text), Some(TlsSettings::default())));
    };
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map(Cow::into_owned)
                .map_err(|_| format!("the value of {key} is not UTF-8"))
        };
        match key {
            "sslmode" => mode = Some(decoded()?),
            "sslrootcert" => root = Some(decoded()?),
            _ => kept.push(pair),
        }
    }
    let tls = TlsSettings::from_parameters(mode.as_deref(), root.as_deref())?;
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((Cow::Owned(rest), Some(tls)))
}

impl DatabaseUrl {
    /// The driver's settings.
    pub(crate) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// How connections are encrypted and the server checked.
    pub(crate) fn tls(&self) -> &TlsSettings {
        &self.tls
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("postgres://")?;
        if let Some(user) = self.config.get_user() {
            write!(f, "{user}@")?;
        }
        let ports = self.config.get_ports();
        for (index, host) in self.config.get_hosts().iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match host {
                tokio_postgres::config::Host::Tcp(name) => f.write_str(name)?,
                tokio_postgres::config::Host::Unix(path) => write!(f, "[{}]", path.display())?,
            }
            if let Some(port) = ports.get(index).or_else(|| ports.first()) {
                write!(f, ":{port}")?;
            }
        }
        if let Some(database) = self.config.get_dbname() {
            write!(f, "/{database}")?;
        }
        if self.tls.mode != SslMode::Prefer {
            write!(f, "?sslmode={}", self.tls.mode.name())?;
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&format_args!("{self}"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::Roots;

    fn url(text: &str) -> DatabaseUrl {
        text.parse().expect("a connection string")
    }

    #[test]
    fn libpq_tls_settings_are_taken_and_the_rest_reaches_the_driver() {
        let parsed = url(
            "postgres://fleet:s3cret@db.example/hitem3d?application_name=studio\
             &sslmode=verify-full&sslrootcert=%2Fetc%2Fpg%20ca.pem&connect_timeout=7",
        );
        assert_eq!(parsed.tls().mode, SslMode::VerifyFull);
        assert_eq!(
            parsed.tls().roots,
            Some(Roots::File("/etc/pg ca.pem".into()))
        );
        assert_eq!(parsed.config().get_application_name(), Some("studio"));
        assert_eq!(
            parsed.config().get_connect_timeout(),
            Some(&std::time::Duration::from_secs(7))
        );
        assert_eq!(
            parsed.config().get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(
            parsed.to_string(),
            "postgres://fleet@db.example:5432/hitem3d?sslmode=verify-full"
        );
        assert!(!format!("{parsed:?}").contains("s3cret"));
    }

    #[test]
    fn without_settings_tls_is_used_when_offered() {
        for text in [
            "postgres://fleet@db.example/hitem3d",
            "postgresql://fleet@db.example/hitem3d?application_name=a",
            "host=db.example user=fleet",
        ] {
            let parsed = url(text);
            assert_eq!(parsed.tls().mode, SslMode::Prefer, "{text}");
            assert_eq!(
                parsed.config().get_ssl_mode(),
                tokio_postgres::config::SslMode::Prefer,
                "{text}"
            );
        }
        assert_eq!(
            url("host=db.example sslmode=require").tls().mode,
            SslMode::Require
        );
        assert_eq!(
            url("postgres://db.example?sslmode=disable")
                .config()
                .get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn a_wrong_tls_setting_is_refused_with_what_to_write() {
        let refused = "postgres://fleet@db.example/hitem3d?sslmode=verify"
            .parse::<DatabaseUrl>()
            .expect_err("not a mode")
            .to_string();
        assert!(refused.contains("verify-full"), "{refused}");
        let refused = "postgres://db.example?sslrootcert=system&sslmode=prefer"
            .parse::<DatabaseUrl>()
            .expect_err("too weak")
            .to_string();
        assert!(refused.contains("write sslmode=verify-full"), "{refused}");
    }
}
