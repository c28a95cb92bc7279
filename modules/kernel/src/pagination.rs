//! Bounded lists: `limit` (default 50, at most 500) and an opaque `cursor`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A position in a list: an offset, or (for lists ordered by id) the last id seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Offset(i64),
    After(i64),
}

impl Cursor {
    pub fn encode(self) -> String {
        let raw = match self {
            Cursor::Offset(n) => format!("o{n}"),
            Cursor::After(n) => format!("k{n}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let (kind, n) = raw.split_at_checked(1)?;
        let n: i64 = n.parse().ok().filter(|n| *n >= 0)?;
        match kind {
            "o" => Some(Cursor::Offset(n)),
            "k" => Some(Cursor::After(n)),
            _ => None,
        }
    }
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        match &self.cursor {
            None => Ok(None),
            Some(c) => Cursor::decode(c).map(Some).ok_or_else(|| {
                ApiError::field("cursor", "invalid", "is not a cursor this API issued")
            }),
        }
    }

    /// For offset-paginated lists.
    pub fn offset(&self) -> Result<i64, ApiError> {
        match self.cursor()? {
            None => Ok(0),
            Some(Cursor::Offset(n)) => Ok(n),
            Some(Cursor::After(_)) => Err(ApiError::field(
                "cursor",
                "invalid",
                "is not a cursor of this list",
            )),
        }
    }

    /// For lists ordered by id (newest first): the id to continue below.
    pub fn before_id(&self) -> Result<Option<i64>, ApiError> {
        match self.cursor()? {
            None => Ok(None),
            Some(Cursor::After(n)) => Ok(Some(n)),
            Some(Cursor::Offset(_)) => Err(ApiError::field(
                "cursor",
                "invalid",
                "is not a cursor of this list",
            )),
        }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The number of items in the whole list, where cheap to know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> Page<T> {
    /// From an offset query that fetched `limit + 1` rows (the extra one tells whether more follow).
    pub fn from_offset(mut rows: Vec<T>, offset: i64, limit: i64, total: Option<i64>) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = more.then(|| Cursor::Offset(offset + limit).encode());
        Self {
            items: rows,
            next_cursor,
            total,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            total: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_garbage() {
        for c in [Cursor::Offset(0), Cursor::Offset(1234), Cursor::After(99)] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in [
            "",
            "zz",
            "!!",
            &URL_SAFE_NO_PAD.encode("o-5"),
            &URL_SAFE_NO_PAD.encode("x5"),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn limit_bounds() {
        let p = |l| PageParams {
            limit: Some(l),
            cursor: None,
        };
        assert_eq!(PageParams::default().limit().ok(), Some(50));
        assert_eq!(p(500).limit().ok(), Some(500));
        assert!(p(0).limit().is_err());
        assert!(p(501).limit().is_err());
    }

    #[test]
    fn page_from_offset() {
        let page = Page::from_offset(vec![1, 2, 3], 10, 2, Some(13));
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            page.next_cursor.as_deref().and_then(Cursor::decode),
            Some(Cursor::Offset(12))
        );
        let last = Page::from_offset(vec![1], 12, 2, None);
        assert_eq!(last.next_cursor, None);
    }
}
