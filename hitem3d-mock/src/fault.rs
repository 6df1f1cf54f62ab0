//! Scripted faults: what the next calls to a route answer instead of the normal reply.

use std::time::Duration;

use hitem3d_types::{Endpoint, TaskType};

/// A route of the simulated service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /open-api/v1/auth/token`.
    Token,
    /// `POST /open-api/v1/submit-task`.
    Submit,
    /// `GET /open-api/v1/query-task`.
    Query,
    /// `GET /open-api/v1/balance`.
    Balance,
    /// `GET /files/…`, the result downloads.
    Download,
    /// `POST /open-api/v1/depth/create-task`.
    CreateRelief,
    /// `GET /open-api/v1/depth/query-task`.
    QueryRelief,
    /// `POST /open-api/v1/split/create-task`.
    CreateSplit,
    /// `GET /open-api/v1/split/query-task`.
    QuerySplit,
    /// `POST /open-api/v1/segmentation/create-task`.
    CreateSegmentation,
    /// `GET /open-api/v1/segmentation/query-task`.
    QuerySegmentation,
    /// `POST /open-api/v1/muilticolor/create-task`.
    CreateMulticolor,
    /// `GET /open-api/v1/muilticolor/query-task`.
    QueryMulticolor,
    /// `GET /open-api/v1/upload/token`.
    UploadToken,
    /// `PUT /storage/<bucket>/<key>`, the object storage meshes are uploaded to.
    StoragePut,
    /// `GET /public/<key>`, where uploaded meshes are public (`mesh_url`).
    PublicGet,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 16] = [
        Route::Token,
        Route::Submit,
        Route::Query,
        Route::Balance,
        Route::Download,
        Route::CreateRelief,
        Route::QueryRelief,
        Route::CreateSplit,
        Route::QuerySplit,
        Route::CreateSegmentation,
        Route::QuerySegmentation,
        Route::CreateMulticolor,
        Route::QueryMulticolor,
        Route::UploadToken,
        Route::StoragePut,
        Route::PublicGet,
    ];

    /// The API's routes and their endpoints; [`Route::Download`] is any `GET /files/…`.
    pub(crate) const API: [(Endpoint, Route); 13] = [
        (Endpoint::GetToken, Route::Token),
        (Endpoint::SubmitTask, Route::Submit),
        (Endpoint::QueryTask, Route::Query),
        (Endpoint::Balance, Route::Balance),
        (Endpoint::CreateReliefTask, Route::CreateRelief),
        (Endpoint::QueryReliefTask, Route::QueryRelief),
        (Endpoint::CreateSplitTask, Route::CreateSplit),
        (Endpoint::QuerySplitTask, Route::QuerySplit),
        (Endpoint::CreateSegmentationTask, Route::CreateSegmentation),
        (Endpoint::QuerySegmentationTask, Route::QuerySegmentation),
        (Endpoint::CreateMulticolorTask, Route::CreateMulticolor),
        (Endpoint::QueryMulticolorTask, Route::QueryMulticolor),
        (Endpoint::UploadToken, Route::UploadToken),
    ];

    /// The task type it creates (`true`) or reads (`false`), for the task routes: from the
    /// spec's create and query endpoint of each task type.
    #[must_use]
    pub fn task_route(self) -> Option<(TaskType, bool)> {
        let (endpoint, _) = Self::API.into_iter().find(|(_, route)| *route == self)?;
        TaskType::ALL.iter().find_map(|&task_type| {
            if task_type.create_endpoint() == endpoint {
                Some((task_type, true))
            } else if task_type.query_endpoint() == endpoint {
                Some((task_type, false))
            } else {
                None
            }
        })
    }

    /// Whether a call to it creates (and charges for) a task, of any type.
    #[must_use]
    pub fn creates_task(self) -> bool {
        self.task_route().is_some_and(|(_, creates)| creates)
    }

    /// Whether it reads a task's state, of any type.
    #[must_use]
    pub fn reads_task(self) -> bool {
        self.task_route().is_some_and(|(_, creates)| !creates)
    }

    /// A short name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Submit => "submit",
            Self::Query => "query",
            Self::Balance => "balance",
            Self::Download => "download",
            Self::CreateRelief => "relief-create",
            Self::QueryRelief => "relief-query",
            Self::CreateSplit => "split-create",
            Self::QuerySplit => "split-query",
            Self::CreateSegmentation => "segmentation-create",
            Self::QuerySegmentation => "segmentation-query",
            Self::CreateMulticolor => "multicolor-create",
            Self::QueryMulticolor => "multicolor-query",
            Self::UploadToken => "upload-token",
            Self::StoragePut => "storage-put",
            Self::PublicGet => "public-get",
        }
    }
}

/// One scripted misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer this HTTP status with an HTML page, as a gateway does.
    HtmlStatus(u16),
    /// Answer normally, but only after this much real time (to trigger client timeouts).
    Delay(Duration),
    /// Answer HTTP 200 with this error envelope.
    Envelope {
        /// The `code`.
        code: i64,
        /// The `msg`.
        msg: String,
    },
    /// Answer `code 401` "login expired", and forget every token issued so far.
    ExpireTokens,
    /// Process the request normally, then answer HTTP 502 anyway: the client cannot know
    /// whether it worked (a submit that did create a task).
    ProcessThenFail,
    /// Answer `302 Found` pointing at the same resource on another path (`/files/edge/…` for
    /// downloads), as a CDN does; the redirected request is answered normally.
    Redirect,
    /// Answer as the file host does for an expired signed link: 403 with an XML error page.
    ExpiredLink,
}

/// How a task fails, when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskFailure {
    /// Queries answer `code 200` with `state: failed`.
    State,
    /// Queries answer the top-level `50010001` "generate failed" envelope.
    Envelope,
}
