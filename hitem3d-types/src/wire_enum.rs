//! Trait implementations shared by every wire enum.
//!
//! The generated enums provide `as_str`/`from_wire` (string enums) or
//! `code`/`from_code`/`from_name` (numbered enums). These macros derive `Display`, `FromStr` and
//! serde from them, so every enum follows one rule: lenient in what it accepts (unknown values
//! are kept in `Other`), exact in what it writes (the canonical wire spelling).

/// `Display`, `FromStr` and serde for an enum whose wire form is a string.
///
/// Numbers are accepted where a string is expected, because the docs type some of these
/// fields as integers (`resolution` on the 2025 Chinese page).
macro_rules! string_wire_enum {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = ::std::convert::Infallible;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let text = $crate::lenient::string_or_number(deserializer)?;
                Ok(Self::from_wire(&text))
            }
        }
    };
}

/// `Display`, `FromStr` and serde for an enum whose wire form is a number.
///
/// Numbers are also accepted as strings (`"2"`), because the docs type `code` as String while
/// their examples send integers.
macro_rules! code_wire_enum {
    ($ty:ident, $kind:literal) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.code(), f)
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::ParseCodeError;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                let trimmed = s.trim();
                if let Ok(code) = trimmed.parse::<i64>() {
                    return Ok(Self::from_code(code));
                }
                Self::from_name(trimmed)
                    .ok_or_else(|| $crate::ParseCodeError::new($kind, s, Self::NAMES))
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let text = $crate::lenient::string_or_number(deserializer)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use code_wire_enum;
pub(crate) use string_wire_enum;
