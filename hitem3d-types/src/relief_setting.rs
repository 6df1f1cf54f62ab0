//! One numeric setting of a relief task, as the spec describes it.

use std::ops::RangeInclusive;

/// A relief task's numeric setting: its form field, accepted range and the service's default.
///
/// ```
/// use hitem3d_types::{RELIEF_SETTINGS, ReliefSetting};
///
/// let height = ReliefSetting::named("height_relief").unwrap();
/// assert!(height.range().contains(&1.3));
/// assert_eq!(RELIEF_SETTINGS.len(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliefSetting {
    /// The form field.
    pub field: &'static str,
    /// The smallest accepted value.
    pub min: f64,
    /// The largest accepted value.
    pub max: f64,
    /// What the service uses when the field is not sent.
    pub default: f64,
    /// Whether only whole numbers are accepted.
    pub integer: bool,
    /// What it does.
    pub doc: &'static str,
    /// Where these facts come from.
    pub source: &'static str,
}

impl ReliefSetting {
    /// The setting sent as `field`, if the spec knows it.
    #[must_use]
    pub fn named(field: &str) -> Option<&'static Self> {
        crate::RELIEF_SETTINGS
            .iter()
            .find(|setting| setting.field == field)
    }

    /// The accepted range.
    #[must_use]
    pub fn range(&self) -> RangeInclusive<f64> {
        self.min..=self.max
    }

    /// Whether `value` is accepted.
    #[must_use]
    pub fn accepts(&self, value: f64) -> bool {
        self.range().contains(&value) && (!self.integer || value.fract() == 0.0)
    }
}
