//! Stored states as enums backed by text: a state is written and read as its lowercase word
//! (`active`, `archived`), compared as a Rust value, and shown in the spec as the list of words.
//!
//! ```ignore
//! retning_kernel::text_enum! {
//!     /// Whether a strategy is followed up or kept for the record.
//!     pub enum StrategyStatus {
//!         Active = "active",
//!         Archived = "archived",
//!     }
//! }
//! ```
//!
//! The macro only declares: the enum with its derives (serde, `ToSchema`, diesel's `Text`
//! mapping on both backends), `ALL`, `as_str`, `parse`, `Display` and `FromStr`. A stored word the
//! enum does not know is a deserialisation error, never a silent default.

/// What every text-backed enum offers, for code that handles any of them (sort keys, checks).
pub trait TextEnum: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The stored word.
    fn as_str(self) -> &'static str;
    /// The value of a stored word.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    /// `a, b or c`, for messages.
    fn choices() -> String {
        let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
        match words.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

/// Declares a text-backed enum; see the module documentation.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $crate::text_enum::TextEnum for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl $name {
            /// The stored word.
            pub fn as_str(self) -> &'static str {
                <Self as $crate::text_enum::TextEnum>::as_str(self)
            }
            /// The value of a stored word.
            pub fn parse(s: &str) -> Option<Self> {
                <Self as $crate::text_enum::TextEnum>::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::text_enum::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or($crate::text_enum::UnknownWord)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::MultiBackend>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        // The multi-backend connection binds a value through the backend in use, so the word
        // is written for each of them.
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<
                    diesel::sql_types::Text,
                    diesel::sqlite::Sqlite,
                >>::to_sql(self.as_str(), out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $name {
            fn from_sql(
                bytes: <$crate::db::MultiBackend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let word = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    $crate::db::MultiBackend,
                >>::from_sql(bytes)?;
                Self::parse(&word).ok_or_else(|| {
                    format!(concat!("`{}` is not a stored ", stringify!($name)), word).into()
                })
            }
        }
    };
}

/// A word that names no value of the enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownWord;

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not one of the allowed words")
    }
}

impl std::error::Error for UnknownWord {}

#[cfg(test)]
mod tests {
    use super::TextEnum;

    crate::text_enum! {
        /// A state for the test.
        pub enum Sample {
            One = "one",
            TwoWords = "two_words",
        }
    }

    #[test]
    fn words_round_trip() {
        for v in Sample::ALL {
            assert_eq!(Sample::parse(v.as_str()), Some(*v));
            assert_eq!(v.to_string(), v.as_str());
            assert_eq!(
                serde_json::to_value(v).ok(),
                Some(serde_json::json!(v.as_str()))
            );
        }
        assert_eq!(Sample::parse("One"), None);
        assert_eq!("two_words".parse::<Sample>(), Ok(Sample::TwoWords));
        assert_eq!(Sample::choices(), "one or two_words");
    }

    #[test]
    fn the_spec_lists_the_stored_words() {
        let schema = serde_json::to_value(<Sample as utoipa::PartialSchema>::schema()).ok();
        assert_eq!(
            schema.map(|s| s["enum"].clone()),
            Some(serde_json::json!(["one", "two_words"]))
        );
    }
}
