//! The HTTP exchange's pieces: the base URL, request building and bodies, answer decoding,
//! and what a transport failure means.

pub(crate) mod base_url;
pub(crate) mod body;
pub mod decode;
pub(crate) mod endpoint_uri;
pub(crate) mod multipart;
pub(crate) mod operation;
pub(crate) mod redact;
pub(crate) mod request_url;
pub(crate) mod requests;
pub(crate) mod transport_failure;
pub(crate) mod upload_error;
pub(crate) mod upload_target;
