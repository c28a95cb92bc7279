//! The market: offers across municipalities, as far as the caller may see them.

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::http::{json_with_etag, CsvExport, Query};
use retning_kernel::pagination::{ListParams, ListQuery, Page, Sort};
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::{MarketFilter, OfferView};
use crate::model::OfferSort;
use crate::{ops, repo};

/// The most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 10_000;

/// Offers of every municipality that the caller may see (public offers to anyone; partners-only
/// offers to the named partners; drafts to their provider), filtered; with `vacant_from` and
/// `vacant_to`, only offers with at least `vacant_places` (default 1) free places on every day
/// of that period. Vacancy is counted from the accepted and active place requests.
#[utoipa::path(
    operation_id = "offers_list_market",
    tag = "offers",
    params(ListParams<OfferSort>, MarketFilter),
    responses(
        (status = 200, description = "Offers (ETag)", body = Page<OfferView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security((), ("bearer" = []))
)]
#[get("/offers")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    q: ListQuery<MarketFilter, OfferSort>,
) -> Result<HttpResponse, ApiError> {
    let q = q.public()?;
    let (limit, offset) = (q.page.limit()?, q.page.offset()?);
    let selection = ops::market_selection(&q.filter)?;
    let viewer = ops::viewer_of(&who);
    let day = q.filter.vacancy_date.unwrap_or_else(ops::today);
    let page = db
        .run(move |conn| {
            let (rows, total) = repo::list_offers(conn, viewer, &selection, q.sort, offset, limit)?;
            let Page {
                items,
                next_cursor,
                total,
            } = Page::from_offset(rows, offset, limit, Some(total));
            Ok(Page {
                items: ops::offer_views(conn, items, viewer, day)?,
                next_cursor,
                total,
            })
        })
        .await?;
    json_with_etag(&req, &page)
}

fn csv_export(views: Vec<OfferView>) -> Result<CsvExport, ApiError> {
    let mut w = CsvExport::new([
        "id",
        "provider",
        "name",
        "provider_unit",
        "offer_type",
        "law",
        "paragraph",
        "target_groups",
        "age_min",
        "age_max",
        "staircase_step",
        "programme",
        "approved_places",
        "vacant_places",
        "vacancy_date",
        "typical_duration",
        "rate_dkk",
        "rate_period",
        "rate_occupancy_percent",
        "status",
        "visibility",
        "source_document",
    ])?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    let num = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
    for o in views {
        let (law, paragraph) = match &o.legal_basis {
            Some(l) => (l.law.to_string(), l.paragraph.clone()),
            None => (String::new(), String::new()),
        };
        w.row([
            o.id.to_string(),
            o.provider.slug,
            o.name,
            opt(o.provider_unit),
            o.offer_type.to_string(),
            law,
            paragraph,
            o.target_groups.join("; "),
            num(o.age_min),
            num(o.age_max),
            num(o.staircase_step),
            opt(o.programme.map(|p| p.short_name)),
            num(o.approved_places),
            opt(o.vacant_places.map(|n| n.to_string())),
            o.vacancy_date.to_string(),
            opt(o.typical_duration),
            opt(o.rate_dkk.map(|n| n.to_string())),
            opt(o.rate_period.map(|p| p.to_string())),
            num(o.rate_occupancy_percent),
            o.status.to_string(),
            o.visibility.to_string(),
            opt(o.source_document),
        ])?;
    }
    Ok(w)
}

/// The market as CSV (UTF-8 with a byte-order mark, header row, at most 10,000 rows), with the
/// same filters, ordered by name.
#[utoipa::path(
    operation_id = "offers_export_market_csv",
    tag = "offers",
    params(MarketFilter),
    responses(
        (status = 200, description = "Offers as CSV (ETag)", content_type = "text/csv", body = String),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security((), ("bearer" = []))
)]
#[get("/offers.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    q: Query<MarketFilter>,
) -> Result<HttpResponse, ApiError> {
    let filter = q.public()?;
    let selection = ops::market_selection(&filter)?;
    let viewer = ops::viewer_of(&who);
    let day = filter.vacancy_date.unwrap_or_else(ops::today);
    let sort = Sort {
        key: OfferSort::Name,
        descending: false,
    };
    let views = db
        .run(move |conn| {
            let (rows, _) = repo::list_offers(conn, viewer, &selection, sort, 0, CSV_MAX_ROWS - 1)?;
            ops::offer_views(conn, rows, viewer, day)
        })
        .await?;
    csv_export(views)?.respond(&req, "offers.csv")
}
