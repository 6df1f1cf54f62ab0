//! How long a task is expected to take before anyone has seen one of its kind finish.

use std::time::Duration;

use crate::{EXPECTED_DURATIONS, Model, Resolution};

/// One row of the spec's `[[expected_durations]]`: how long tasks that match it take, from
/// submit to success, and who said so.
///
/// ```
/// use std::time::Duration;
/// use hitem3d_types::{ExpectedDuration, Model, Resolution};
///
/// let fast = ExpectedDuration::of(&Model::Hitem3dV2_1, Some(&Resolution::R1536Fast), false);
/// assert_eq!(fast.typical, Duration::from_secs(7 * 60));
/// let views = ExpectedDuration::of(&Model::Hitem3dV2_0, None, true);
/// assert_eq!(views.typical, Duration::from_secs(3 * 60));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpectedDuration {
    /// The model the row is about; `None` for any.
    pub model: Option<Model>,
    /// The resolution the row is about; `None` for any.
    pub resolution: Option<Resolution>,
    /// Whether the row is about multi-view tasks (`Some(true)`), single-image ones
    /// (`Some(false)`) or both (`None`).
    pub multi_view: Option<bool>,
    /// How long such a task typically takes.
    pub typical: Duration,
    /// Where the figure comes from.
    pub source: &'static str,
}

impl ExpectedDuration {
    /// The first row that matches a task of `model` at `resolution` (`None`: the model's
    /// default), from one image or several views.
    #[must_use]
    pub fn of(
        model: &Model,
        resolution: Option<&Resolution>,
        multi_view: bool,
    ) -> &'static ExpectedDuration {
        let resolution = resolution.or_else(|| {
            model
                .capabilities()
                .map(|capabilities| &capabilities.default_resolution)
        });
        EXPECTED_DURATIONS
            .iter()
            .find(|row| row.matches(model, resolution, multi_view))
            .unwrap_or(&EXPECTED_DURATIONS[EXPECTED_DURATIONS.len() - 1])
    }

    fn matches(&self, model: &Model, resolution: Option<&Resolution>, multi_view: bool) -> bool {
        self.model.as_ref().is_none_or(|wanted| wanted == model)
            && self
                .resolution
                .as_ref()
                .is_none_or(|wanted| Some(wanted) == resolution)
            && self.multi_view.is_none_or(|wanted| wanted == multi_view)
    }
}
