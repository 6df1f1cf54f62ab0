//! What a front-end needs to run the core's jobs: the driver, the effects it implements, and
//! the types its operations use. `hitem3d-async` and `hitem3d-blocking` import it whole.

pub use crate::client_api::*;
pub use crate::journal::{JournalCall, JournalError, JournalReply, JournalStore};
pub use crate::wire::decode::answer_capacity;
pub use crate::{
    ANSWER_READ_LIMIT, Body, BodySegment, ClientCore, ConfigError, Delivery, Driver, Effects,
    FileReader, FileSegment, IMAGE_HEAD_BYTES, Job, NoEvent, OpenFile, OpenedSegment,
    PartialLocation, Recorded, RequestUrl, Sink, Timestamp, TransportFailure, WaitJob, Yield,
    file_access, read_chunk,
};
pub use bytes::{Bytes, BytesMut};
pub use hitem3d_types::{BalanceData, OutputFormat, TaskData, TaskId};
pub use http::{Request, Response, Uri};
