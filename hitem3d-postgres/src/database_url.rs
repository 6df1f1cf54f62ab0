//! Where the database is: a connection string whose password never reaches a log, an error or
//! `Debug`.

use std::fmt;
use std::str::FromStr;

/// A PostgreSQL connection string (`postgres://user:password@host:port/database?…`, or the
/// `host=… user=…` form), checked when made. It shows itself without its password.
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
        let config = text
            .parse::<tokio_postgres::Config>()
            .map_err(|error| DatabaseUrlError {
                reason: error.to_string(),
            })?;
        if config.get_hosts().is_empty() {
            return Err(DatabaseUrlError {
                reason: "it names no host".into(),
            });
        }
        Ok(Self { config })
    }
}

impl DatabaseUrl {
    /// The driver's settings.
    pub(crate) fn config(&self) -> &tokio_postgres::Config {
        &self.config
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
