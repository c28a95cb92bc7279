//! The status report for a follow-up meeting: the tree with every target's figures as of a day,
//! and what changed since the previous follow-up date; HTML to print and the same as Markdown.

use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

both_backends!(status_report_shows_the_tree_and_what_changed_since_the_last_follow_up,);

async fn status_report_shows_the_tree_and_what_changed_since_the_last_follow_up(app: TestApp) {
    let admin = app.member("vejle", Role::Admin);
    let strategy = app
        .get("/api/v1/municipalities/vejle/strategies?sort=-period_start")
        .send()
        .await
        .ok(200)["items"][0]
        .clone();
    let id = strategy["id"].as_i64().unwrap_or_default();
    let base = format!("/api/v1/municipalities/vejle/strategies/{id}");
    // Vejle follows up every half year; give the strategy two follow-up dates.
    admin
        .patch(&base)
        .json(&json!({"follow_ups": [
            {"date": "2026-01-15", "label": "Børne- og Familieudvalget, januar 2026"},
            {"date": "2026-07-15", "label": "Børne- og Familieudvalget, juli 2026"}
        ]}))
        .send()
        .await
        .ok(200);
    let tree = app
        .get(&format!("{base}/tree?as_of=2026-06-30"))
        .send()
        .await
        .ok(200);
    let mut targets = Vec::new();
    retning_tests::tree::all_targets(&tree["nodes"], &mut targets);
    let manual: Vec<&Value> = targets.iter().filter(|t| t["source"] == "manual").collect();
    let changed = *manual
        .iter()
        .find(|t| t["unit"] == "count" && t["deadline"].is_null())
        .unwrap_or_else(|| panic!("Vejle's 'mindst to projekter' (no deadline)"));
    let unchanged = *manual
        .iter()
        .find(|t| t["id"] != changed["id"])
        .unwrap_or_else(|| panic!("a second manual target"));
    let tid = changed["id"].as_i64().unwrap_or_default();
    // One measurement before the previous follow-up, one after it.
    for (date, value) in [("2025-12-31", 1.0), ("2026-05-31", 2.0)] {
        app.member("vejle", Role::Editor)
            .put(&format!(
                "/api/v1/municipalities/vejle/targets/{tid}/measurements/{date}"
            ))
            .json(&json!({"value": value}))
            .send()
            .await
            .ok(201);
    }

    let html = app
        .get(&format!("{base}/report?as_of=2026-06-30"))
        .send()
        .await;
    assert_eq!(html.status, 200, "{}", html.text());
    assert!(html
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/html")));
    assert!(html.header("etag").is_some());
    let csp = html.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script"),
        "{csp}"
    );
    let page = html.text();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<html lang=\"da\">"));
    assert!(page.contains(&esc(strategy["title"].as_str().unwrap_or("?"))));
    assert!(page.contains("Opgjort pr. <strong>2026-06-30</strong>"));
    assert!(
        page.contains("Børne- og Familieudvalget, januar 2026 (2026-01-15)"),
        "the previous follow-up, not the later one"
    );
    // Every target is in the tree with its assessment in Danish; the level names are Vejle's own.
    for t in &targets {
        let title = esc(t["title"].as_str().unwrap_or_default());
        assert!(page.contains(&title), "{title}");
    }
    for level in strategy["level_names"]
        .as_array()
        .into_iter()
        .flatten()
        .take(2)
    {
        assert!(
            page.contains(&esc(level.as_str().unwrap_or("?"))),
            "level {level}"
        );
    }
    // What changed: the measured target, from 1 to 2 projects, not the other one.
    let changes = &page
        [page.find("id=\"changes\"").unwrap_or(0)..page.find("id=\"tree\"").unwrap_or(page.len())];
    let changed_title = changed["title"].as_str().unwrap_or_default();
    assert!(changes.contains(&esc(changed_title)), "{changes}");
    assert!(
        changes.contains("1 (2025-12-31)") && changes.contains("2 (2026-05-31)"),
        "{changes}"
    );
    assert!(!changes.contains(&esc(unchanged["title"].as_str().unwrap_or("?"))));

    let markdown = app
        .get(&format!("{base}/report?as_of=2026-06-30&format=markdown"))
        .send()
        .await;
    assert_eq!(markdown.status, 200);
    assert!(markdown
        .header("content-type")
        .is_some_and(|c| c.starts_with("text/markdown")));
    let md = markdown.text();
    assert!(md.starts_with("# "));
    assert!(md.contains("## Ændringer siden forrige opfølgning"));
    assert!(md.contains("| 1 (2025-12-31) | 2 (2026-05-31) |"), "{md}");
    for t in &targets {
        let title = t["title"].as_str().unwrap_or_default();
        assert!(
            md.contains(&title.replace('*', "\\*").replace('_', "\\_")),
            "{title}"
        );
    }
    // Before any follow-up date there is nothing to compare with.
    let first = app
        .get(&format!("{base}/report?as_of=2025-06-30&format=markdown"))
        .send()
        .await
        .text();
    assert!(first.contains("Der er ingen tidligere opfølgningsdato."));
    // An unknown format is named; another municipality's internal strategy stays a 404.
    let bad = app
        .get(&format!("{base}/report?format=pdf"))
        .send()
        .await
        .problem(422, "validation.failed");
    assert_eq!(bad["errors"][0]["field"], "query.format");
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
