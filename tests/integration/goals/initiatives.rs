//! Initiatives (handlinger): CRUD with audit, status over time from the follow-ups, overdue,
//! visibility, validation, the tree (fixed number of statements: see strategies.rs) and the
//! status report.

use actix_web::http::Method;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, TestApp};
use serde_json::{json, Value};

use super::new_strategy;

both_backends!(
    initiatives_are_created_changed_and_deleted_with_audit,
    initiative_status_follows_the_latest_follow_up,
    initiatives_are_seen_where_their_strategy_is,
    initiatives_validate_naming_the_field,
    tree_and_report_show_initiatives,
);

/// A strategy of Vejle (`visibility`) with a node and a target, arranged through the goals
/// module's own operations; returns (strategy, node, target) ids.
fn arrange_strategy(app: &TestApp, visibility: &str) -> (i64, i64, i64) {
    let visibility = visibility.to_owned();
    app.arrange("vejle", move |conn, scope| {
        let mut body = new_strategy();
        body["visibility"] = json!(visibility);
        let strategy = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        let s = retning_goals::ops::create_strategy(conn, scope, &strategy)?;
        let node = json!({"kind": "fokusområde", "title": "Forebyggelse"});
        let node = serde_json::from_value(node).unwrap_or_else(|e| panic!("{e}"));
        let n = retning_goals::ops::create_node(conn, scope, s.id, &node)?;
        let target = json!({"title": "Færre anbringelser", "indicator": "Antal anbragte", "unit": "count",
            "direction": "decrease", "target_value": 170, "frequency": "annual"});
        let target = serde_json::from_value(target).unwrap_or_else(|e| panic!("{e}"));
        let indicators = retning_kernel::indicators::IndicatorRegistry::default();
        let t = retning_goals::ops::create_target(conn, scope, &indicators, n.id, &target)?;
        Ok((s.id, n.id, t.id))
    })
}

fn initiative_body(target: i64) -> Value {
    json!({"title": "Dagaflastning", "description": "Aflastning i dagtimerne til familier med små børn.",
        "owner_unit": "familieplejen", "planned_start": "2025-01-01", "planned_end": "2025-08-31",
        "targets": [target], "programmes": ["FFT", "De Utrolige År"]})
}

const M: &str = "/api/v1/municipalities/vejle";

async fn initiatives_are_created_changed_and_deleted_with_audit(app: TestApp) {
    let (_, node, target) = arrange_strategy(&app, "public");
    let editor = app.member("vejle", Role::Editor);
    let r = editor
        .post(&format!("{M}/nodes/{node}/initiatives"))
        .json(&initiative_body(target))
        .send()
        .await;
    let created = r.ok(201);
    let id = created["id"].as_i64().unwrap_or_default();
    assert_eq!(
        r.header("location"),
        Some(format!("{M}/initiatives/{id}").as_str())
    );
    assert_eq!(
        (
            created["title"].as_str(),
            created["node_id"].as_i64(),
            created["owner_unit"]["key"].as_str(),
            created["planned_end"].as_str(),
            created["targets"].clone(),
            created["programmes"].clone(),
            created["status"].as_str(),
            created["updates"].clone(),
        ),
        (
            Some("Dagaflastning"),
            Some(node),
            Some("familieplejen"),
            Some("2025-08-31"),
            json!([target]),
            json!(["De Utrolige År", "FFT"]),
            Some("not_started"),
            json!([]),
        )
    );
    // Planned to end before today and not started: overdue.
    assert_eq!(created["overdue"], json!(true));
    let url = format!("{M}/initiatives/{id}");
    let got = app.get(&url).send().await.ok(200);
    assert_eq!(got["title"], created["title"]);
    let patched = editor
        .patch(&url)
        .json(&json!({"title": "Dagaflastning for 0-6-årige", "programmes": [], "owner_unit": null, "actual_start": "2025-02-01"}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (
            patched["title"].as_str(),
            patched["programmes"].clone(),
            patched["owner_unit"].is_null(),
            patched["actual_start"].as_str(),
            patched["targets"].clone()
        ),
        (
            Some("Dagaflastning for 0-6-årige"),
            json!([]),
            true,
            Some("2025-02-01"),
            json!([target])
        )
    );
    // The node cannot go while it holds an initiative (nor while it holds its target).
    let refused = editor
        .delete(&format!("{M}/nodes/{node}"))
        .send()
        .await
        .problem(409, "goals.node.not_empty");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("1 initiative(s)")),
        "{refused}"
    );
    editor
        .put(&format!("{url}/updates/2025-03-01"))
        .json(&json!({"status": "started"}))
        .send()
        .await
        .ok(201);
    editor.delete(&url).send().await.ok(204);
    app.get(&url).send().await.problem(404, "not_found");
    editor.delete(&url).send().await.problem(404, "not_found");
    assert_eq!(
        (
            app.audit_count("create", "initiative"),
            app.audit_count("update", "initiative"),
            app.audit_count("delete", "initiative"),
            app.audit_count("create", "initiative_update"),
        ),
        (1, 1, 1, 1)
    );
    // The deletion's audit entry keeps what the initiative was, its follow-up included.
    let details: String = app.with_conn(|c| {
        use diesel::prelude::*;
        use retning_kernel::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq("delete"))
            .filter(audit_log::object_type.eq("initiative"))
            .select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "CAST(details AS TEXT)",
            ))
            .first(c)
            .unwrap_or_else(|e| panic!("{e}"))
    });
    assert!(
        details.contains("Dagaflastning for 0-6-årige") && details.contains("2025-03-01"),
        "{details}"
    );
}

async fn initiative_status_follows_the_latest_follow_up(app: TestApp) {
    let (strategy, node, target) = arrange_strategy(&app, "public");
    let editor = app.member("vejle", Role::Editor);
    let created = editor
        .post(&format!("{M}/nodes/{node}/initiatives"))
        .json(&initiative_body(target))
        .send()
        .await
        .ok(201);
    let url = format!("{M}/initiatives/{}", created["id"]);
    for (date, status, note) in [
        ("2025-03-01", "started", None),
        ("2025-09-01", "delayed", Some("Forsinket af rekruttering")),
        ("2026-02-01", "done", Some("Gennemført")),
    ] {
        let u = editor
            .put(&format!("{url}/updates/{date}"))
            .json(&json!({"status": status, "note": note}))
            .send()
            .await
            .ok(201);
        assert_eq!(
            (u["date"].as_str(), u["status"].as_str(), u["note"].as_str()),
            (Some(date), Some(status), note)
        );
    }
    // The same again changes nothing; another note replaces it.
    let again = format!("{url}/updates/2025-09-01");
    editor
        .put(&again)
        .json(&json!({"status": "delayed", "note": "Forsinket af rekruttering"}))
        .send()
        .await
        .ok(200);
    let replaced = editor
        .put(&again)
        .json(&json!({"status": "delayed", "note": "Forsinket: to stillinger ubesatte"}))
        .send()
        .await
        .ok(200);
    assert_eq!(
        replaced["note"].as_str(),
        Some("Forsinket: to stillinger ubesatte")
    );
    assert_eq!(
        (
            app.audit_count("create", "initiative_update"),
            app.audit_count("update", "initiative_update")
        ),
        (3, 1)
    );
    // Before, between and after the follow-ups; overdue only past the planned end while open.
    for (as_of, status, overdue, note) in [
        ("2025-02-01", "not_started", false, None),
        ("2025-03-01", "started", false, None),
        ("2025-08-31", "started", false, None),
        (
            "2025-09-01",
            "delayed",
            true,
            Some("Forsinket: to stillinger ubesatte"),
        ),
        (
            "2026-01-31",
            "delayed",
            true,
            Some("Forsinket: to stillinger ubesatte"),
        ),
        ("2026-02-01", "done", false, Some("Gennemført")),
    ] {
        let v = app
            .get(&format!("{url}?as_of={as_of}"))
            .send()
            .await
            .ok(200);
        assert_eq!(
            (
                v["as_of"].as_str(),
                v["status"].as_str(),
                v["overdue"].as_bool(),
                v["latest_update"]["note"].as_str()
            ),
            (Some(as_of), Some(status), Some(overdue), note),
            "as of {as_of}"
        );
        assert_eq!(v["updates"].as_array().map(Vec::len), Some(3));
    }
    // A follow-up cannot be dated in the future; a wrong status is named.
    editor
        .put(&format!("{url}/updates/2999-01-01"))
        .json(&json!({"status": "started"}))
        .send()
        .await
        .field_error(422, "validation.failed", "date");
    editor
        .put(&format!("{url}/updates/2025-10-01"))
        .json(&json!({"status": "paused"}))
        .send()
        .await
        .field_error(422, "validation.failed", "status");
    // Removing the last follow-up brings the earlier status back.
    editor
        .delete(&format!("{url}/updates/2026-02-01"))
        .send()
        .await
        .ok(204);
    editor
        .delete(&format!("{url}/updates/2026-02-01"))
        .send()
        .await
        .problem(404, "not_found");
    let now = app.get(&url).send().await.ok(200);
    assert_eq!(
        (now["status"].as_str(), now["overdue"].as_bool()),
        (Some("delayed"), Some(true))
    );
    assert_eq!(app.audit_count("delete", "initiative_update"), 1);
    // The list: filtered by status as of a date, sorted, and the same as CSV.
    let second = editor
        .post(&format!("{M}/nodes/{node}/initiatives"))
        .json(&json!({"title": "Anbringelsesgennemgang", "planned_end": "2027-06-30"}))
        .send()
        .await
        .ok(201);
    let list_url = format!("{M}/strategies/{strategy}/initiatives");
    let all = app.get(&list_url).send().await.ok(200);
    assert_eq!(all["total"].as_i64(), Some(2));
    assert_eq!(all["items"][0]["id"], created["id"]);
    let delayed = app
        .get(&format!("{list_url}?as_of=2025-10-01&status=delayed"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        (delayed["total"].as_i64(), delayed["items"][0]["id"].clone()),
        (Some(1), created["id"].clone())
    );
    let by_title = app
        .get(&format!("{list_url}?sort=title"))
        .send()
        .await
        .ok(200);
    assert_eq!(by_title["items"][0]["id"], second["id"]);
    let by_end = app
        .get(&format!("{list_url}?sort=-planned_end&limit=1"))
        .send()
        .await
        .ok(200);
    assert_eq!(by_end["items"][0]["id"], second["id"]);
    assert!(by_end["next_cursor"].is_string());
    let csv = app
        .get(&format!("{list_url}.csv?as_of=2025-10-01"))
        .send()
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    let text = csv.text();
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or_else(|| panic!("BOM"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap_or_default()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            &rows[0][col("title")],
            &rows[0][col("status")],
            &rows[0][col("note")],
            &rows[0][col("overdue")],
            &rows[0][col("programmes")]
        ),
        (
            "Dagaflastning",
            "delayed",
            "Forsinket: to stillinger ubesatte",
            "true",
            "De Utrolige År;FFT"
        )
    );
}

async fn initiatives_are_seen_where_their_strategy_is(app: TestApp) {
    let (_, public_node, public_target) = arrange_strategy(&app, "public");
    let (internal_strategy, internal_node, internal_target) = arrange_strategy(&app, "internal");
    let editor = app.member("vejle", Role::Editor);
    let public = editor
        .post(&format!("{M}/nodes/{public_node}/initiatives"))
        .json(&initiative_body(public_target))
        .send()
        .await
        .ok(201);
    let internal = editor
        .post(&format!("{M}/nodes/{internal_node}/initiatives"))
        .json(&initiative_body(internal_target))
        .send()
        .await
        .ok(201);
    // Anyone reads the public strategy's initiative.
    let seen = app
        .anonymous()
        .get(&format!("{M}/initiatives/{}", public["id"]))
        .send()
        .await
        .ok(200);
    assert_eq!(seen["title"].as_str(), Some("Dagaflastning"));
    let outsider = app.member("randers", Role::Editor);
    let viewer = app.member("vejle", Role::Viewer);
    // The internal one, and its strategy's list, only for Vejle's own.
    let url = format!("{M}/initiatives/{}", internal["id"]);
    app.access(Method::GET, &url)
        .answers(&app.anonymous(), 404, "not_found")
        .answers(&outsider, 404, "not_found")
        .check()
        .await;
    app.access(
        Method::GET,
        &format!("{M}/strategies/{internal_strategy}/initiatives?status=started"),
    )
    .answers(&app.anonymous(), 404, "not_found")
    .answers(&outsider, 404, "not_found")
    .check()
    .await;
    assert_eq!(viewer.get(&url).send().await.ok(200)["id"], internal["id"]);
    // Writes: another municipality gets 404, a viewer 403, the anonymous 401.
    for (method, path, body) in [
        (Method::PATCH, url.clone(), json!({"title": "Overtaget"})),
        (
            Method::PUT,
            format!("{url}/updates/2025-03-01"),
            json!({"status": "done"}),
        ),
        (Method::DELETE, url.clone(), json!({})),
        (
            Method::POST,
            format!("{M}/nodes/{internal_node}/initiatives"),
            initiative_body(internal_target),
        ),
    ] {
        app.access(method, &path)
            .json(&body)
            .answers(&outsider, 404, "not_found")
            .answers(&viewer, 403, "auth.forbidden")
            .answers(&app.anonymous(), 401, "auth.required")
            .check()
            .await;
    }
    let unchanged = viewer.get(&url).send().await.ok(200);
    assert_eq!(
        (unchanged["title"].as_str(), unchanged["updates"].clone()),
        (Some("Dagaflastning"), json!([]))
    );
    // Randers' own path does not reach Vejle's initiative either.
    outsider
        .get(&format!(
            "/api/v1/municipalities/randers/initiatives/{}",
            public["id"]
        ))
        .send()
        .await
        .problem(404, "not_found");
    // An archived strategy's initiatives are read-only.
    app.arrange("vejle", |conn, scope| {
        retning_goals::ops::archive_strategy(conn, scope, internal_strategy)
    });
    editor
        .patch(&url)
        .json(&json!({"title": "Efter arkivering"}))
        .send()
        .await
        .problem(409, "goals.strategy.archived");
}

async fn initiatives_validate_naming_the_field(app: TestApp) {
    let (strategy, node, target) = arrange_strategy(&app, "public");
    let (_, _, other_target) = arrange_strategy(&app, "public");
    let editor = app.member("vejle", Role::Editor);
    let valid = initiative_body(target);
    let with = |patch: Value| {
        let mut b = valid.clone();
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            b[k] = v;
        }
        b
    };
    let create = format!("{M}/nodes/{node}/initiatives");
    for (patch, field) in [
        (json!({"planned_end": "2024-12-31"}), "planned_end"),
        (
            json!({"actual_start": "2025-05-01", "actual_end": "2025-04-30"}),
            "actual_end",
        ),
        (json!({"targets": [target, other_target]}), "targets[1]"),
        (json!({"targets": [999_999_999]}), "targets[0]"),
        (json!({"targets": [target, target]}), "targets[1]"),
        (json!({"owner_unit": "nowhere"}), "owner_unit"),
        (json!({"title": " "}), "title"),
        (json!({"programmes": ["FFT", "FFT"]}), "programmes[1]"),
        (json!({"planned_start": "last spring"}), "planned_start"),
        (json!({"colour": "green"}), "colour"),
    ] {
        let r = editor.post(&create).json(&with(patch.clone())).send().await;
        assert_eq!(r.status, 422, "{patch}: {}", r.text());
        r.field_error(422, "validation.failed", field);
    }
    // Nothing was made; a PATCH is judged as a whole.
    let list = app
        .get(&format!("{M}/strategies/{strategy}/initiatives"))
        .send()
        .await
        .ok(200);
    assert_eq!(list["total"].as_i64(), Some(0));
    let made = editor.post(&create).json(&valid).send().await.ok(201);
    let url = format!("{M}/initiatives/{}", made["id"]);
    editor
        .patch(&url)
        .json(&json!({"planned_start": "2026-01-01"}))
        .send()
        .await
        .field_error(422, "validation.failed", "planned_end");
    editor
        .patch(&url)
        .json(&json!({"targets": [other_target]}))
        .send()
        .await
        .field_error(422, "validation.failed", "targets[0]");
    // Status `done` needs nothing else (no actual dates).
    editor
        .put(&format!("{url}/updates/2025-06-01"))
        .json(&json!({"status": "done"}))
        .send()
        .await
        .ok(201);
    app.get(&format!(
        "{M}/strategies/{strategy}/initiatives?status=finished"
    ))
    .send()
    .await
    .field_error(422, "validation.failed", "query.status");
}

async fn tree_and_report_show_initiatives(app: TestApp) {
    let (strategy, node, target) = arrange_strategy(&app, "public");
    let editor = app.member("vejle", Role::Editor);
    let created = editor
        .post(&format!("{M}/nodes/{node}/initiatives"))
        .json(&initiative_body(target))
        .send()
        .await
        .ok(201);
    editor
        .post(&format!("{M}/nodes/{node}/initiatives"))
        .json(&json!({"title": "KORA-evaluering", "planned_start": "2026-09-01"}))
        .send()
        .await
        .ok(201);
    let url = format!("{M}/initiatives/{}", created["id"]);
    // The strategy's follow-up is 2025-06-30 (see `new_strategy`): started before, delayed after.
    for (date, status, note) in [
        ("2025-03-01", "started", "Første familier visiteret"),
        ("2025-09-01", "delayed", "Forsinket af rekruttering"),
    ] {
        editor
            .put(&format!("{url}/updates/{date}"))
            .json(&json!({"status": status, "note": note}))
            .send()
            .await
            .ok(201);
    }
    let tree = app
        .get(&format!("{M}/strategies/{strategy}/tree?as_of=2025-12-31"))
        .send()
        .await
        .ok(200);
    let on_node = &tree["nodes"][0]["initiatives"];
    assert_eq!(on_node.as_array().map(Vec::len), Some(2));
    assert_eq!(
        (
            on_node[0]["title"].as_str(),
            on_node[0]["status"].as_str(),
            on_node[0]["overdue"].as_bool(),
            on_node[0]["latest_update"]["note"].as_str(),
            on_node[0]["targets"].clone(),
            on_node[0]["programmes"].clone(),
            on_node[0]["owner_unit"]["name"].as_str().is_some(),
            on_node[1]["status"].as_str(),
        ),
        (
            Some("Dagaflastning"),
            Some("delayed"),
            Some(true),
            Some("Forsinket af rekruttering"),
            json!([target]),
            json!(["De Utrolige År", "FFT"]),
            true,
            Some("not_started"),
        )
    );
    assert_eq!(
        (
            tree["counts"]["initiatives"].as_i64(),
            tree["counts"]["initiatives_by_status"].clone()
        ),
        (
            Some(2),
            json!({"not_started": 1, "started": 0, "done": 0, "delayed": 1, "cancelled": 0})
        )
    );
    let earlier = app
        .get(&format!("{M}/strategies/{strategy}/tree?as_of=2025-04-01"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        earlier["nodes"][0]["initiatives"][0]["status"].as_str(),
        Some("started")
    );

    let md = app
        .get(&format!(
            "{M}/strategies/{strategy}/report?as_of=2025-12-31&format=markdown"
        ))
        .send()
        .await
        .text();
    let owner = on_node[0]["owner_unit"]["name"].as_str().unwrap_or("?");
    assert!(
        md.contains(&format!(
            "| Dagaflastning | {owner} | 2025-01-01 – 2025-08-31 | Forsinket (2025-09-01), overskredet | Forsinket af rekruttering |"
        )),
        "{md}"
    );
    assert!(
        md.contains("| KORA-evaluering | – | 2026-09-01 – | Ikke startet | – |"),
        "{md}"
    );
    // What changed since the follow-up of 2025-06-30: the first one, from started to delayed.
    let changes = &md[md.find("## Ændringer").unwrap_or(0)..md.find("## Strategien").unwrap_or(0)];
    assert!(
        changes.contains(
            "| Dagaflastning | Startet | Forsinket (2025-09-01), overskredet | Forsinket af rekruttering |"
        ),
        "{changes}"
    );
    assert!(!changes.contains("KORA"), "{changes}");
    let html = app
        .get(&format!(
            "{M}/strategies/{strategy}/report?as_of=2025-12-31"
        ))
        .send()
        .await
        .text();
    assert!(
        html.contains("<th scope=\"col\">Handling</th>")
            && html.contains("<td>Forsinket (2025-09-01), overskredet</td>")
            && html.contains("<td>Startet</td>"),
        "{html}"
    );
    // Nothing changed status between 2025-09-01 and the end of the year.
    let quiet = app
        .get(&format!(
            "{M}/strategies/{strategy}/report?as_of=2025-06-30&format=markdown"
        ))
        .send()
        .await
        .text();
    assert!(quiet.contains("Der er ingen tidligere opfølgningsdato."));
}
