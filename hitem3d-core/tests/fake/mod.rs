//! An in-memory front-end for driving the core's jobs in tests: API answers from a script,
//! files in a map, time that moves only when the driver sleeps.

#![allow(dead_code, reason = "each test file uses part of the fake")]

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use hitem3d_core::http::{Request, Response};
use hitem3d_core::journal::{JournalCall, JournalError, JournalOp, JournalReply};
use hitem3d_core::types::{ClientId, ClientSecret, Model, OutputFormat};
use hitem3d_core::{
    Body, ClientConfig, ClientCore, Effects, Image, PartialLocation, SubmitTask, TaskResult,
    Timestamp, TransportFailure, WaitPolicy, decode,
};

/// What a fake front-end was asked to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Did {
    CreateDir(PathBuf),
    Call(String),
    Fetch(String),
    CreatePartial(PathBuf),
    Commit(PathBuf),
}

/// A scripted answer to a file request.
#[derive(Debug, Clone)]
pub enum FileReply {
    /// Status, headers and body pieces; `broken` cuts the body off after the pieces.
    Body {
        status: u16,
        length: Option<u64>,
        pieces: Vec<&'static [u8]>,
        broken: bool,
    },
    /// A redirect with this status to this `Location`.
    Redirect(u16, &'static str),
    /// No answer: the transport failed this way.
    Fails(TransportFailure),
}

/// An in-memory front-end: API answers from a script, files in a map, time that moves only
/// when the driver sleeps.
pub struct FakeFrontEnd {
    pub core: ClientCore,
    pub clock: Cell<Duration>,
    pub api: RefCell<VecDeque<Result<&'static str, TransportFailure>>>,
    pub files: RefCell<VecDeque<FileReply>>,
    pub did: RefCell<Vec<Did>>,
    /// The `Authorization` header of each API call, in order.
    pub authorizations: RefCell<Vec<Option<String>>>,
    pub saved: RefCell<BTreeMap<PathBuf, Vec<u8>>>,
    pub refuse_dirs: bool,
    /// Whether asking if a file exists fails.
    pub exists_fails: bool,
    /// The journal operations run, in order, with the time each ran.
    pub journal_ops: RefCell<Vec<(Duration, JournalOp)>>,
    /// The core's listed temporary files at each write.
    pub listed_while_writing: RefCell<Vec<Vec<PathBuf>>>,
    /// Each range a temporary file was to start writing back, with the file's length then.
    pub writebacks: RefCell<Vec<(Range<u64>, u64)>>,
    /// Whether the system refuses to start writing back.
    pub writeback_fails: bool,
}

impl FakeFrontEnd {
    pub fn new(core: ClientCore) -> Self {
        Self {
            core,
            clock: Cell::new(Duration::ZERO),
            api: RefCell::new(VecDeque::new()),
            files: RefCell::new(VecDeque::new()),
            did: RefCell::new(Vec::new()),
            authorizations: RefCell::new(Vec::new()),
            saved: RefCell::new(BTreeMap::new()),
            refuse_dirs: false,
            exists_fails: false,
            journal_ops: RefCell::new(Vec::new()),
            listed_while_writing: RefCell::new(Vec::new()),
            writebacks: RefCell::new(Vec::new()),
            writeback_fails: false,
        }
    }

    pub fn answers(self, answers: impl IntoIterator<Item = &'static str>) -> Self {
        self.api.borrow_mut().extend(answers.into_iter().map(Ok));
        self
    }

    pub fn file(self, reply: FileReply) -> Self {
        self.files.borrow_mut().push_back(reply);
        self
    }

    pub fn did(&self) -> Vec<Did> {
        self.did.borrow().clone()
    }

    pub fn calls(&self) -> Vec<String> {
        self.did()
            .into_iter()
            .filter_map(|did| match did {
                Did::Call(path) => Some(path),
                _ => None,
            })
            .collect()
    }
}

/// A temporary file in memory; `final_bytes` is where a commit puts it.
pub struct FakePartial {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Effects for FakeFrontEnd {
    type Body = VecDeque<Result<Bytes, TransportFailure>>;
    type Partial = FakePartial;

    fn now(&self) -> Timestamp {
        Timestamp::from_elapsed(self.clock.get())
    }

    async fn sleep_until(&self, until: Timestamp) {
        self.clock.set(self.clock.get().max(until.elapsed()));
    }

    async fn await_change(&self, core: &ClientCore, seen: u64) {
        assert_ne!(
            core.changes(),
            seen,
            "a single-threaded test would wait forever"
        );
    }

    async fn exchange(&self, request: Request<Body>) -> Result<Response<Bytes>, TransportFailure> {
        let target = request.uri().path().to_owned();
        self.did.borrow_mut().push(Did::Call(target.clone()));
        let authorization = request.headers().get("authorization");
        self.authorizations
            .borrow_mut()
            .push(authorization.map(|value| value.to_str().unwrap().to_owned()));
        let answer = self
            .api
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("no answer scripted for {target}"))?;
        Ok(Response::new(Bytes::from_static(answer.as_bytes())))
    }

    async fn fetch(
        &self,
        request: Request<Body>,
    ) -> Result<Response<Self::Body>, TransportFailure> {
        assert!(
            request.headers().get("authorization").is_none(),
            "no token to the file host"
        );
        self.did
            .borrow_mut()
            .push(Did::Fetch(request.uri().to_string()));
        assert!(
            request.headers().get("referer").is_none(),
            "no Referer carries a signed link away"
        );
        let reply = self
            .files
            .borrow_mut()
            .pop_front()
            .expect("a file reply scripted");
        let (status, length, pieces, broken) = match reply {
            FileReply::Body {
                status,
                length,
                pieces,
                broken,
            } => (status, length, pieces, broken),
            FileReply::Redirect(status, location) => {
                let response = Response::builder()
                    .status(status)
                    .header("location", location)
                    .body(VecDeque::new())
                    .unwrap();
                return Ok(response);
            }
            FileReply::Fails(failure) => return Err(failure),
        };
        let mut body: VecDeque<_> = pieces
            .into_iter()
            .map(|piece| Ok(Bytes::from_static(piece)))
            .collect();
        if broken {
            body.push_back(Err(TransportFailure::maybe_sent("connection reset")));
        }
        let mut response = Response::builder().status(status);
        if let Some(length) = length {
            response = response.header("content-length", length);
        }
        Ok(response.body(body).unwrap())
    }

    async fn read(&self, body: &mut Self::Body) -> Result<Option<Bytes>, TransportFailure> {
        body.pop_front().transpose()
    }

    async fn create_dir(&self, dir: &Path) -> io::Result<()> {
        self.did
            .borrow_mut()
            .push(Did::CreateDir(dir.to_path_buf()));
        if self.refuse_dirs {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "read-only"));
        }
        Ok(())
    }

    async fn create_partial(&self, location: &PartialLocation) -> io::Result<FakePartial> {
        self.did
            .borrow_mut()
            .push(Did::CreatePartial(location.dir.clone()));
        let name = format!("{}tmp{}", location.prefix, location.suffix);
        Ok(FakePartial {
            path: location.dir.join(name),
            bytes: Vec::new(),
        })
    }

    fn partial_path<'p>(&self, file: &'p FakePartial) -> &'p Path {
        &file.path
    }

    async fn write(&self, file: &mut FakePartial, bytes: &[u8]) -> io::Result<()> {
        self.listed_while_writing
            .borrow_mut()
            .push(self.core.partial_files().listed());
        file.bytes.extend_from_slice(bytes);
        Ok(())
    }

    async fn journal(&self, call: JournalCall) -> Result<JournalReply, JournalError> {
        self.journal_ops
            .borrow_mut()
            .push((self.clock.get(), call.op.clone()));
        call.run_async().await
    }

    async fn exists(&self, path: &Path) -> io::Result<bool> {
        if self.exists_fails {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, "no access"));
        }
        Ok(self.saved.borrow().contains_key(path))
    }

    async fn start_writeback(&self, file: &mut FakePartial, range: Range<u64>) -> io::Result<()> {
        let length = file.bytes.len() as u64;
        self.writebacks.borrow_mut().push((range, length));
        if self.writeback_fails {
            return Err(io::Error::from(io::ErrorKind::Unsupported));
        }
        Ok(())
    }

    async fn commit(&self, file: FakePartial, path: &Path, overwrite: bool) -> io::Result<()> {
        if !overwrite && self.saved.borrow().contains_key(path) {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        self.did.borrow_mut().push(Did::Commit(path.to_path_buf()));
        self.saved
            .borrow_mut()
            .insert(path.to_path_buf(), file.bytes);
        Ok(())
    }
}

pub const TOKEN: &str = r#"{"code":200,"data":{"accessToken":"t0k3n"},"msg":"success"}"#;
pub const SUBMITTED: &str = r#"{"code":200,"data":{"task_id":"t-1"},"msg":"success"}"#;
pub const QUEUEING: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"queueing"}}"#;
pub const PROCESSING: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"processing"}}"#;
pub const SUCCESS: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://cdn.example/t-1/0.glb?sig=a","cover_url":"https://cdn.example/t-1/0.webp?sig=a"}}"#;
pub const FRESH_SUCCESS: &str = r#"{"code":200,"data":{"task_id":"t-1","state":"success","url":"https://cdn.example/t-1/0.glb?sig=b","cover_url":"https://cdn.example/t-1/0.webp?sig=b"}}"#;

pub fn core_with_slots(slots: usize) -> ClientCore {
    let config = ClientConfig::new(ClientId::new("ak_1"), ClientSecret::new("sk_1"))
        .with_task_slots(slots)
        .unwrap()
        .with_wait(WaitPolicy::default().with_deadline(Duration::from_secs(600)));
    ClientCore::new(config, 42_u64, || {}).unwrap()
}

pub fn core() -> ClientCore {
    core_with_slots(10)
}

pub fn task() -> SubmitTask {
    let png = Image::new(
        &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01 rest of a picture"[..],
    );
    SubmitTask::builder(Model::Hitem3dV2_1)
        .image(png)
        .format(OutputFormat::Glb)
        .build()
        .unwrap()
}

pub fn body(pieces: Vec<&'static [u8]>) -> FileReply {
    let length = pieces.iter().map(|piece| piece.len() as u64).sum();
    FileReply::Body {
        status: 200,
        length: Some(length),
        pieces,
        broken: false,
    }
}

pub fn status(status: u16) -> FileReply {
    FileReply::Body {
        status,
        length: None,
        pieces: vec![],
        broken: false,
    }
}

pub fn result(now: Timestamp) -> TaskResult {
    let data = decode::query_task(&Response::new(SUCCESS)).unwrap();
    TaskResult::from_task(&data, now).unwrap()
}
