//! Where meshes are uploaded: the object storage, its bucket, and where uploads become public.

use hitem3d_types::upload;
use url::Url;

use crate::BaseUrl;

/// The object storage a mesh goes to for `mesh_url`: the vendor's bucket by default
/// (`spec/hitem3d.toml` `[upload]`), or `hitem3d-mock`'s.
///
/// ```
/// use hitem3d_core::UploadTarget;
///
/// let target = UploadTarget::default();
/// assert_eq!(target.public_url("comfyui/mesh/2026-11-27/a.glb"),
///     "https://hitem3dstatic.zaohaowu.net/comfyui/mesh/2026-11-27/a.glb");
/// let mock = UploadTarget::new("http://127.0.0.1:8080/storage", "mock", "meshes",
///     "http://127.0.0.1:8080/public")?;
/// assert!(mock.path_style(), "an IP address cannot name a bucket in its host");
/// # Ok::<(), hitem3d_core::BaseUrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    endpoint: Url,
    region: String,
    bucket: String,
    public_base: String,
    key_prefix: String,
}

impl UploadTarget {
    /// Storage at `endpoint` (https, or http on a loopback address), `region` and `bucket`,
    /// whose keys are public under `public_base`.
    ///
    /// # Errors
    /// [`crate::BaseUrlError`] when either URL is unusable.
    pub fn new(
        endpoint: &str,
        region: impl Into<String>,
        bucket: impl Into<String>,
        public_base: &str,
    ) -> Result<Self, crate::BaseUrlError> {
        let endpoint = BaseUrl::parse(endpoint)?;
        let public_base = BaseUrl::parse(public_base)?;
        let mut endpoint = endpoint.url().clone();
        // The bucket (path style) joins onto the endpoint's path, which must end in a slash
        // to be kept.
        if !endpoint.path().ends_with('/') {
            let path = format!("{}/", endpoint.path());
            endpoint.set_path(&path);
        }
        Ok(Self {
            endpoint,
            region: region.into(),
            bucket: bucket.into(),
            public_base: public_base.as_str().trim_end_matches('/').to_owned(),
            key_prefix: upload::KEY_PREFIX.to_owned(),
        })
    }

    /// The storage endpoint.
    #[must_use]
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The region.
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The bucket.
    #[must_use]
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// What uploaded keys start with.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// Whether the bucket goes in the path (`endpoint/bucket/key`) rather than the host
    /// (`bucket.endpoint/key`): for IP addresses and `localhost`, which cannot carry it.
    #[must_use]
    pub fn path_style(&self) -> bool {
        match self.endpoint.host() {
            Some(url::Host::Domain(domain)) => domain == "localhost",
            _ => true,
        }
    }

    /// The public URL of an uploaded `key`: what to pass as `mesh_url`.
    #[must_use]
    pub fn public_url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base)
    }
}

impl Default for UploadTarget {
    fn default() -> Self {
        Self::new(
            upload::ENDPOINT,
            upload::REGION,
            upload::BUCKET,
            upload::PUBLIC_BASE,
        )
        .expect("the spec's upload URLs are valid")
    }
}
