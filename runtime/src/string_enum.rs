//! The behaviour of a generated string enum, so that generated code holds
//! only the enum and the list of its wire values.

/// Implements a generated string enum's wire behaviour: `as_str`, `Display`,
/// `From<&str>`/`From<String>` (an unlisted value becomes `Other`) and serde
/// as a plain string.
///
/// The enum must have a variant `Other(String)` besides the listed ones.
/// Generated code calls it right after the enum:
///
/// ```
/// #[derive(Debug, Clone, PartialEq)]
/// pub enum Color {
///     Red,
///     LightBlue,
///     Other(String),
/// }
/// oapi_client_runtime::string_enum!(Color { Red => "red", LightBlue => "light-blue" });
///
/// assert_eq!(Color::LightBlue.as_str(), "light-blue");
/// assert_eq!(Color::from("red"), Color::Red);
/// assert_eq!(Color::from("green"), Color::Other("green".into()));
/// assert_eq!(serde_json::to_string(&Color::Red).unwrap(), "\"red\"");
/// let c: Color = serde_json::from_str("\"mauve\"").unwrap();
/// assert_eq!(c.to_string(), "mauve");
/// ```
#[macro_export]
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(value) => value.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as $crate::__serde::Deserialize>::deserialize(deserializer)
                    .map(Self::from)
            }
        }
    };
}
