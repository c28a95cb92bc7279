//! Side by side: the municipalities' nodes and targets on one theme, and their assessments.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::{ApiError, Db, Principal};

use crate::dto::*;
use crate::progress::Assessment;
use crate::views::{self, as_of, Lookup};
use crate::{ops, repo};

/// Per municipality, the nodes and targets on a theme (directly, or targets on a node with it),
/// with progress and assessment. Public strategies for everyone, plus the caller's own internal ones.
#[utoipa::path(
    operation_id = "goals_compare",
    tag = "goals",
    params(CompareQuery),
    responses((status = 200, description = "The comparison (ETag)", body = Comparison)),
    security((), ("bearer" = []))
)]
#[get("/compare")]
pub async fn compare(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    q: Query<CompareQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let as_of = as_of(q.as_of);
    let result = db
        .run(move |conn| {
            // Public aggregates across municipalities: computed indicators read every
            // municipality's measures, and show only what any visitor may see.
            retning_kernel::db::scope_to_platform(conn)?;
            let theme = repo::theme_by_slug(conn, &q.theme)?.ok_or_else(|| {
                ApiError::field(
                    "theme",
                    "unknown_theme",
                    "is not a theme (see GET /api/v1/themes)",
                )
            })?;
            let theme_id = theme.id;
            let theme = views::theme_view(conn, theme)?;
            let ms = ops::municipalities_for(conn, q.municipalities.as_deref())?;
            let strategies = ops::visible_strategies(conn, &who, &ms)?;
            let strategy_ids: Vec<i64> = strategies.iter().map(|s| s.id).collect();
            let titles: HashMap<i64, &str> = strategies
                .iter()
                .map(|s| (s.id, s.title.as_str()))
                .collect();
            let lookup = Lookup::load(conn, &ms.iter().map(|m| m.id).collect::<Vec<_>>())?;
            let nodes = repo::nodes_on_theme(conn, &strategy_ids, theme_id)?;
            let node_ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
            let node_themes = repo::node_themes_of(conn, &node_ids)?;
            let chosen = repo::targets_on_theme(conn, &strategy_ids, theme_id)?;
            let target_views = views::target_views(conn, &lookup, &indicators, &chosen, as_of)?;
            let municipalities = ms
                .iter()
                .map(|m| MunicipalityComparison {
                    municipality: MunicipalityRef {
                        slug: m.slug.clone(),
                        name: m.name.clone(),
                    },
                    nodes: nodes
                        .iter()
                        .filter(|n| n.municipality_id == m.id)
                        .map(|n| ComparedNode {
                            strategy_id: n.strategy_id,
                            strategy_title: titles
                                .get(&n.strategy_id)
                                .copied()
                                .unwrap_or_default()
                                .to_owned(),
                            node: views::node_view(n, &lookup, node_themes.get(&n.id)),
                        })
                        .collect(),
                    targets: target_views
                        .iter()
                        .zip(&chosen)
                        .filter(|(_, row)| row.municipality_id == m.id)
                        .map(|(t, _)| ComparedTarget {
                            strategy_title: titles
                                .get(&t.strategy_id)
                                .copied()
                                .unwrap_or_default()
                                .to_owned(),
                            target: t.clone(),
                        })
                        .collect(),
                })
                .collect();
            Ok(Comparison {
                theme,
                as_of,
                municipalities,
            })
        })
        .await?;
    json_with_etag(&req, &result)
}

/// Each municipality's targets counted by assessment (public strategies, plus the caller's own).
#[utoipa::path(
    operation_id = "goals_compare_overview",
    tag = "goals",
    params(AsOfQuery),
    responses((status = 200, description = "The overview (ETag)", body = Overview)),
    security((), ("bearer" = []))
)]
#[get("/compare/overview")]
pub async fn overview(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = as_of(q.0.as_of);
    let result = db
        .run(move |conn| {
            // Public aggregates across municipalities: computed indicators read every
            // municipality's measures, and show only what any visitor may see.
            retning_kernel::db::scope_to_platform(conn)?;
            let ms = ops::municipalities_for(conn, None)?;
            let strategies = ops::visible_strategies(conn, &who, &ms)?;
            let strategy_ids: Vec<i64> = strategies.iter().map(|s| s.id).collect();
            let lookup = Lookup::load(conn, &ms.iter().map(|m| m.id).collect::<Vec<_>>())?;
            let rows = repo::targets_of_strategies(conn, &strategy_ids)?;
            let targets = views::target_views(conn, &lookup, &indicators, &rows, as_of)?;
            let municipalities = ms
                .iter()
                .map(|m| {
                    let mut by_assessment: BTreeMap<String, usize> = Assessment::ALL
                        .iter()
                        .map(|a| (a.as_str().to_owned(), 0))
                        .collect();
                    let mine: Vec<_> = targets
                        .iter()
                        .zip(&rows)
                        .filter(|(_, r)| r.municipality_id == m.id)
                        .map(|(t, _)| t)
                        .collect();
                    for t in &mine {
                        *by_assessment
                            .entry(t.assessment.as_str().to_owned())
                            .or_insert(0) += 1;
                    }
                    MunicipalityOverview {
                        municipality: MunicipalityRef {
                            slug: m.slug.clone(),
                            name: m.name.clone(),
                        },
                        strategies: strategies
                            .iter()
                            .filter(|s| s.municipality_id == m.id)
                            .count(),
                        targets: mine.len(),
                        stale: mine.iter().filter(|t| t.stale).count(),
                        by_assessment,
                    }
                })
                .collect();
            Ok(Overview {
                as_of,
                municipalities,
            })
        })
        .await?;
    json_with_etag(&req, &result)
}
