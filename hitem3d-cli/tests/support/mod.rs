//! Running the `hitem3d` binary against a mock service in the test process, with its own
//! journal and working directory, and reading what it printed.

#![allow(dead_code, reason = "each test file uses the part it needs")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use hitem3d_mock::{BlockingMock, MockConfig};

/// Variables that would send the binary to the real service, or to another journal.
const ENVIRONMENT: [&str; 11] = [
    "HITEM3D_CLIENT_ID",
    "HITEM3D_CLIENT_SECRET",
    "HITEM3D_AK",
    "HITEM3D_SK",
    "HITEM3D_BASE_URL",
    "HITEM3D_JOURNAL",
    "HITEM3D_UPLOAD_ENDPOINT",
    "HITEM3D_UPLOAD_REGION",
    "HITEM3D_UPLOAD_BUCKET",
    "HITEM3D_UPLOAD_PUBLIC_BASE",
    "NO_COLOR",
];

/// A working directory, a journal file and (usually) a mock service for the binary.
pub struct Bench {
    pub dir: tempfile::TempDir,
    pub mock: Option<BlockingMock>,
}

impl Bench {
    /// A mock whose tasks take about 100 ms.
    pub fn fast() -> Self {
        Self::with(MockConfig::fast())
    }

    /// A mock whose clock moves only when the test advances it.
    pub fn manual() -> Self {
        Self::with(MockConfig::manual())
    }

    pub fn with(config: MockConfig) -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            mock: Some(BlockingMock::start_with(config)),
        }
    }

    /// No mock and no credentials: the binary uses its built-in mock.
    pub fn offline() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            mock: None,
        }
    }

    pub fn mock(&self) -> &BlockingMock {
        self.mock.as_ref().expect("a bench with a mock")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary, in the bench's directory, pointed at its mock and journal.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hitem3d"));
        command.current_dir(self.dir.path());
        for name in ENVIRONMENT {
            command.env_remove(name);
        }
        command.env("HITEM3D_JOURNAL", self.path("journal.sqlite3"));
        if let Some(mock) = &self.mock {
            command
                .env("HITEM3D_BASE_URL", mock.base_url())
                .env("HITEM3D_CLIENT_ID", mock.client_id())
                .env("HITEM3D_CLIENT_SECRET", mock.client_secret())
                .env("HITEM3D_UPLOAD_ENDPOINT", mock.upload_endpoint())
                .env("HITEM3D_UPLOAD_REGION", mock.upload_region())
                .env("HITEM3D_UPLOAD_BUCKET", mock.upload_bucket())
                .env("HITEM3D_UPLOAD_PUBLIC_BASE", mock.upload_public_base())
                // The fast mock's tasks take ~100 ms: poll often.
                .arg("--poll-every")
                .arg("0.02");
        }
        command
    }

    /// Runs the binary with `args` to its end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(&[], args)
    }

    /// Runs the binary with `args` to its end, with these variables set on top of the bench's.
    pub fn run_with_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let output = self
            .command()
            .envs(env.iter().copied())
            .args(args)
            .output()
            .expect("the binary runs");
        let run = Run::from(output);
        self.assert_no_secret_in(&run);
        run
    }

    /// The JSON lines of `--json` `args`.
    pub fn json(&self, args: &[&str]) -> (Run, Vec<serde_json::Value>) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let events = run.json_lines();
        (run, events)
    }

    /// No secret of the mock (client secret, tokens, signed links' keys) was printed.
    pub fn assert_no_secret_in(&self, run: &Run) {
        let Some(mock) = &self.mock else { return };
        let printed = format!("{}{}", run.stdout, run.stderr);
        let mut secrets = vec![mock.client_secret()];
        secrets.extend(mock.issued_tokens());
        secrets.extend(mock.issued_upload_secrets());
        for secret in secrets {
            assert!(
                !printed.contains(&secret),
                "a secret was printed:\n{printed}"
            );
        }
        assert!(
            !printed.contains("auth_key="),
            "a signed link was printed:\n{printed}"
        );
        assert!(
            !printed.contains('\u{1b}'),
            "escape codes without a terminal:\n{printed}"
        );
    }

    /// A copy of the sample picture `view` in the bench's directory, as `name`.
    pub fn picture(&self, view: &str, name: &str) -> PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("images")
            .join(format!("{view}.png"));
        let path = self.path(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::copy(source, &path).expect("the sample picture");
        path
    }

    /// `count` different pictures, `photos/p0.png` …: the sample's front view, each with
    /// bytes of its own after it (so each is a task of its own). Returns their contents.
    pub fn distinct_pictures(&self, count: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|n| {
                let path = self.picture("front", &format!("photos/p{n}.png"));
                let mut bytes = std::fs::read(&path).unwrap();
                bytes.extend_from_slice(&u32::try_from(n).unwrap().to_le_bytes());
                std::fs::write(&path, &bytes).unwrap();
                bytes
            })
            .collect()
    }

    /// Waits (up to a minute of real time, however slow the machine) until `ready` holds.
    pub fn until(&self, what: &str, mut ready: impl FnMut(&BlockingMock) -> bool) {
        let started = Instant::now();
        while !ready(self.mock()) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "gave up waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A throwaway PostgreSQL server, a runtime to reach it, and the URL of a new database on it;
/// `None` (the test says it skips) where the server's binaries are missing.
pub fn fleet_database(
    test: &str,
) -> Option<(
    hitem3d_postgres::ThrowawayCluster,
    tokio::runtime::Runtime,
    String,
)> {
    let cluster = hitem3d_postgres::ThrowawayCluster::start_or_skip(test)?;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(cluster.create_database()).unwrap();
    Some((cluster, runtime, url))
}

/// What one run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The JSON lines of a `--json` run's stdout.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|_| panic!("a JSON line: {line}"))
            })
            .collect()
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code; output:\n{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// The events named `name`.
pub fn events<'a>(events: &'a [serde_json::Value], name: &str) -> Vec<&'a serde_json::Value> {
    events
        .iter()
        .filter(|event| event["event"] == name)
        .collect()
}
