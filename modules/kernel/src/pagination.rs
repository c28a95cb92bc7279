//! Bounded lists: `limit` (default 50, at most 500) and an opaque `cursor`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::error::ApiError;
use crate::http::decode_query;
use crate::text_enum::TextEnum;

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

// ------------------------------------------------------------------------------------------
// The list query every list takes

/// The keys a list can be sorted by: a text-backed enum (`retning_kernel::text_enum!`) and the
/// order of a list whose caller names none.
pub trait SortKey: TextEnum {
    const DEFAULT: Self;
    /// Whether the default order is descending (a list that shows the newest first).
    const DEFAULT_DESCENDING: bool = false;
}

/// An order: a key, ascending unless the parameter starts with `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

/// For a list whose order is fixed (newest first): it takes no `sort` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsorted;

/// How a list is ordered: by the caller's choice of keys ([`SortKey`]) or not at all
/// ([`Unsorted`]).
pub trait Order {
    /// What the handler gets: a [`Sort`], or `()`.
    type Sort: std::fmt::Debug;
    /// The words `sort` accepts (empty: the list takes no `sort`).
    fn words() -> Vec<String>;
    fn default_word() -> Option<String>;
    fn choose(word: Option<&str>) -> Result<Self::Sort, ApiError>;
}

impl<K: SortKey + std::fmt::Debug> Order for K {
    type Sort = Sort<K>;
    fn words() -> Vec<String> {
        K::ALL
            .iter()
            .flat_map(|k| [k.as_str().to_owned(), format!("-{}", k.as_str())])
            .collect()
    }
    fn default_word() -> Option<String> {
        let dash = if K::DEFAULT_DESCENDING { "-" } else { "" };
        Some(format!("{dash}{}", K::DEFAULT.as_str()))
    }
    fn choose(word: Option<&str>) -> Result<Sort<K>, ApiError> {
        let Some(word) = word else {
            return Ok(Sort {
                key: K::DEFAULT,
                descending: K::DEFAULT_DESCENDING,
            });
        };
        let (descending, key) = match word.strip_prefix('-') {
            Some(w) => (true, w),
            None => (false, word),
        };
        K::parse(key)
            .map(|key| Sort { key, descending })
            .ok_or_else(|| {
                ApiError::field(
                    "query.sort",
                    "invalid",
                    format!("must be {}, optionally prefixed with -", K::choices()),
                )
            })
    }
}

impl Order for Unsorted {
    type Sort = ();
    fn words() -> Vec<String> {
        Vec::new()
    }
    fn default_word() -> Option<String> {
        None
    }
    fn choose(_: Option<&str>) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The query of a list: the shared `limit`, `cursor` and `sort` (keys `K`), and the list's own
/// filters `F` (decoded from the other parameters, so `F` may deny unknown fields). Document it
/// with `params(ListParams<K>, F)`. Like [`crate::http::Query`], it is decoded by the extractor
/// and handed over by [`ListQuery::open`] only to a caller the scope admitted.
#[derive(Debug)]
pub struct ListQuery<F, K: Order = Unsorted>(Result<List<F, K>, ApiError>);

/// A list query as the handler uses it.
#[derive(Debug)]
pub struct List<F, K: Order = Unsorted> {
    pub page: PageParams,
    /// The caller's order, or the list's default.
    pub sort: K::Sort,
    pub filter: F,
}

impl<F, K: Order> ListQuery<F, K> {
    /// The query, for a caller the scope admitted.
    pub fn open(self, _admitted: &crate::scope::Scope) -> Result<List<F, K>, ApiError> {
        self.0
    }

    /// The query of a list anyone may read that belongs to no municipality.
    pub fn public(self) -> Result<List<F, K>, ApiError> {
        self.0
    }
}

impl<F: DeserializeOwned, K: Order> ListQuery<F, K> {
    pub fn decode(query: &str) -> Self {
        ListQuery(List::decode(query))
    }
}

impl<F: DeserializeOwned, K: Order> List<F, K> {
    fn decode(query: &str) -> Result<Self, ApiError> {
        let sortable = !K::words().is_empty();
        let mut shared = form_urlencoded::Serializer::new(String::new());
        let mut own = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let is_shared = matches!(&*key, "limit" | "cursor") || (sortable && key == "sort");
            if is_shared { &mut shared } else { &mut own }.append_pair(&key, &value);
        }
        let shared: SharedParams = decode_query(&shared.finish())?;
        let page = PageParams {
            limit: shared.limit,
            cursor: shared.cursor,
        };
        page.limit()?;
        let sort = K::choose(shared.sort.as_deref())?;
        let filter: F = decode_query(&own.finish())?;
        Ok(List { page, sort, filter })
    }
}

/// The filters of a list that has none of its own.
#[derive(Debug, Default, Deserialize)]
pub struct NoFilter {}

#[derive(Deserialize)]
struct SharedParams {
    limit: Option<i64>,
    cursor: Option<String>,
    sort: Option<String>,
}

impl<F: DeserializeOwned, K: Order> FromRequest for ListQuery<F, K> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::decode(req.query_string())))
    }
}

/// `limit`, `cursor` and (when the list has keys) `sort`, for the spec: `params(ListParams<K>)`.
pub struct ListParams<K>(PhantomData<K>);

impl<K: Order> IntoParams for ListParams<K> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut params = PageParams::into_params(|| Some(ParameterIn::Query));
        let words = K::words();
        if let (false, Some(default)) = (words.is_empty(), K::default_word()) {
            let description = format!(
                "The order: {} (default `{default}`); prefix `-` for descending.",
                words
                    .iter()
                    .filter(|w| !w.starts_with('-'))
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let schema = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(words))
                .default(Some(default.into()));
            params.push(
                ParameterBuilder::new()
                    .name("sort")
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(description))
                    .schema(Some(schema))
                    .build(),
            );
        }
        params
    }
}

/// The municipality a path names, for the spec: `params(MunicipalityPath, …)`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MunicipalityPath {
    /// The municipality's slug.
    #[param(pattern = "^[a-z0-9-]{1,64}$", example = "vejle")]
    pub municipality: String,
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

    crate::text_enum! {
        /// Keys of a sample list.
        pub enum SampleSort {
            Title = "title",
            Deadline = "deadline",
        }
    }
    impl SortKey for SampleSort {
        const DEFAULT: Self = SampleSort::Title;
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SampleFilter {
        theme: Option<String>,
    }

    fn field(e: &ApiError) -> (&str, &str) {
        (e.errors()[0].field.as_str(), e.errors()[0].code.as_str())
    }

    #[test]
    fn a_list_query_splits_the_shared_parameters_from_the_filters() {
        let q = ListQuery::<SampleFilter, SampleSort>::decode("theme=x&limit=5&sort=-deadline")
            .public();
        let q = q.ok();
        assert_eq!(q.as_ref().map(|q| q.page.limit), Some(Some(5)));
        assert_eq!(
            q.as_ref().map(|q| q.sort),
            Some(Sort {
                key: SampleSort::Deadline,
                descending: true
            })
        );
        assert_eq!(q.and_then(|q| q.filter.theme), Some("x".to_owned()));
        let d = ListQuery::<SampleFilter, SampleSort>::decode("")
            .public()
            .ok();
        assert_eq!(
            d.map(|q| q.sort),
            Some(Sort {
                key: SampleSort::Title,
                descending: false
            })
        );
    }

    #[test]
    fn a_list_query_names_the_bad_parameter() {
        let cases = [
            ("sort=colour", ("query.sort", "invalid")),
            ("limit=abc", ("query.limit", "invalid")),
            ("limit=0", ("limit", "out_of_range")),
            ("theme=x&colour=red", ("query.colour", "unknown_parameter")),
        ];
        for (query, expected) in cases {
            let e = ListQuery::<SampleFilter, SampleSort>::decode(query)
                .public()
                .err();
            assert_eq!(e.as_ref().map(field), Some(expected), "{query}");
        }
        // A fixed-order list leaves `sort` to its filters, which may refuse it.
        let e = ListQuery::<SampleFilter>::decode("sort=title")
            .public()
            .err();
        assert_eq!(
            e.as_ref().map(field),
            Some(("query.sort", "unknown_parameter"))
        );
        assert!(ListQuery::<NoFilter>::decode("limit=3&anything=1")
            .public()
            .is_ok());
    }

    #[test]
    fn the_spec_lists_the_sort_words() {
        let params = ListParams::<SampleSort>::into_params(|| None);
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["limit", "cursor", "sort"]);
        let unsorted = ListParams::<Unsorted>::into_params(|| None);
        assert_eq!(unsorted.len(), 2);
    }
}
