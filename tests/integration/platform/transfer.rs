//! Moving between backends: a municipality's export imported into another installation on the
//! other backend, and a whole installation copied, with every row and every derived figure the
//! same afterwards; and the refusals (owned data, non-empty target, CPR number, wrong format).
//!
//! Each test runs with its source on the backend of its name and its target on the other, so
//! both directions run.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use retning_api::transfer as cli;
use retning_kernel::auth::Role;
use retning_kernel::transfer::{self, Export};
use retning_tests::{Backend, Options, TestApp, TestDb};
use serde_json::{json, Value};

retning_tests::each_backend!(
    export_and_import_keep_every_row_and_figure,
    copy_moves_a_whole_installation_with_its_ids,
    import_refuses_without_writing,
    a_table_added_tomorrow_moves_without_code,
);

fn other(backend: Backend) -> Backend {
    match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    }
}

/// The target installation on the other backend, migrated and empty (`None`: PostgreSQL
/// skipped outside CI, as everywhere).
async fn empty_target(backend: Backend) -> Option<TestApp> {
    TestDb::create(other(backend))?;
    TestApp::with(
        other(backend),
        Options {
            unseeded: true,
            ..Options::default()
        },
    )
    .await
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The seeded installation with demo measures and rows made through the API in every module:
/// a measure bought through a place request, a partnership with a referral, a measurement.
async fn populate(app: &TestApp) {
    app.with_conn(retning_placements::demo::generate)
        .unwrap_or_else(|e| panic!("{e}"));
    // Offers: Vejle buys a place in Vordingborg's offer; Vordingborg accepts.
    let offer = app
        .member("vordingborg", Role::Editor)
        .post("/api/v1/municipalities/vordingborg/offers")
        .json(
            &json!({"name": "Skovbrynet", "offer_type": "residential_institution",
            "status": "open", "approved_places": 4, "rate_dkk": 4200, "rate_period": "day"}),
        )
        .send()
        .await
        .ok(201);
    // Randers asks first, so Vejle's request is not the first one anywhere.
    app.member("randers", Role::Editor)
        .post("/api/v1/municipalities/randers/place-requests")
        .json(
            &json!({"offer_id": id(&offer), "places": 1, "period_start": "2026-03-01",
            "period_end": "2026-04-30"}),
        )
        .send()
        .await
        .ok(201);
    let request = app
        .member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/place-requests")
        .json(
            &json!({"offer_id": id(&offer), "places": 1, "period_start": "2026-01-05",
            "period_end": "2026-12-31", "case_reference": "SAG-2026-41"}),
        )
        .send()
        .await
        .ok(201);
    app.member("vordingborg", Role::Editor)
        .post(&format!(
            "/api/v1/municipalities/vordingborg/place-requests/{}/accept",
            id(&request)
        ))
        .send()
        .await
        .ok(200);
    // Placements: the measure bought through that request.
    app.member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/measures")
        .json(
            &json!({"child_ref": "VEJ-2026-7", "birth_year": 2014, "category": "placement",
            "kind": "doegninstitution", "start_date": "2026-01-05",
            "legal_basis": {"law": "BL", "paragraph": "46", "consent": true},
            "place_request_id": id(&request), "yearly_cost_dkk": 1_200_000}),
        )
        .send()
        .await
        .ok(201);
    // Evidence: Vejle hosts PMTO for Randers, which accepts and refers two families.
    let programme = app
        .get("/api/v1/programmes?short_name=pmto")
        .send()
        .await
        .ok(200)["items"][0]["id"]
        .clone();
    let adoption = app
        .member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/adoptions")
        .json(
            &json!({"programme_id": programme, "status": "active", "started_on": "2024-01-01",
            "yearly_capacity": 12, "capacity_unit": "families"}),
        )
        .send()
        .await
        .ok(201);
    let partnership = app
        .member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/partnerships")
        .json(&json!({"adoption_id": id(&adoption), "period_start": "2025-01-01",
            "period_end": "2026-12-31", "partners": [{"municipality": "randers", "yearly_share": 4}]}))
        .send()
        .await
        .ok(201);
    let p = id(&partnership);
    app.member("randers", Role::Admin)
        .post(&format!(
            "/api/v1/municipalities/randers/partnership-invitations/{p}/accept"
        ))
        .send()
        .await
        .ok(200);
    app.member("randers", Role::Editor)
        .post(&format!(
            "/api/v1/municipalities/randers/partnerships/{p}/referrals"
        ))
        .json(&json!({"period": "2025-H1", "referred": 2}))
        .send()
        .await
        .ok(201);
    // Goals: a measurement on a manual target.
    let targets = app
        .member("vejle", Role::Viewer)
        .get("/api/v1/municipalities/vejle/targets?limit=500")
        .send()
        .await
        .ok(200);
    let manual = targets["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["source"] == "manual")
        .map(id)
        .unwrap_or_else(|| panic!("a manual target in {targets}"));
    app.member("vejle", Role::Editor)
        .put(&format!(
            "/api/v1/municipalities/vejle/targets/{manual}/measurements/2025-09-30"
        ))
        .json(&json!({"value": 44.5}))
        .send()
        .await
        .ok(201);
}

/// Ids differ between installations after an import: every `id`, `…_id` and `builds_on`
/// becomes its position-free marker, a list of ids its length, and opaque cursors go.
fn without_ids(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let is_id =
                        (k == "id" || k.ends_with("_id") || k == "builds_on" || k == "next_cursor")
                            && (v.is_number() || v.is_string());
                    // Lists of ids: the objectives a node serves, an initiative's targets.
                    let ids = matches!(k.as_str(), "serves" | "targets")
                        && v.as_array().is_some_and(|a| a.iter().all(Value::is_number));
                    let v = if is_id {
                        json!("<id>")
                    } else if ids {
                        json!(v.as_array().map_or(0, Vec::len))
                    } else {
                        without_ids(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

/// What vejle's members and the public see: the trees of every strategy, the targets list, a
/// year's placement statistics for every year with data, partnerships, place requests,
/// purchase figures, and the comparison on a theme.
async fn derived_figures(app: &TestApp) -> BTreeMap<String, Value> {
    let admin = app.member("vejle", Role::Admin);
    let mut out = BTreeMap::new();
    let strategies = admin
        .get("/api/v1/municipalities/vejle/strategies?limit=500")
        .send()
        .await
        .ok(200);
    let mut paths = vec![
        "/api/v1/municipalities/vejle/targets?limit=500&as_of=2026-06-30".to_owned(),
        "/api/v1/municipalities/vejle/partnerships".to_owned(),
        "/api/v1/municipalities/vejle/place-requests".to_owned(),
        "/api/v1/municipalities/vejle/purchase-figures?year=2026".to_owned(),
        "/api/v1/municipalities/vejle/measures?limit=500".to_owned(),
        "/api/v1/compare?theme=placement-pattern&municipalities=vejle&as_of=2017-06-30".to_owned(),
    ];
    for s in strategies["items"].as_array().into_iter().flatten() {
        paths.push(format!(
            "/api/v1/municipalities/vejle/strategies/{}/tree?as_of=2026-06-30",
            id(s)
        ));
    }
    for year in (2006..=2019).chain([2025, 2026]) {
        paths.push(format!(
            "/api/v1/municipalities/vejle/placements/statistics?year={year}"
        ));
    }
    for (n, path) in paths.iter().enumerate() {
        let body = admin.get(path).send().await.ok(200);
        // Paths hold ids; the answers are keyed by position.
        out.insert(
            format!(
                "{n:02} {}",
                path.split('?')
                    .next()
                    .unwrap_or(path)
                    .split('/')
                    .filter(|p| p.parse::<i64>().is_err())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            without_ids(&body),
        );
    }
    out
}

/// Every table's rows of a document with each id replaced by the natural content of the row it
/// names (the row's own id dropped), so two installations compare whatever ids they assigned.
fn natural(doc: &Export) -> BTreeMap<String, Vec<String>> {
    let mut by_id: HashMap<(String, i64), (usize, Vec<Value>)> = HashMap::new();
    for (ti, t) in doc.tables.iter().enumerate() {
        let at = t.columns.iter().position(|c| c.name == "id");
        for row in t.rows.iter().chain(&t.referenced) {
            if let Some(id) = at.and_then(|i| row[i].as_i64()) {
                by_id.insert((t.name.clone(), id), (ti, row.clone()));
            }
        }
    }
    fn render(
        doc: &Export,
        by_id: &HashMap<(String, i64), (usize, Vec<Value>)>,
        ti: usize,
        row: &[Value],
        depth: usize,
    ) -> Value {
        let t = &doc.tables[ti];
        let mut out = serde_json::Map::new();
        for (c, v) in t.columns.iter().zip(row) {
            if c.name == "id" {
                continue;
            }
            let v = match (&c.references, v.as_i64()) {
                (Some(target), Some(id)) if depth < 8 => match by_id.get(&(target.clone(), id)) {
                    Some((tj, r)) => render(doc, by_id, *tj, r, depth + 1),
                    None => json!(format!("missing {target} {id}")),
                },
                _ => v.clone(),
            };
            out.insert(c.name.clone(), v);
        }
        Value::Object(out)
    }
    let mut out = BTreeMap::new();
    for (ti, t) in doc.tables.iter().enumerate() {
        let mut rows: Vec<String> = t
            .rows
            .iter()
            .filter(|r| {
                // The import records itself in the target's audit log.
                t.name != "audit_log"
                    || t.columns
                        .iter()
                        .zip(r.iter())
                        .all(|(c, v)| c.name != "action" || v != "import")
            })
            .map(|r| render(doc, &by_id, ti, r, 0).to_string())
            .collect();
        rows.sort();
        out.insert(t.name.clone(), rows);
    }
    out
}

fn soft(app: &TestApp) -> Vec<transfer::SoftReference> {
    cli::soft_references(&app.ctx.registry)
}

async fn export_and_import_keep_every_row_and_figure(backend: Backend) {
    let Some(target) = empty_target(backend).await else {
        return;
    };
    let Some(source) = TestApp::start(backend).await else {
        return;
    };
    populate(&source).await;

    // The target already holds another municipality, imported first, so every id Vejle's rows
    // get differs from the source's, and Vordingborg (the provider of Vejle's place request)
    // and its offer are matched by natural key, not written again.
    let first = cli::export(source.db(), &source.ctx.registry, "vordingborg")
        .unwrap_or_else(|e| panic!("{e}"));
    cli::import(target.db(), &target.ctx.registry, &first).unwrap_or_else(|e| panic!("{e}"));
    // A comparison the target's server has cached: the import must move the data versions.
    const COMPARE: &str = "/api/v1/compare?theme=placement-pattern&as_of=2017-06-30";
    let cached = target.get(COMPARE).send().await.ok(200).to_string();
    assert!(
        cached.contains("\"vordingborg\"") && !cached.contains("\"vejle\""),
        "{cached}"
    );

    let started = Instant::now();
    let doc =
        cli::export(source.db(), &source.ctx.registry, "vejle").unwrap_or_else(|e| panic!("{e}"));
    let text = serde_json::to_string(&doc).unwrap_or_default();
    let exported = started.elapsed();
    let doc = cli::read_document(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (doc.format.as_str(), doc.format_version),
        ("retning-export", 1)
    );
    assert_eq!(doc.source_backend, backend.name());
    let started = Instant::now();
    let summary =
        cli::import(target.db(), &target.ctx.registry, &doc).unwrap_or_else(|e| panic!("{e}"));
    let imported = started.elapsed();
    eprintln!(
        "round trip {} -> {}: export {} bytes in {:.2} s, import {} rows in {:.2} s",
        backend.name(),
        other(backend).name(),
        text.len(),
        exported.as_secs_f64(),
        summary.total(),
        imported.as_secs_f64()
    );
    for (table, (own, referenced)) in doc.counts() {
        eprintln!(
            "  {table}: {own} own, {referenced} referenced; written {}, matched {}",
            summary.written.get(&table).copied().unwrap_or(0),
            summary.matched.get(&table).copied().unwrap_or(0)
        );
    }
    assert_eq!(summary.matched.get("offers"), Some(&1), "{summary:?}");
    assert!(summary
        .matched
        .get("municipalities")
        .is_some_and(|n| *n >= 1));
    let fresh = target.get(COMPARE).send().await.ok(200).to_string();
    assert!(
        fresh.contains("\"vejle\""),
        "the cached comparison was served: {fresh}"
    );
    // Every own row of every table, and the rows they refer to, equal modulo ids.
    let again =
        cli::export(target.db(), &target.ctx.registry, "vejle").unwrap_or_else(|e| panic!("{e}"));
    let (before, after) = (natural(&doc), natural(&again));
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &before {
        assert_eq!(rows.len(), after[table].len(), "{table}: row count");
        assert!(
            rows == &after[table],
            "{table}: rows differ after the import"
        );
    }
    for table in [
        "strategies",
        "nodes",
        "targets",
        "measurements",
        "placement_measures",
        "evidence_partnerships",
        "evidence_referrals",
        "offer_place_requests",
        "audit_log",
    ] {
        assert!(
            !before[table].is_empty(),
            "{table} is part of the round trip"
        );
    }
    // The audit entries equal, and one more for the import itself.
    let imports = again
        .tables
        .iter()
        .find(|t| t.name == "audit_log")
        .map(|t| {
            let a = t
                .columns
                .iter()
                .position(|c| c.name == "action")
                .unwrap_or(0);
            t.rows.iter().filter(|r| r[a] == "import").count()
        });
    assert_eq!(imports, Some(1));
    // The measure still names its place request, renumbered.
    assert_eq!(
        before["placement_measures"]
            .iter()
            .filter(|r| r.contains("SAG-2026-41"))
            .count(),
        1,
        "the measure's place request resolves to the request's own content"
    );

    // Every derived figure the API shows.
    let (shown_before, shown_after) = (
        derived_figures(&source).await,
        derived_figures(&target).await,
    );
    assert_eq!(shown_before.len(), shown_after.len());
    for (k, v) in &shown_before {
        assert_eq!(v, &shown_after[k], "{k} differs after the import");
    }
    let stats = shown_after
        .iter()
        .find(|(k, _)| k.contains("statistics"))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    assert!(stats.contains("full_year"), "{stats}");
    eprintln!("  {} API answers equal", shown_before.len());
}

async fn copy_moves_a_whole_installation_with_its_ids(backend: Backend) {
    let Some(target) = empty_target(backend).await else {
        return;
    };
    let Some(source) = TestApp::start(backend).await else {
        return;
    };
    populate(&source).await;
    let (from, to) = (
        source.settings.database_url(),
        target.settings.database_url(),
    );
    let (from, to) = (
        from.map(|u| u.display()).unwrap_or_default(),
        to.map(|u| u.display()).unwrap_or_default(),
    );
    let started = Instant::now();
    let summary = cli::copy(&source.ctx.registry, &from, &to).unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "copy {} -> {}: {} rows in {:.2} s",
        backend.name(),
        other(backend).name(),
        summary.total(),
        started.elapsed().as_secs_f64()
    );
    let a = source
        .with_conn(|c| transfer::dump(c, &soft(&source)))
        .unwrap_or_else(|e| panic!("{e}"));
    let b = target
        .with_conn(|c| transfer::dump(c, &soft(&target)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (table, rows) in &a {
        eprintln!("  {table}: {}", rows.len());
        assert_eq!(rows.len(), b[table].len(), "{table}: row count");
        assert!(rows == &b[table], "{table}: rows differ after the copy");
    }
    assert!(a["placement_measures"].len() > 1000, "demo measures copied");

    // The same answers, ids and all.
    for path in [
        "/api/v1/municipalities/vejle/targets?limit=500&as_of=2026-06-30",
        "/api/v1/municipalities/vejle/placements/statistics?year=2016",
        "/api/v1/municipalities/vejle/partnerships",
        "/api/v1/compare?theme=placement-pattern&as_of=2017-06-30",
        "/api/v1/municipalities",
    ] {
        let x = source
            .member("vejle", Role::Admin)
            .get(path)
            .send()
            .await
            .ok(200);
        let y = target
            .member("vejle", Role::Admin)
            .get(path)
            .send()
            .await
            .ok(200);
        assert_eq!(x, y, "{path}");
    }
    // Identity sequences moved past the copied ids: new rows insert and get new ids.
    let created = target
        .member("vejle", Role::Editor)
        .post("/api/v1/municipalities/vejle/measures")
        .json(
            &json!({"child_ref": "VEJ-2026-8", "birth_year": 2015, "category": "support",
            "kind": "familiebehandling", "start_date": "2026-02-01"}),
        )
        .send()
        .await
        .ok(201);
    let largest = a["placement_measures"]
        .iter()
        .filter_map(|r| r[0].as_i64())
        .max()
        .unwrap_or_default();
    assert!(id(&created) > largest, "{} after {largest}", id(&created));
}

fn count_rows(app: &TestApp) -> BTreeMap<String, usize> {
    app.with_conn(|c| transfer::dump(c, &soft(app)))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|(t, r)| (t, r.len()))
        .collect()
}

async fn import_refuses_without_writing(backend: Backend) {
    let Some(empty) = empty_target(backend).await else {
        return;
    };
    let Some(source) = TestApp::start(backend).await else {
        return;
    };
    let doc =
        cli::export(source.db(), &source.ctx.registry, "vejle").unwrap_or_else(|e| panic!("{e}"));
    let refuse = |app: &TestApp, doc: &Export| {
        let before = count_rows(app);
        let e = cli::import(app.db(), &app.ctx.registry, doc)
            .err()
            .unwrap_or_default();
        assert_eq!(count_rows(app), before, "nothing written when refused: {e}");
        e
    };

    // Vejle owns data in a seeded installation.
    let Some(seeded) = TestApp::start(other(backend)).await else {
        return;
    };
    let e = refuse(&seeded, &doc);
    assert!(
        e.contains("vejle already owns data") && e.contains("strategies"),
        "{e}"
    );

    // A CPR number in a text field: named by place, never by value.
    let mut with_cpr = doc.clone();
    let strategies = with_cpr.tables.iter_mut().find(|t| t.name == "strategies");
    let Some(strategies) = strategies else {
        panic!("no strategies")
    };
    let title = strategies
        .columns
        .iter()
        .position(|c| c.name == "summary")
        .unwrap_or(0);
    strategies.rows[0][title] = json!("Barnet 010190-1234 skal med");
    let e = refuse(&empty, &with_cpr);
    assert!(
        e.contains("strategies.rows[1], column summary")
            && e.contains("CPR")
            && !e.contains("1234"),
        "{e}"
    );

    // A CPR-shaped number in a number column (not an id) is refused the same way.
    let mut in_number = doc.clone();
    let steps = in_number
        .tables
        .iter_mut()
        .find(|t| t.name == "placement_steps");
    let Some(steps) = steps else {
        panic!("no placement_steps")
    };
    let position = steps
        .columns
        .iter()
        .position(|c| c.name == "position")
        .unwrap_or(0);
    steps.rows[0][position] = json!(1_012_901_234_i64);
    let e = refuse(&empty, &in_number);
    assert!(
        e.contains("placement_steps.rows[1], column position") && !e.contains("1234"),
        "{e}"
    );

    // Another format version, another document, other migrations.
    let mut v2 = doc.clone();
    v2.format_version = 2;
    let e = refuse(&empty, &v2);
    assert!(e.contains("format version 2"), "{e}");
    let mut other_format = doc.clone();
    other_format.format = "something-else".into();
    assert!(refuse(&empty, &other_format).contains("not a Retning export"));
    let mut newer = doc.clone();
    newer.migrations.push("20991231000001".into());
    let e = refuse(&empty, &newer);
    assert!(
        e.contains("different migrations") && e.contains("20991231000001"),
        "{e}"
    );
    assert!(cli::read_document(b"{\"tables\": 3}").is_err());

    // The same document goes in where nothing stands in its way, and only once.
    cli::import(empty.db(), &empty.ctx.registry, &doc).unwrap_or_else(|e| panic!("{e}"));
    let e = refuse(&empty, &doc);
    assert!(e.contains("vejle already owns data"), "{e}");

    // A copy into a database that holds data is refused, naming it.
    let url = seeded
        .settings
        .database_url()
        .map(|u| u.display())
        .unwrap_or_default();
    let from = source
        .settings
        .database_url()
        .map(|u| u.display())
        .unwrap_or_default();
    let before = count_rows(&seeded);
    let e = cli::copy(&source.ctx.registry, &from, &url)
        .err()
        .unwrap_or_default();
    assert!(e.contains("not empty") && e.contains(&url), "{e}");
    assert_eq!(count_rows(&seeded), before);
}

/// A module's new table (here made by hand, with a reference to a strategy and to itself) is
/// found in the catalog and carried, its references renumbered, with no code naming it.
async fn a_table_added_tomorrow_moves_without_code(backend: Backend) {
    let Some(target) = empty_target(backend).await else {
        return;
    };
    let Some(source) = TestApp::start(backend).await else {
        return;
    };
    let create = |app: &TestApp| {
        let id = match app.backend() {
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        };
        let sql = format!(
            "CREATE TABLE tomorrow_notes (id {id}, \
             municipality_id BIGINT NOT NULL REFERENCES municipalities (id), \
             strategy_id BIGINT NOT NULL REFERENCES strategies (id), \
             parent_id BIGINT REFERENCES tomorrow_notes (id), note TEXT NOT NULL, \
             done BOOLEAN NOT NULL, noted_on DATE NOT NULL)"
        );
        app.with_conn(|c| diesel::connection::SimpleConnection::batch_execute(c, &sql))
            .unwrap_or_else(|e| panic!("{e}"));
    };
    create(&source);
    create(&target);
    let note = "(SELECT id FROM tomorrow_notes WHERE note = 'first')";
    source
        .with_conn(|c| {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                &format!(
                    "INSERT INTO tomorrow_notes (municipality_id, strategy_id, parent_id, note, done, noted_on) \
                     SELECT municipality_id, id, NULL, 'first', TRUE, '2026-11-30' FROM strategies \
                     WHERE id = (SELECT MIN(id) FROM strategies \
                     WHERE municipality_id = (SELECT id FROM municipalities WHERE slug = 'vejle')); \
                     INSERT INTO tomorrow_notes (municipality_id, strategy_id, parent_id, note, done, noted_on) \
                     SELECT municipality_id, strategy_id, id, 'second', FALSE, '2026-12-01' FROM tomorrow_notes \
                     WHERE id = {note}"
                ),
            )
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // Ids move: another municipality comes first.
    for slug in ["randers", "vejle"] {
        let doc =
            cli::export(source.db(), &source.ctx.registry, slug).unwrap_or_else(|e| panic!("{e}"));
        cli::import(target.db(), &target.ctx.registry, &doc).unwrap_or_else(|e| panic!("{e}"));
    }
    let rows = |app: &TestApp| {
        let all = app
            .with_conn(|c| transfer::dump(c, &soft(app)))
            .unwrap_or_else(|e| panic!("{e}"));
        let (notes, strategies) = (&all["tomorrow_notes"], &all["strategies"]);
        // note, done, noted_on, the strategy's title, the parent's note
        notes
            .iter()
            .map(|n| {
                let title = strategies
                    .iter()
                    .find(|s| s[0] == n[2])
                    .map(|s| s[3].clone());
                let parent = notes.iter().find(|p| p[0] == n[3]).map(|p| p[4].clone());
                (n[4].clone(), n[5].clone(), n[6].clone(), title, parent)
            })
            .collect::<Vec<_>>()
    };
    let (before, after) = (rows(&source), rows(&target));
    assert_eq!(before.len(), 2);
    assert_eq!(before, after);
    assert_eq!(after[1].4, Some(json!("first")), "{after:?}");
    assert_eq!(after[0].1, json!(true));
    let strategy_ids = |app: &TestApp| {
        app.with_conn(|c| transfer::dump(c, &soft(app)))
            .map(|all| {
                all["tomorrow_notes"]
                    .iter()
                    .map(|n| n[2].clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert_ne!(
        strategy_ids(&source),
        strategy_ids(&target),
        "ids were renumbered"
    );
}
