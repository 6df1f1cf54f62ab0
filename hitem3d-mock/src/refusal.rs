//! The error codes the mock answers with: the spec's documented ones, and the few it had to
//! choose because the service's are not documented.

use hitem3d_types::ApiErrorCode;

/// An error code and the message the service sends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: i64,
    pub(crate) msg: &'static str,
}

impl Refusal {
    /// A documented code, with its message from the spec.
    pub(crate) fn documented(code: &ApiErrorCode) -> Self {
        Self {
            code: code.code(),
            msg: code.info().map_or("", |info| info.message),
        }
    }

    /// Too many unfinished tasks: the service's code is not documented.
    pub(crate) const TOO_MANY_TASKS: Self = Self {
        code: 40_029_000,
        msg: "too many unfinished tasks",
    };

    /// A request type that is not 1, 2 or 3: the service's code is not documented.
    pub(crate) const INVALID_REQUEST_TYPE: Self = Self {
        code: 10_031_013,
        msg: "request type not valid",
    };

    /// `pbr=1` or a `shading` strength for a model without that setting: whether the service
    /// refuses or ignores it is not documented; the mock refuses, as the SDK does before sending.
    pub(crate) const SETTING_NOT_SUPPORTED: Self = Self {
        code: 10_031_015,
        msg: "pbr or shading not supported by this model",
    };

    /// A relief's or mesh task's choice or setting out of its range, or an `image_url` that
    /// is not http(s): the service's answers are not documented.
    pub(crate) const SETTING_INVALID: Self = Self {
        code: 10_031_016,
        msg: "task setting not valid",
    };

    /// A route the service does not have: its answer is not documented (the vendor's plugin
    /// reports an empty 404 as "Unknown error").
    pub(crate) const NO_SUCH_ROUTE: Self = Self {
        code: 404,
        msg: "no such route",
    };

    /// A view bitmap that does not match the views sent: the service's code is not documented.
    pub(crate) const VIEW_MASK_MISMATCH: Self = Self {
        code: 10_031_014,
        msg: "multi_images_bit does not match multi_images",
    };
}
