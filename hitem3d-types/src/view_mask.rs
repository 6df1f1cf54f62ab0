//! The `multi_images_bit` bitmap: which views a multi-view submit carries.

use std::fmt;
use std::str::FromStr;

use crate::View;

/// A set of known views, written on the wire as four `0`/`1` characters in the order
/// front, back, left, right (`"1010"` = front and left).
///
/// Always derived from the views actually attached, never typed by hand.
///
/// ```
/// use hitem3d_types::{View, ViewMask};
///
/// let mask: ViewMask = [View::Front, View::Left].iter().collect();
/// assert_eq!(mask.to_string(), "1010");
/// assert_eq!("1010".parse::<ViewMask>().unwrap(), mask);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ViewMask {
    bits: [bool; View::KNOWN.len()],
}

impl ViewMask {
    /// The empty set.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds `view`; returns `false` when the view is unknown to this SDK (it has no bit).
    pub fn insert(&mut self, view: &View) -> bool {
        match view.bit() {
            Some(bit) => {
                self.bits[bit] = true;
                true
            }
            None => false,
        }
    }

    /// Whether `view` is in the set.
    #[must_use]
    pub fn contains(&self, view: &View) -> bool {
        view.bit().is_some_and(|bit| self.bits[bit])
    }

    /// How many views are in the set.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bits.iter().filter(|set| **set).count()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The views in the set, in wire order (the order their images are sent in).
    pub fn views(&self) -> impl Iterator<Item = View> + '_ {
        View::KNOWN
            .iter()
            .filter(|view| self.contains(view))
            .cloned()
    }
}

impl<'a> FromIterator<&'a View> for ViewMask {
    fn from_iter<I: IntoIterator<Item = &'a View>>(iter: I) -> Self {
        let mut mask = Self::empty();
        for view in iter {
            mask.insert(view);
        }
        mask
    }
}

impl fmt::Display for ViewMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for set in self.bits {
            f.write_str(if set { "1" } else { "0" })?;
        }
        Ok(())
    }
}

/// A `multi_images_bit` value that is not four `0`/`1` characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("multi_images_bit {0:?} must be exactly 4 characters of 0 or 1 (front, back, left, right)")]
pub struct ParseViewMaskError(String);

impl FromStr for ViewMask {
    type Err = ParseViewMaskError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || ParseViewMaskError(s.to_owned());
        if s.len() != View::KNOWN.len() {
            return Err(error());
        }
        let mut mask = Self::empty();
        for (slot, c) in mask.bits.iter_mut().zip(s.chars()) {
            *slot = match c {
                '1' => true,
                '0' => false,
                _ => return Err(error()),
            };
        }
        Ok(mask)
    }
}

impl serde::Serialize for ViewMask {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ViewMask {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = crate::lenient::string_or_number(deserializer)?;
        // A number loses leading zeros ("0110" sent as 110); pad them back.
        let padded = format!("{text:0>width$}", width = View::KNOWN.len());
        padded.parse().map_err(serde::de::Error::custom)
    }
}
