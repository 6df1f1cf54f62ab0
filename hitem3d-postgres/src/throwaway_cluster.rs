//! A PostgreSQL server of its own for each test run: a new cluster in a temporary folder on a
//! free loopback port, stopped and deleted when dropped (feature `throwaway`).

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Set (to anything) where the PostgreSQL binaries must be there: a missing `initdb` or
/// `pg_ctl` then fails the test instead of skipping it. `.ci/run` sets it.
pub const REQUIRE_VAR: &str = "HITEM3D_REQUIRE_POSTGRES";

/// The binaries a cluster needs, looked up on `PATH`.
const BINARIES: [&str; 2] = ["initdb", "pg_ctl"];

/// A running PostgreSQL 15 (or later) cluster that only this process uses.
///
/// ```no_run
/// # async fn run() {
/// use hitem3d_postgres::ThrowawayCluster;
///
/// let Some(cluster) = ThrowawayCluster::start_or_skip("my_test") else { return };
/// let url = cluster.create_database().await.unwrap();
/// // … connect to `url` …
/// # }
/// ```
pub struct ThrowawayCluster {
    // Dropped last: the folder goes once the server has stopped.
    folder: tempfile::TempDir,
    port: u16,
    /// The unprivileged account the server runs as when this process is root (PostgreSQL
    /// refuses to run as root).
    account: Option<(u32, u32)>,
    databases: AtomicU32,
}

/// Why a cluster could not start.
#[derive(Debug)]
pub struct ClusterError(String);

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClusterError {}

impl fmt::Debug for ThrowawayCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThrowawayCluster")
            .field("folder", &self.folder.path())
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl ThrowawayCluster {
    /// Whether `initdb` and `pg_ctl` are on `PATH`.
    #[must_use]
    pub fn available() -> bool {
        BINARIES.iter().all(|binary| on_path(binary).is_some())
    }

    /// Starts a cluster, or says on stderr why `test` is skipped and returns `None` when the
    /// binaries are missing, unless [`REQUIRE_VAR`] is set.
    ///
    /// # Panics
    /// The binaries are missing and [`REQUIRE_VAR`] is set, or they are there and the cluster
    /// does not start.
    #[must_use]
    pub fn start_or_skip(test: &str) -> Option<Self> {
        if !Self::available() {
            assert!(
                std::env::var_os(REQUIRE_VAR).is_none(),
                "{test}: PostgreSQL's initdb and pg_ctl are not on PATH, and {REQUIRE_VAR} \
                 says this run needs them: install PostgreSQL 15 (Debian: postgresql-15)"
            );
            #[allow(clippy::print_stderr, reason = "a skipped test says why")]
            {
                eprintln!(
                    "{test}: skipped, PostgreSQL's initdb and pg_ctl are not on PATH \
                     (set {REQUIRE_VAR}=1 to fail instead)"
                );
            }
            return None;
        }
        match Self::start() {
            Ok(cluster) => Some(cluster),
            Err(error) => panic!("{test}: {error}"),
        }
    }

    /// Creates and starts a cluster.
    ///
    /// # Errors
    /// `initdb` or `pg_ctl` is missing or fails, or no free port could be found.
    pub fn start() -> Result<Self, ClusterError> {
        let folder = tempfile::Builder::new()
            .prefix("hitem3d-postgres-")
            .tempdir()
            .map_err(|error| ClusterError(format!("cannot make a temporary folder: {error}")))?;
        let account = if running_as_root() {
            let account = unprivileged_account()?;
            std::os::unix::fs::chown(folder.path(), Some(account.0), Some(account.1)).map_err(
                |error| ClusterError(format!("cannot hand the folder to postgres: {error}")),
            )?;
            Some(account)
        } else {
            None
        };
        let mut cluster = Self {
            folder,
            port: 0,
            account,
            databases: AtomicU32::new(0),
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        // A port found free can be taken before the server binds it: try a few.
        let mut last = None;
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.start_server() {
                Ok(()) => return Ok(cluster),
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| ClusterError("the server did not start".into())))
    }

    /// The port the server listens on, on 127.0.0.1.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of `database` as the superuser `postgres`, who needs no password.
    #[must_use]
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new empty database and returns its URL.
    ///
    /// # Errors
    /// The server cannot be reached or refuses.
    pub async fn create_database(&self) -> Result<String, ClusterError> {
        let number = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("test_{number}");
        self.execute(&format!("CREATE DATABASE {name}")).await?;
        Ok(self.url(&name))
    }

    /// Creates the login role `name` with `password`, and a database of the same name that it
    /// owns (for connecting as someone other than the superuser, as with
    /// [`ThrowawayCluster::serve_tls_only`]).
    ///
    /// # Errors
    /// The server cannot be reached or refuses.
    pub async fn create_owner(&self, name: &str, password: &str) -> Result<(), ClusterError> {
        self.execute(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
            .await?;
        self.execute(&format!("CREATE DATABASE {name} OWNER {name}"))
            .await
            .map(drop)
    }

    /// Runs one SQL statement as the superuser in the `postgres` database.
    ///
    /// # Errors
    /// The server cannot be reached or refuses the statement.
    pub async fn execute(&self, sql: &str) -> Result<u64, ClusterError> {
        self.execute_at(&self.url("postgres"), sql).await
    }

    /// Runs one SQL statement in the database at `url` (one that
    /// [`ThrowawayCluster::create_database`] made).
    ///
    /// # Errors
    /// The server cannot be reached or refuses the statement.
    pub async fn execute_at(&self, url: &str, sql: &str) -> Result<u64, ClusterError> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|error| ClusterError(format!("cannot connect: {error}")))?;
        let driver = tokio::spawn(connection);
        let done = client
            .execute(sql, &[])
            .await
            .map_err(|error| ClusterError(format!("{sql}: {error}")));
        drop(client);
        let _ended = driver.await;
        done
    }

    /// Restarts the server with TLS on, serving `certificate` with `key` (PEM files), and from
    /// then on lets every role but the superuser `postgres` in only over TLS and with a
    /// password (SCRAM, so a client's channel binding is exercised too). The superuser keeps
    /// plain TCP for the tests' own set-up.
    ///
    /// # Errors
    /// A file cannot be copied or written, or the server does not start again.
    pub fn serve_tls_only(&self, certificate: &Path, key: &Path) -> Result<(), ClusterError> {
        let data = self.data();
        let failed = |what: &str, error: std::io::Error| ClusterError(format!("{what}: {error}"));
        for (from, name) in [(certificate, "server.crt"), (key, "server.key")] {
            let to = data.join(name);
            std::fs::copy(from, &to).map_err(|error| failed(name, error))?;
            // The server refuses a key that others can read.
            std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(|error| failed(name, error))?;
            if let Some((uid, gid)) = self.account {
                std::os::unix::fs::chown(&to, Some(uid), Some(gid))
                    .map_err(|error| failed(name, error))?;
            }
        }
        let mut settings = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .map_err(|error| failed("postgresql.conf", error))?;
        std::io::Write::write_all(&mut settings, b"\nssl = on\n")
            .map_err(|error| failed("postgresql.conf", error))?;
        // First match wins: no line admits another role without TLS.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             host all postgres 127.0.0.1/32 trust\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .map_err(|error| failed("pg_hba.conf", error))?;
        self.stop()?;
        self.start_server()
    }

    /// Stops the server at once, as a crash or power loss would (`pg_ctl stop -m immediate`).
    ///
    /// # Errors
    /// `pg_ctl` fails.
    pub fn stop(&self) -> Result<(), ClusterError> {
        let data = self.data();
        self.run(
            "pg_ctl",
            &["-D", path_str(&data)?, "-m", "immediate", "-w", "stop"],
        )
        .map(drop)
    }

    /// Starts the server again on the same port, after [`ThrowawayCluster::stop`].
    ///
    /// # Errors
    /// `pg_ctl` fails.
    pub fn start_server(&self) -> Result<(), ClusterError> {
        let data = self.data();
        let log = self.folder.path().join("server.log");
        // The socket goes in the cluster's own folder; clients connect over TCP.
        let options = format!(
            "-p {} -h 127.0.0.1 -k {} -c fsync=off -c max_connections=200",
            self.port,
            path_str(&data)?
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "-t",
                "120",
                "start",
            ],
        )
        .map(drop)
        .map_err(|error| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            ClusterError(format!("{error}\nserver log:\n{log}"))
        })
    }

    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    fn run(&self, binary: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let path =
            on_path(binary).ok_or_else(|| ClusterError(format!("{binary} is not on PATH")))?;
        let mut command = Command::new(path);
        command.args(args).current_dir(self.folder.path());
        if let Some((uid, gid)) = self.account {
            command.uid(uid).gid(gid);
        }
        let output = command
            .output()
            .map_err(|error| ClusterError(format!("{binary} did not run: {error}")))?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(ClusterError(format!(
                "{binary} {} failed ({}): {}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }
}

impl Drop for ThrowawayCluster {
    fn drop(&mut self) {
        // Already stopped is fine: the folder goes either way.
        let _stopped = self.stop();
    }
}

fn on_path(binary: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(binary))
            .find(|candidate| candidate.is_file())
    })
}

fn path_str(path: &Path) -> Result<&str, ClusterError> {
    path.to_str()
        .ok_or_else(|| ClusterError(format!("{} is not UTF-8", path.display())))
}

fn free_port() -> Result<u16, ClusterError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| ClusterError(format!("no free loopback port: {error}")))
}

/// This process's effective user is root (`/proc/self` belongs to it).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// The `postgres` account (or `nobody`), which the server runs as when this process is root.
fn unprivileged_account() -> Result<(u32, u32), ClusterError> {
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|error| ClusterError(format!("cannot read /etc/passwd: {error}")))?;
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields[..] {
                [user, _, uid, gid, ..] if user == name => {
                    Some((uid.parse().ok()?, gid.parse().ok()?))
                }
                _ => None,
            }
        })
    };
    find("postgres").or_else(|| find("nobody")).ok_or_else(|| {
        ClusterError(
            "PostgreSQL refuses to run as root, and there is no postgres or nobody account \
             to run it as: run the tests as an unprivileged user"
                .into(),
        )
    })
}
