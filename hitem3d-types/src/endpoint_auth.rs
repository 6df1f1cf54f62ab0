//! How an endpoint authenticates.

/// The `Authorization` scheme an endpoint expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointAuth {
    /// `Basic base64(client_id:client_secret)`.
    Basic,
    /// `Bearer <accessToken>`.
    Bearer,
}
