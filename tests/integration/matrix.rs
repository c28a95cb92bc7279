//! The authorization matrix: every operation of `openapi/openapi.json`, called by every kind of
//! caller, judged by a classification written here (what each operation is meant to allow),
//! never by reading the handlers. An operation the table does not classify fails the test.
//!
//! Every response to a caller who is not a member of the addressed municipality is scanned for
//! the owner's private texts and pseudonyms. `the_matrix_catches_a_leak` is the negative control:
//! it makes one private strategy public and shows that both the judgement and the scan notice.

use std::collections::BTreeMap;

use actix_web::http::Method;
use retning_kernel::auth::Role;
use retning_tests::{both_backends, repo_dir, Resp, TestApp, PASSWORD};
use serde_json::{json, Value};

both_backends!(
    every_operation_answers_every_caller_as_classified,
    the_matrix_catches_a_leak,
    writes_are_authorized_before_their_body_is_judged,
    reads_are_authorized_before_their_query_is_judged,
);

/// What an operation is meant to allow, relative to the municipality its path addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone, signed in or not: public data (lists leave out what the caller may not see).
    Public,
    /// Anyone with valid credentials (their own account).
    Caller,
    /// Members of the addressed municipality of any role or key scope: private data.
    MemberRead,
    /// Editors and admins of the addressed municipality, and its write keys.
    MemberWrite,
    /// Admins of the addressed municipality.
    Admin,
    /// Admins of the addressed municipality, and the operator: its accounts, which the operator
    /// lists in order to disable one.
    AdminOrOperator,
    /// Admins of the addressed municipality; the operator too, for disabling a user only.
    AdminOrOperatorDisables,
    /// Admins of the addressed municipality; the operator only while it has no admin (here it
    /// has one, so the operator is refused with 403).
    AdminOrOperatorFirstAdmin,
    /// The platform operator.
    Operator,
}

/// Whose path an operation is called on. Partnerships have two parties: the host (Vejle) and
/// the partner (Skanderborg); invitations and referrals are the partner's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Host,
    Partner,
}

const HOST: &str = "vejle";
const PARTNER: &str = "skanderborg";
const OTHER: &str = "randers";

impl Owner {
    fn slug(self) -> &'static str {
        match self {
            Owner::Host => HOST,
            Owner::Partner => PARTNER,
        }
    }
}

use Access::*;
use Owner::*;

/// The classification: every operation id of the spec, with its access class and whose path it
/// is called on.
const CLASSIFICATION: &[(&str, Access, Owner)] = &[
    ("health_live", Public, Host),
    ("health_ready", Public, Host),
    ("platform_list_municipalities", Public, Host),
    ("platform_create_municipality", Operator, Host),
    ("platform_get_municipality", Public, Host),
    ("platform_update_municipality", Operator, Host),
    ("platform_list_modules", Public, Host),
    ("platform_switch_module", Operator, Host),
    ("platform_list_audit", Admin, Host),
    ("platform_login", Public, Host),
    ("platform_get_me", Caller, Host),
    ("platform_list_users", AdminOrOperator, Host),
    ("platform_create_user", AdminOrOperatorFirstAdmin, Host),
    ("platform_update_user", AdminOrOperatorDisables, Host),
    ("platform_list_api_keys", Admin, Host),
    ("platform_create_api_key", Admin, Host),
    ("platform_revoke_api_key", Admin, Host),
    ("goals_list_themes", Public, Host),
    ("goals_create_theme", Operator, Host),
    ("goals_update_theme", Operator, Host),
    ("goals_list_indicators", Public, Host),
    ("goals_list_units", Public, Host),
    ("goals_create_unit", MemberWrite, Host),
    ("goals_list_strategies", Public, Host),
    ("goals_create_strategy", MemberWrite, Host),
    ("goals_get_strategy", MemberRead, Host),
    ("goals_update_strategy", MemberWrite, Host),
    ("goals_archive_strategy", MemberWrite, Host),
    ("goals_get_strategy_tree", MemberRead, Host),
    ("goals_get_strategy_report", MemberRead, Host),
    ("goals_create_node", MemberWrite, Host),
    ("goals_list_policies", Public, Host),
    ("goals_get_policy", MemberRead, Host),
    ("goals_create_policy", MemberWrite, Host),
    ("goals_update_policy", MemberWrite, Host),
    ("goals_delete_policy", MemberWrite, Host),
    ("goals_create_objective", MemberWrite, Host),
    ("goals_update_objective", MemberWrite, Host),
    ("goals_delete_objective", MemberWrite, Host),
    ("goals_delete_node", MemberWrite, Host),
    ("goals_update_node", MemberWrite, Host),
    ("goals_create_target", MemberWrite, Host),
    ("goals_list_targets", Public, Host),
    ("goals_export_targets_csv", Public, Host),
    ("goals_get_target", MemberRead, Host),
    ("goals_update_target", MemberWrite, Host),
    ("goals_list_measurements", MemberRead, Host),
    ("goals_put_measurement", MemberWrite, Host),
    ("goals_delete_measurement", MemberWrite, Host),
    ("goals_put_budget", MemberWrite, Host),
    ("goals_delete_budget", MemberWrite, Host),
    ("goals_get_strategy_budget", MemberRead, Host),
    ("goals_export_strategy_budget_csv", MemberRead, Host),
    ("goals_create_initiative", MemberWrite, Host),
    ("goals_list_initiatives", MemberRead, Host),
    ("goals_export_initiatives_csv", MemberRead, Host),
    ("goals_get_initiative", MemberRead, Host),
    ("goals_update_initiative", MemberWrite, Host),
    ("goals_delete_initiative", MemberWrite, Host),
    ("goals_put_initiative_update", MemberWrite, Host),
    ("goals_delete_initiative_update", MemberWrite, Host),
    ("goals_compare", Public, Host),
    ("goals_compare_overview", Public, Host),
    ("evidence_list_programmes", Public, Host),
    ("evidence_create_programme", Operator, Host),
    ("evidence_get_programme", Public, Host),
    ("evidence_update_programme", Operator, Host),
    ("evidence_list_programme_adoptions", Public, Host),
    ("evidence_list_adoptions", Public, Host),
    ("evidence_create_adoption", MemberWrite, Host),
    ("evidence_export_adoptions_csv", Public, Host),
    ("evidence_get_adoption", Public, Host),
    ("evidence_delete_adoption", MemberWrite, Host),
    ("evidence_update_adoption", MemberWrite, Host),
    ("evidence_list_figures", MemberRead, Host),
    ("evidence_get_figure", MemberRead, Host),
    ("evidence_put_figure", MemberWrite, Host),
    ("evidence_delete_figure", MemberWrite, Host),
    ("evidence_list_partnerships", MemberRead, Host),
    ("evidence_create_partnership", MemberWrite, Host),
    ("evidence_get_partnership", MemberRead, Host),
    ("evidence_update_partnership", MemberWrite, Host),
    ("evidence_accept_invitation", Admin, Partner),
    ("evidence_decline_invitation", Admin, Partner),
    ("evidence_list_referrals", MemberRead, Partner),
    ("evidence_create_referral", MemberWrite, Partner),
    ("evidence_get_referral", MemberRead, Partner),
    ("evidence_delete_referral", MemberWrite, Partner),
    ("placements_list_kinds", Public, Host),
    ("placements_get_staircase", Public, Host),
    ("placements_put_staircase", Admin, Host),
    ("placements_import_measures", MemberWrite, Host),
    ("placements_list_measures", MemberRead, Host),
    ("placements_create_measure", MemberWrite, Host),
    ("placements_get_measure", MemberRead, Host),
    ("placements_delete_measure", MemberWrite, Host),
    ("placements_update_measure", MemberWrite, Host),
    ("placements_get_statistics", Public, Host),
    ("placements_get_monthly_statistics", Public, Host),
    ("offers_list_market", Public, Host),
    ("offers_export_market_csv", Public, Host),
    ("offers_list_offers", Public, Host),
    ("offers_create_offer", MemberWrite, Host),
    ("offers_get_offer", Public, Host),
    ("offers_update_offer", MemberWrite, Host),
    ("offers_delete_offer", MemberWrite, Host),
    ("offers_list_place_requests", MemberRead, Partner),
    ("offers_create_place_request", MemberWrite, Partner),
    ("offers_get_place_request", MemberRead, Partner),
    ("offers_accept_place_request", MemberWrite, Host),
    ("offers_decline_place_request", MemberWrite, Host),
    ("offers_withdraw_place_request", MemberWrite, Partner),
    ("offers_start_place_request", MemberWrite, Host),
    ("offers_end_place_request", MemberWrite, Host),
    ("offers_get_offer_figures", MemberRead, Host),
    ("offers_list_offer_figures", MemberRead, Host),
    ("offers_list_purchase_figures", MemberRead, Partner),
    ("offers_get_offer_occupancy", Public, Host),
];

/// The callers. "Own" means of the municipality the path addresses; `Partner` is an admin of
/// the other party to the partnership; `Demoted` was an admin when its token was issued and is a
/// viewer now; `Expired` is an admin's token past its expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Actor {
    Anonymous,
    Viewer,
    Editor,
    Admin,
    ReadKey,
    WriteKey,
    Demoted,
    OtherViewer,
    OtherEditor,
    OtherAdmin,
    Partner,
    Operator,
    Expired,
}

const ACTORS: [Actor; 13] = [
    Actor::Anonymous,
    Actor::Viewer,
    Actor::Editor,
    Actor::Admin,
    Actor::ReadKey,
    Actor::WriteKey,
    Actor::Demoted,
    Actor::OtherViewer,
    Actor::OtherEditor,
    Actor::OtherAdmin,
    Actor::Partner,
    Actor::Operator,
    Actor::Expired,
];

impl Actor {
    /// Whether the caller belongs to the addressed municipality.
    fn is_member(self) -> bool {
        matches!(
            self,
            Actor::Viewer
                | Actor::Editor
                | Actor::Admin
                | Actor::ReadKey
                | Actor::WriteKey
                | Actor::Demoted
        )
    }
}

/// What the classification expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    /// Public data with a token the server may ignore or refuse: 2xx or 401.
    AllowOr401,
    Deny(u16),
}

/// The expected outcome of `actor` calling an operation of class `access`. `anonymous_in_spec`:
/// the spec lets the operation be called without credentials (private objects are then 404).
fn expected(access: Access, anonymous_in_spec: bool, actor: Actor) -> Expect {
    use Expect::{Allow, AllowOr401, Deny};
    match (access, actor) {
        (Access::Public, Actor::Expired) => AllowOr401,
        (Access::Public, _) => Allow,
        (_, Actor::Expired) => Deny(401),
        (_, Actor::Anonymous) if anonymous_in_spec && access != Access::Operator => Deny(404),
        (_, Actor::Anonymous) => Deny(401),
        (Access::Caller, _) => Allow,
        (Access::Operator, Actor::Operator) => Allow,
        (Access::Operator, _) => Deny(403),
        (Access::AdminOrOperator | Access::AdminOrOperatorDisables, Actor::Operator) => Allow,
        (Access::AdminOrOperatorFirstAdmin, Actor::Operator) => Deny(403),
        (_, a) if !a.is_member() => Deny(404),
        (Access::MemberRead, _) => Allow,
        (Access::MemberWrite, Actor::Editor | Actor::Admin | Actor::WriteKey) => Allow,
        (Access::MemberWrite, _) => Deny(403),
        (_, Actor::Admin) => Allow,
        (_, _) => Deny(403),
    }
}

/// Whether a response matches the expectation.
fn judge(expect: Expect, status: u16) -> Result<(), String> {
    let ok = (200..300).contains(&status);
    match expect {
        Expect::Allow if ok => Ok(()),
        Expect::AllowOr401 if ok || status == 401 => Ok(()),
        Expect::Deny(s) if s == status => Ok(()),
        Expect::Deny(_) if ok => Err(format!("unexpected success {status}")),
        _ => Err(format!("expected {expect:?}, got {status}")),
    }
}

/// The private texts found in a response body (empty: no leak).
fn leaks<'a>(body: &[u8], secrets: &'a [String]) -> Vec<&'a str> {
    let text = String::from_utf8_lossy(body);
    secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .map(String::as_str)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The spec

struct Operation {
    id: String,
    method: Method,
    path: String,
    anonymous: bool,
    /// A query parameter that takes a number, a date or one of listed words, if the operation
    /// has one: a value of another shape is refused by the decoder.
    typed_query: Option<String>,
}

fn operations() -> Vec<Operation> {
    let text = std::fs::read_to_string(repo_dir().join("openapi/openapi.json"))
        .unwrap_or_else(|e| panic!("openapi.json: {e}"));
    let spec: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let anonymous = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            let typed_query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .find(|p| {
                    let s = &p["schema"];
                    matches!(s["type"].as_str(), Some("integer" | "number"))
                        || s["format"] == "date"
                        || s["enum"].is_array()
                })
                .and_then(|p| p["name"].as_str())
                .map(str::to_owned);
            out.push(Operation {
                id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                method,
                path: path.clone(),
                anonymous,
                typed_query,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The world the matrix runs in

/// A request body.
#[derive(Clone)]
enum Body {
    None,
    Json(Value),
    Csv(String),
}

struct World {
    marker: String,
    /// Texts and pseudonyms only members of their municipality may see.
    secrets: Vec<String>,
    operator: String,
    /// Per municipality: its editor and admin tokens for arranging.
    editor: BTreeMap<&'static str, String>,
    admin: BTreeMap<&'static str, String>,
    /// Per owner: the callers' credentials (None: anonymous).
    callers: BTreeMap<(&'static str, Actor), Option<String>>,
    strategy: i64,
    node: i64,
    target: i64,
    /// An internal policy of the host and its objective.
    policy: (i64, i64),
    /// An initiative of the internal strategy, with a follow-up.
    initiative: i64,
    programme: i64,
    adoption: i64,
    partnership: i64,
    referral: i64,
    measure: i64,
    /// An open offer of the host with room for every acceptance the matrix makes.
    offer: i64,
    /// A place request of the partner (the buyer) in `offer`.
    place_request: i64,
    theme: String,
    staircase: Value,
    counter: u32,
}

async fn ok_json(resp: Resp, status: u16, what: &str) -> Value {
    assert_eq!(resp.status, status, "{what}: {}", resp.text());
    resp.json()
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

impl World {
    async fn build(app: &TestApp) -> Self {
        // Letters only, so that no part of a text built from it looks like a number.
        let marker: String = std::iter::once("hemmelig".to_owned())
            .chain((0..8).map(|_| char::from(b'a' + rand::random::<u8>() % 26).to_string()))
            .collect();
        let operator = app.operator_token();
        let mut editor = BTreeMap::new();
        let mut admin = BTreeMap::new();
        for m in [HOST, PARTNER, OTHER] {
            editor.insert(m, app.token(m, Role::Editor));
            admin.insert(m, app.token(m, Role::Admin));
        }
        let mut w = World {
            marker: marker.clone(),
            secrets: Vec::new(),
            operator,
            editor,
            admin,
            callers: BTreeMap::new(),
            strategy: 0,
            node: 0,
            target: 0,
            policy: (0, 0),
            initiative: 0,
            programme: 0,
            adoption: 0,
            partnership: 0,
            referral: 0,
            measure: 0,
            offer: 0,
            place_request: 0,
            theme: String::new(),
            staircase: Value::Null,
            counter: 0,
        };
        for owner in [HOST, PARTNER] {
            w.callers_of(app, owner).await;
        }
        let ed = w.editor[HOST].clone();
        let m = format!("/api/v1/municipalities/{HOST}");
        w.strategy = id_of(
            &ok_json(
                app.post(&format!("{m}/strategies"))
                    .bearer(&ed)
                    .json(&json!({"title": format!("Intern strategi {marker}"), "summary": format!("Resumé {marker}"), "visibility": "internal"}))
                    .send()
                    .await,
                201,
                "strategy",
            )
            .await,
        );
        w.node = w.new_node(app).await;
        w.policy = w.new_policy(app).await;
        w.target = id_of(
            &ok_json(
                app.post(&format!("{m}/nodes/{}/targets", w.node))
                    .bearer(&ed)
                    .json(&json!({"title": format!("Mål {marker}"), "indicator": "Antal", "unit": "count", "direction": "decrease", "target_value": 10, "frequency": "annual"}))
                    .send()
                    .await,
                201,
                "target",
            )
            .await,
        );
        ok_json(
            app.put(&format!("{m}/targets/{}/measurements/2025-01-01", w.target))
                .bearer(&ed)
                .json(&json!({"value": 12, "note": format!("Måling {marker}")}))
                .send()
                .await,
            201,
            "measurement",
        )
        .await;
        w.initiative = w.new_initiative(app).await;
        w.programme = w.new_programme(app).await;
        w.adoption = w.new_adoption(app).await;
        ok_json(
            app.put(&format!("{m}/adoptions/{}/figures/2025-Q1", w.adoption))
                .bearer(&ed)
                .json(&json!({"started": 4, "completed": 1, "dropped_out": 0}))
                .send()
                .await,
            201,
            "figure",
        )
        .await;
        w.partnership = w.new_partnership(app, true).await;
        w.referral = w.new_referral(app).await;
        w.measure = w.new_measure(app).await;
        w.offer = w.new_offer(app, "open").await;
        // A draft only the host's members see.
        ok_json(
            app.post(&format!("{m}/offers"))
                .bearer(&ed)
                .json(&json!({"name": "Matrix-kladde", "offer_type": "other", "description": format!("Kladde {marker}")}))
                .send()
                .await,
            201,
            "draft offer",
        )
        .await;
        w.place_request = w.new_place_request(app, &[]).await;
        let theme = format!("matrix-theme-{}", &marker[8..]);
        ok_json(
            app.post("/api/v1/themes")
                .bearer(&w.operator)
                .json(&json!({"slug": theme, "name": "Matrix"}))
                .send()
                .await,
            201,
            "theme",
        )
        .await;
        w.theme = theme;
        let stairs = ok_json(
            app.get(&format!("{m}/staircase")).send().await,
            200,
            "stairs",
        )
        .await;
        w.staircase = json!({"steps": stairs["steps"].as_array().into_iter().flatten()
            .map(|s| json!({"key": s["key"], "name": s["name"], "standard_step": s["standard_step"]}))
            .collect::<Vec<_>>()});
        let key = ok_json(
            app.post(&format!("{m}/api-keys"))
                .bearer(&w.admin[HOST])
                .json(&json!({"name": format!("Nøgle {marker}"), "scope": "read"}))
                .send()
                .await,
            201,
            "key",
        )
        .await;
        w.secrets = vec![marker.clone()];
        if let Some(k) = key["key"].as_str() {
            w.secrets.push(k.to_owned());
        }
        w
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// Creates the thirteen callers of `owner`'s path.
    async fn callers_of(&mut self, app: &TestApp, owner: &'static str) {
        let admin = self.admin[owner].clone();
        let key = |scope: &'static str| {
            let admin = admin.clone();
            async move {
                let body = ok_json(
                    app.post(&format!("/api/v1/municipalities/{owner}/api-keys"))
                        .bearer(&admin)
                        .json(&json!({"name": format!("matrix {scope}"), "scope": scope}))
                        .send()
                        .await,
                    201,
                    "api key",
                )
                .await;
                body["key"].as_str().unwrap_or_default().to_owned()
            }
        };
        let read_key = key("read").await;
        let write_key = key("write").await;
        // An admin's token, then the admin is made a viewer.
        let username = format!("matrix-demoted-{owner}");
        let id = app.create_user(Some(owner), &username, Role::Admin);
        let demoted = app.issue(id, &username, Some(owner), Role::Admin);
        ok_json(
            app.patch(&format!("/api/v1/municipalities/{owner}/users/{id}"))
                .bearer(&admin)
                .json(&json!({"role": "viewer"}))
                .send()
                .await,
            200,
            "demote",
        )
        .await;
        let counterpart = if owner == HOST { PARTNER } else { HOST };
        let entries = [
            (Actor::Anonymous, None),
            (Actor::Viewer, Some(app.token(owner, Role::Viewer))),
            (Actor::Editor, Some(app.token(owner, Role::Editor))),
            (Actor::Admin, Some(app.token(owner, Role::Admin))),
            (Actor::ReadKey, Some(read_key)),
            (Actor::WriteKey, Some(write_key)),
            (Actor::Demoted, Some(demoted)),
            (Actor::OtherViewer, Some(app.token(OTHER, Role::Viewer))),
            (Actor::OtherEditor, Some(app.token(OTHER, Role::Editor))),
            (Actor::OtherAdmin, Some(app.token(OTHER, Role::Admin))),
            (Actor::Partner, Some(app.token(counterpart, Role::Admin))),
            (Actor::Operator, Some(self.operator.clone())),
            (Actor::Expired, Some(expired_token(app, owner))),
        ];
        for (actor, token) in entries {
            self.callers.insert((owner, actor), token);
        }
    }

    async fn new_node(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        id_of(
            &ok_json(
                app.post(&format!(
                    "/api/v1/municipalities/{HOST}/strategies/{}/nodes",
                    self.strategy
                ))
                .bearer(&self.editor[HOST])
                .json(&json!({"kind": "mål", "title": format!("Node {n} {}", self.marker)}))
                .send()
                .await,
                201,
                "node",
            )
            .await,
        )
    }

    /// An internal policy of the host with one objective: (policy id, objective id).
    async fn new_policy(&mut self, app: &TestApp) -> (i64, i64) {
        let n = self.next();
        let p = ok_json(
            app.post(&format!("/api/v1/municipalities/{HOST}/policies"))
                .bearer(&self.editor[HOST])
                .json(&json!({"title": format!("Politik {n} {}", self.marker), "visibility": "internal", "objectives": [{"title": format!("Målsætning {n} {}", self.marker)}]}))
                .send()
                .await,
            201,
            "policy",
        )
        .await;
        (id_of(&p), id_of(&p["objectives"][0]))
    }

    /// An initiative on the internal strategy's node, with a private text and a follow-up.
    async fn new_initiative(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        let m = format!("/api/v1/municipalities/{HOST}");
        let id = id_of(
            &ok_json(
                app.post(&format!("{m}/nodes/{}/initiatives", self.node))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"title": format!("Handling {n} {}", self.marker), "targets": [self.target],
                        "planned_start": "2025-01-01", "planned_end": "2025-12-31"}))
                    .send()
                    .await,
                201,
                "initiative",
            )
            .await,
        );
        ok_json(
            app.put(&format!("{m}/initiatives/{id}/updates/2025-01-15"))
                .bearer(&self.editor[HOST])
                .json(&json!({"status": "started", "note": format!("Opfølgning {}", self.marker)}))
                .send()
                .await,
            201,
            "initiative update",
        )
        .await;
        id
    }

    async fn new_strategy(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{HOST}/strategies"))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"title": format!("Strategi {n} {}", self.marker), "visibility": "internal"}))
                    .send()
                    .await,
                201,
                "strategy",
            )
            .await,
        )
    }

    async fn new_programme(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        id_of(
            &ok_json(
                app.post("/api/v1/programmes")
                    .bearer(&self.operator)
                    .json(&json!({"short_name": format!("matrix-{n}"), "name": format!("Matrixprogram {n}")}))
                    .send()
                    .await,
                201,
                "programme",
            )
            .await,
        )
    }

    async fn new_adoption(&mut self, app: &TestApp) -> i64 {
        let programme = self.new_programme(app).await;
        id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{HOST}/adoptions"))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"programme_id": programme, "status": "active", "started_on": "2024-01-01",
                        "yearly_capacity": 100, "capacity_unit": "families"}))
                    .send()
                    .await,
                201,
                "adoption",
            )
            .await,
        )
    }

    /// A partnership of a new adoption of the host with the partner; `accepted`: the partner's
    /// admin has accepted it.
    async fn new_partnership(&mut self, app: &TestApp, accepted: bool) -> i64 {
        let adoption = self.new_adoption(app).await;
        let id = id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{HOST}/partnerships"))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"adoption_id": adoption, "period_start": "2025-01-01", "period_end": "2026-12-31",
                        "allow_over_share": true, "notes": format!("Aftale {}", self.marker),
                        "partners": [{"municipality": PARTNER, "yearly_share": 5}]}))
                    .send()
                    .await,
                201,
                "partnership",
            )
            .await,
        );
        if accepted {
            ok_json(
                app.post(&format!(
                    "/api/v1/municipalities/{PARTNER}/partnership-invitations/{id}/accept"
                ))
                .bearer(&self.admin[PARTNER])
                .send()
                .await,
                200,
                "accept",
            )
            .await;
        }
        id
    }

    async fn new_referral(&mut self, app: &TestApp) -> i64 {
        id_of(
            &ok_json(
                app.post(&format!(
                    "/api/v1/municipalities/{PARTNER}/partnerships/{}/referrals",
                    self.partnership
                ))
                .bearer(&self.editor[PARTNER])
                .json(&json!({"period": "2025-Q2", "referred": 1, "note": format!("Henvisning {}", self.marker)}))
                .send()
                .await,
                201,
                "referral",
            )
            .await,
        )
    }

    async fn new_measure(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        let child_ref = format!("{}-{n}", self.marker);
        id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{HOST}/measures"))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"child_ref": child_ref, "birth_year": 2010, "category": "support", "kind": "aflastning",
                        "start_date": "2020-01-01", "note": format!("Notat {}", self.marker)}))
                    .send()
                    .await,
                201,
                "measure",
            )
            .await,
        )
    }

    async fn new_offer(&mut self, app: &TestApp, status: &str) -> i64 {
        let n = self.next();
        id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{HOST}/offers"))
                    .bearer(&self.editor[HOST])
                    .json(&json!({"name": format!("Matrixtilbud {n}"), "offer_type": "residential_institution",
                        "status": status, "approved_places": 10000}))
                    .send()
                    .await,
                201,
                "offer",
            )
            .await,
        )
    }

    /// A place request of the partner in the host's offer, taken through the host's `steps`.
    async fn new_place_request(&mut self, app: &TestApp, steps: &[&str]) -> i64 {
        let n = self.next();
        let id = id_of(
            &ok_json(
                app.post(&format!("/api/v1/municipalities/{PARTNER}/place-requests"))
                    .bearer(&self.editor[PARTNER])
                    .json(&json!({"offer_id": self.offer, "places": 1, "period_start": "2031-01-01",
                        "period_end": "2031-01-31", "case_reference": format!("{}-{n}", self.marker),
                        "note": format!("Anmodning {}", self.marker)}))
                    .send()
                    .await,
                201,
                "place request",
            )
            .await,
        );
        for step in steps {
            ok_json(
                app.post(&format!(
                    "/api/v1/municipalities/{HOST}/place-requests/{id}/{step}"
                ))
                .bearer(&self.editor[HOST])
                .send()
                .await,
                200,
                "transition",
            )
            .await;
        }
        id
    }

    /// The path parameters, query and body for one call of `op` on `owner`'s path. Operations
    /// that destroy or answer something get a fresh object per call.
    async fn prepare(
        &mut self,
        app: &TestApp,
        op: &str,
        owner: Owner,
    ) -> (Vec<(&'static str, String)>, &'static str, Body) {
        let n = self.next();
        let mk = self.marker.clone();
        let mut params: Vec<(&'static str, String)> =
            vec![("municipality", owner.slug().to_owned())];
        macro_rules! id {
            ($v:expr) => {{
                let v: i64 = $v;
                params.push(("id", v.to_string()));
            }};
        }
        let body = match op {
            "platform_create_municipality" => Body::Json(
                json!({"slug": format!("matrix-{n}"), "code": format!("9{:02}", n % 100), "name": format!("Matrix {n}"), "region": "Region Midtjylland"}),
            ),
            "platform_update_municipality" => Body::Json(json!({"region": "Region Syddanmark"})),
            "platform_switch_module" => {
                params.push(("module", "placements".into()));
                Body::Json(json!({"enabled": true}))
            }
            "platform_login" => {
                let username = format!("matrix-login-{n}");
                app.create_user(Some(HOST), &username, Role::Viewer);
                Body::Json(json!({"username": username, "password": PASSWORD}))
            }
            "platform_create_user" => Body::Json(
                json!({"username": format!("matrix-user-{n}"), "password": "a long enough passphrase", "role": "viewer"}),
            ),
            "platform_update_user" => {
                id!(app.create_user(Some(HOST), &format!("matrix-victim-{n}"), Role::Viewer));
                Body::Json(json!({"disabled": true}))
            }
            "platform_create_api_key" => Body::Json(json!({"name": format!("matrix key {n}"), "scope": "read"})),
            "platform_revoke_api_key" => {
                let key = ok_json(
                    app.post(&format!("/api/v1/municipalities/{HOST}/api-keys"))
                        .bearer(&self.admin[HOST])
                        .json(&json!({"name": format!("victim key {n}")}))
                        .send()
                        .await,
                    201,
                    "key",
                )
                .await;
                id!(id_of(&key));
                Body::None
            }
            "goals_create_theme" => Body::Json(json!({"slug": format!("matrix-t-{n}"), "name": format!("Tema {n}")})),
            "goals_update_theme" => {
                params.push(("slug", self.theme.clone()));
                Body::Json(json!({"description": format!("Beskrivelse {n}")}))
            }
            "goals_create_unit" => Body::Json(json!({"key": format!("matrix-unit-{n}"), "name": format!("Enhed {n}"), "kind": "afdeling"})),
            "goals_create_strategy" => Body::Json(json!({"title": format!("Ny strategi {n} {mk}"), "visibility": "internal"})),
            "goals_get_strategy" | "goals_get_strategy_tree" | "goals_get_strategy_report" => {
                id!(self.strategy);
                Body::None
            }
            "goals_update_strategy" => {
                id!(self.strategy);
                Body::Json(json!({"summary": format!("Resumé {n} {mk}")}))
            }
            "goals_archive_strategy" => {
                id!(self.new_strategy(app).await);
                Body::None
            }
            "goals_create_node" => {
                id!(self.strategy);
                Body::Json(json!({"kind": "mål", "title": format!("Mål {n} {mk}")}))
            }
            "goals_delete_node" => {
                id!(self.new_node(app).await);
                Body::None
            }
            "goals_create_policy" => Body::Json(json!({"title": format!("Politik {n} {mk}"), "visibility": "internal"})),
            "goals_get_policy" => {
                id!(self.policy.0);
                Body::None
            }
            "goals_update_policy" => {
                id!(self.policy.0);
                Body::Json(json!({"summary": format!("Resumé {n} {mk}")}))
            }
            "goals_delete_policy" => {
                id!(self.new_policy(app).await.0);
                Body::None
            }
            "goals_create_objective" => {
                id!(self.policy.0);
                Body::Json(json!({"title": format!("Målsætning {n} {mk}")}))
            }
            "goals_update_objective" => {
                id!(self.policy.1);
                Body::Json(json!({"body": format!("Tekst {n} {mk}")}))
            }
            "goals_delete_objective" => {
                id!(self.new_policy(app).await.1);
                Body::None
            }
            "goals_update_node" => {
                id!(self.node);
                Body::Json(json!({"body": format!("Tekst {n} {mk}")}))
            }
            "goals_create_target" => {
                id!(self.node);
                Body::Json(json!({"title": format!("Mål {n} {mk}"), "indicator": "Antal", "unit": "count", "direction": "decrease", "frequency": "annual"}))
            }
            "goals_get_target" | "goals_list_measurements" => {
                id!(self.target);
                Body::None
            }
            "goals_update_target" => {
                id!(self.target);
                Body::Json(json!({"target_value": 9}))
            }
            "goals_put_measurement" => {
                id!(self.target);
                params.push(("date", "2025-02-01".into()));
                Body::Json(json!({"value": 11}))
            }
            "goals_delete_measurement" => {
                id!(self.target);
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                    .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(n))))
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                ok_json(
                    app.put(&format!("/api/v1/municipalities/{HOST}/targets/{}/measurements/{date}", self.target))
                        .bearer(&self.editor[HOST])
                        .json(&json!({"value": 1}))
                        .send()
                        .await,
                    201,
                    "measurement",
                )
                .await;
                params.push(("date", date));
                Body::None
            }
            "goals_put_budget" => {
                id!(self.node);
                params.push(("year", (2000 + n % 100).to_string()));
                Body::Json(json!({"budget_dkk": 1_000_000, "note": format!("Budget {n} {mk}")}))
            }
            "goals_delete_budget" => {
                let node = self.new_node(app).await;
                ok_json(
                    app.put(&format!("/api/v1/municipalities/{HOST}/nodes/{node}/budget/2150"))
                        .bearer(&self.editor[HOST])
                        .json(&json!({"spend_dkk": 5}))
                        .send()
                        .await,
                    201,
                    "budget figure",
                )
                .await;
                id!(node);
                params.push(("year", "2150".into()));
                Body::None
            }
            "goals_get_strategy_budget" | "goals_export_strategy_budget_csv" => {
                id!(self.strategy);
                Body::None
            }
            "goals_create_initiative" => {
                id!(self.node);
                Body::Json(json!({"title": format!("Handling {n} {mk}"), "targets": [self.target]}))
            }
            "goals_list_initiatives" | "goals_export_initiatives_csv" => {
                id!(self.strategy);
                Body::None
            }
            "goals_get_initiative" => {
                id!(self.initiative);
                Body::None
            }
            "goals_update_initiative" => {
                id!(self.initiative);
                Body::Json(json!({"description": format!("Beskrivelse {n} {mk}")}))
            }
            "goals_delete_initiative" => {
                id!(self.new_initiative(app).await);
                Body::None
            }
            "goals_put_initiative_update" => {
                id!(self.initiative);
                params.push(("date", "2025-02-01".into()));
                Body::Json(json!({"status": "delayed", "note": format!("Note {n} {mk}")}))
            }
            "goals_delete_initiative_update" => {
                let initiative = self.new_initiative(app).await;
                id!(initiative);
                params.push(("date", "2025-01-15".into()));
                Body::None
            }
            "evidence_create_programme" => Body::Json(json!({"short_name": format!("matrix-new-{n}"), "name": format!("Nyt program {n}")})),
            "evidence_get_programme" | "evidence_list_programme_adoptions" => {
                id!(self.programme);
                Body::None
            }
            "evidence_update_programme" => {
                id!(self.programme);
                Body::Json(json!({"description": format!("Beskrivelse {n}")}))
            }
            "evidence_create_adoption" => {
                let programme = self.new_programme(app).await;
                Body::Json(json!({"programme_id": programme, "status": "planned"}))
            }
            "evidence_get_adoption" | "evidence_list_figures" => {
                id!(self.adoption);
                Body::None
            }
            "evidence_delete_adoption" => {
                id!(self.new_adoption(app).await);
                Body::None
            }
            "evidence_update_adoption" => {
                id!(self.adoption);
                Body::Json(json!({"certified_practitioners": 3}))
            }
            "evidence_get_figure" => {
                id!(self.adoption);
                params.push(("period", "2025-Q1".into()));
                Body::None
            }
            "evidence_put_figure" => {
                id!(self.adoption);
                params.push(("period", "2025-Q2".into()));
                Body::Json(json!({"started": 3, "completed": 1, "dropped_out": 0}))
            }
            "evidence_delete_figure" => {
                let adoption = self.new_adoption(app).await;
                ok_json(
                    app.put(&format!("/api/v1/municipalities/{HOST}/adoptions/{adoption}/figures/2025-Q3"))
                        .bearer(&self.editor[HOST])
                        .json(&json!({"started": 1, "completed": 0, "dropped_out": 0}))
                        .send()
                        .await,
                    201,
                    "figure",
                )
                .await;
                id!(adoption);
                params.push(("period", "2025-Q3".into()));
                Body::None
            }
            "evidence_create_partnership" => {
                let adoption = self.new_adoption(app).await;
                Body::Json(json!({"adoption_id": adoption, "partners": [{"municipality": PARTNER, "yearly_share": 2}]}))
            }
            "evidence_get_partnership" | "evidence_list_referrals" => {
                id!(self.partnership);
                Body::None
            }
            "evidence_update_partnership" => {
                id!(self.partnership);
                Body::Json(json!({"notes": format!("Aftale {n} {mk}")}))
            }
            "evidence_accept_invitation" | "evidence_decline_invitation" => {
                id!(self.new_partnership(app, false).await);
                Body::None
            }
            "evidence_create_referral" => {
                id!(self.partnership);
                Body::Json(json!({"period": "2025-Q3", "referred": 1, "note": format!("Henvisning {n} {mk}")}))
            }
            "evidence_get_referral" => {
                id!(self.partnership);
                params.push(("referral_id", self.referral.to_string()));
                Body::None
            }
            "evidence_delete_referral" => {
                id!(self.partnership);
                let referral = self.new_referral(app).await;
                params.push(("referral_id", referral.to_string()));
                Body::None
            }
            "offers_create_offer" => Body::Json(json!({"name": format!("Nyt tilbud {n}"), "offer_type": "other"})),
            "offers_get_offer" | "offers_get_offer_figures" | "offers_get_offer_occupancy" => {
                id!(self.offer);
                Body::None
            }
            "offers_update_offer" => {
                id!(self.offer);
                Body::Json(json!({"contact": format!("Kontakt {n}")}))
            }
            "offers_delete_offer" => {
                id!(self.new_offer(app, "draft").await);
                Body::None
            }
            "offers_create_place_request" => Body::Json(json!({"offer_id": self.offer, "places": 1,
                "period_start": "2031-02-01", "period_end": "2031-02-28", "case_reference": format!("{mk}-ny-{n}")})),
            "offers_get_place_request" => {
                id!(self.place_request);
                Body::None
            }
            "offers_accept_place_request" | "offers_decline_place_request" | "offers_withdraw_place_request" => {
                id!(self.new_place_request(app, &[]).await);
                Body::None
            }
            "offers_start_place_request" => {
                id!(self.new_place_request(app, &["accept"]).await);
                Body::None
            }
            "offers_end_place_request" => {
                id!(self.new_place_request(app, &["accept", "start"]).await);
                Body::None
            }
            "placements_put_staircase" => Body::Json(self.staircase.clone()),
            "placements_import_measures" => Body::Csv(format!(
                "child_ref,birth_year,category,kind,start_date\nIMP-{n},2010,support,aflastning,2020-01-01\n"
            )),
            "placements_create_measure" => Body::Json(json!({"child_ref": format!("{mk}-new-{n}"), "birth_year": 2011,
                "category": "support", "kind": "aflastning", "start_date": "2021-01-01"})),
            "placements_get_measure" => {
                id!(self.measure);
                Body::None
            }
            "placements_delete_measure" => {
                id!(self.new_measure(app).await);
                Body::None
            }
            "placements_update_measure" => {
                id!(self.measure);
                Body::Json(json!({"note": format!("Notat {n} {mk}")}))
            }
            _ => Body::None,
        };
        let query = match op {
            "goals_compare" => "?theme=placement-pattern",
            "placements_get_monthly_statistics" => "?from=2024-01-01&to=2024-12-31",
            "placements_get_statistics" => "?year=2024",
            "offers_get_offer_figures"
            | "offers_list_offer_figures"
            | "offers_list_purchase_figures"
            | "offers_get_offer_occupancy" => "?year=2031",
            _ => "",
        };
        (params, query, body)
    }
}

/// An admin's token of `owner`, signed with the server's key, expired an hour ago.
fn expired_token(app: &TestApp, owner: &str) -> String {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let username = format!("matrix-expired-{owner}");
    let id = app.create_user(Some(owner), &username, Role::Admin);
    let secret = std::fs::read(app.settings.data_dir.join("jwt-secret")).unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": "retning", "aud": "retning-api", "sub": id.to_string(), "exp": now - 3600,
        "iat": now - 4500, "nbf": now - 4500, "ver": 0, "municipality": owner,
        "municipality_id": app.municipality_id(owner), "role": "admin", "username": username});
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(app.ctx.auth.keys.kid().to_owned());
    encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap_or_default()
}

fn fill(template: &str, params: &[(&str, String)]) -> String {
    let mut path = template.to_owned();
    for (name, value) in params {
        path = path.replace(&format!("{{{name}}}"), value);
    }
    assert!(
        !path.contains('{'),
        "{template}: no value for a path parameter; teach World::prepare"
    );
    path
}

async fn call(app: &TestApp, op: &Operation, path: &str, token: Option<&str>, body: Body) -> Resp {
    let mut req = app.request(op.method.clone(), path);
    if let Some(token) = token {
        req = req.bearer(token);
    }
    match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Csv(s) => req.raw("text/csv", s),
    }
    .send()
    .await
}

async fn every_operation_answers_every_caller_as_classified(app: TestApp) {
    let ops = operations();
    let classes: BTreeMap<&str, (Access, Owner)> = CLASSIFICATION
        .iter()
        .map(|(id, a, o)| (*id, (*a, *o)))
        .collect();
    let unclassified: Vec<&str> = ops
        .iter()
        .map(|o| o.id.as_str())
        .filter(|id| !classes.contains_key(id))
        .collect();
    assert!(
        unclassified.is_empty(),
        "operations without a classification: {unclassified:?}"
    );
    let stale: Vec<&&str> = classes
        .keys()
        .filter(|id| !ops.iter().any(|o| o.id == **id))
        .collect();
    assert!(
        stale.is_empty(),
        "classified operations not in the spec: {stale:?}"
    );

    let mut world = World::build(&app).await;
    let mut calls = 0;
    let mut failures = Vec::new();
    let mut unexpected_successes = 0;
    for op in &ops {
        let (access, owner) = classes[op.id.as_str()];
        for actor in ACTORS {
            let (params, query, body) = world.prepare(&app, &op.id, owner).await;
            let path = format!("{}{query}", fill(&op.path, &params));
            let token = world.callers[&(owner.slug(), actor)].clone();
            let resp = call(&app, op, &path, token.as_deref(), body).await;
            calls += 1;
            let expect = expected(access, op.anonymous, actor);
            if let Err(why) = judge(expect, resp.status) {
                if why.starts_with("unexpected success") {
                    unexpected_successes += 1;
                }
                failures.push(format!(
                    "{} {path} as {actor:?} ({access:?}): {why}: {}",
                    op.method,
                    resp.text()
                ));
            }
            if !actor.is_member() {
                let found = leaks(&resp.body, &world.secrets);
                if !found.is_empty() {
                    failures.push(format!(
                        "{} {path} as {actor:?} leaked {found:?}: {}",
                        op.method,
                        resp.text()
                    ));
                }
            }
        }
    }
    println!(
        "matrix: {} operations × {} actors = {calls} calls, {unexpected_successes} unexpected successes, {} mismatches ({:?})",
        ops.len(),
        ACTORS.len(),
        failures.len(),
        app.backend()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(calls, ops.len() * ACTORS.len());
}

/// The negative control: a private strategy made public by mistake is caught by the judgement
/// (a non-member's 200 on a member-read operation) and by the scan (the private text).
async fn the_matrix_catches_a_leak(app: TestApp) {
    let mut world = World::build(&app).await;
    let op = operations()
        .into_iter()
        .find(|o| o.id == "goals_get_strategy")
        .unwrap_or_else(|| panic!("goals_get_strategy missing"));
    let (params, _, _) = world.prepare(&app, &op.id, Host).await;
    let path = fill(&op.path, &params);
    let outsider = world.callers[&(HOST, Actor::OtherAdmin)].clone();
    let before = call(&app, &op, &path, outsider.as_deref(), Body::None).await;
    let expect = expected(MemberRead, op.anonymous, Actor::OtherAdmin);
    assert_eq!(judge(expect, before.status), Ok(()), "{}", before.text());
    assert!(leaks(&before.body, &world.secrets).is_empty());

    // The mistake: the strategy is published (and keeps its private marker in the title).
    let ed = world.editor[HOST].clone();
    app.patch(&path)
        .bearer(&ed)
        .json(&json!({"visibility": "public"}))
        .send()
        .await
        .ok(200);
    let after = call(&app, &op, &path, outsider.as_deref(), Body::None).await;
    assert_eq!(after.status, 200, "{}", after.text());
    let verdict = judge(expect, after.status);
    assert!(
        verdict
            .as_ref()
            .is_err_and(|e| e.starts_with("unexpected success")),
        "the judgement missed it: {verdict:?}"
    );
    assert_eq!(
        leaks(&after.body, &world.secrets),
        vec![world.marker.as_str()]
    );
}

/// Authorization comes before validation: every operation that takes a body, sent a body that is
/// wrong for it, answers an anonymous caller, an outsider and a member lacking the role exactly as
/// the classification says (401, 404, 403), never with the validation's 400 or 422; a caller who
/// may make the call gets the validation's answer (the control: the body really is wrong).
async fn writes_are_authorized_before_their_body_is_judged(app: TestApp) {
    let classes: BTreeMap<&str, (Access, Owner)> = CLASSIFICATION
        .iter()
        .map(|(id, a, o)| (*id, (*a, *o)))
        .collect();
    let mut world = World::build(&app).await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for op in operations() {
        let Some(&(access, owner)) = classes.get(op.id.as_str()) else {
            continue;
        };
        let (params, query, body) = world.prepare(&app, &op.id, owner).await;
        let wrong = match body {
            Body::None => continue,
            Body::Json(_) => Body::Json(json!([["not", "an", "object"]])),
            Body::Csv(_) => Body::Csv("no_such_column\nx\n".to_owned()),
        };
        let path = format!("{}{query}", fill(&op.path, &params));
        for actor in ACTORS {
            let token = world.callers[&(owner.slug(), actor)].clone();
            let resp = call(&app, &op, &path, token.as_deref(), wrong.clone()).await;
            calls += 1;
            let ok = match expected(access, op.anonymous, actor) {
                Expect::Deny(status) => resp.status == status,
                // The control: allowed callers are told what is wrong with the body.
                Expect::Allow | Expect::AllowOr401 => matches!(resp.status, 400 | 415 | 422),
            };
            if !ok {
                failures.push(format!(
                    "{} {path} as {actor:?} ({access:?}): {}",
                    op.method,
                    resp.text()
                ));
            }
        }
    }
    println!(
        "authorization before validation: {calls} calls, {} mismatches ({:?})",
        failures.len(),
        app.backend()
    );
    assert!(calls > 300, "{calls}");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same promise for query strings: a caller who may not read an operation learns nothing
/// from its query parameters (401 / 403 / 404 as classified, never a 422 naming a parameter);
/// allowed callers are told which parameter is wrong (the control).
async fn reads_are_authorized_before_their_query_is_judged(app: TestApp) {
    let classes: BTreeMap<&str, (Access, Owner)> = CLASSIFICATION
        .iter()
        .map(|(id, a, o)| (*id, (*a, *o)))
        .collect();
    let mut world = World::build(&app).await;
    let (mut failures, mut calls, mut operations_tried) = (Vec::new(), 0, 0);
    for op in operations() {
        let (Some(&(access, owner)), Some(name)) = (classes.get(op.id.as_str()), &op.typed_query)
        else {
            continue;
        };
        if op.method != Method::GET {
            continue;
        }
        operations_tried += 1;
        let (params, query, _) = world.prepare(&app, &op.id, owner).await;
        // The operation's own query (a required theme, a year), with `name` made wrong.
        let mut pairs: Vec<String> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty() && p.split('=').next() != Some(name.as_str()))
            .map(str::to_owned)
            .collect();
        pairs.push(format!("{name}=not-a-valid-value"));
        let path = format!("{}?{}", fill(&op.path, &params), pairs.join("&"));
        for actor in ACTORS {
            let token = world.callers[&(owner.slug(), actor)].clone();
            let resp = call(&app, &op, &path, token.as_deref(), Body::None).await;
            calls += 1;
            let ok = match expected(access, op.anonymous, actor) {
                Expect::Deny(status) => resp.status == status,
                // An expired token on a public read may be refused (401) or served.
                Expect::AllowOr401 if resp.status == 401 => true,
                Expect::Allow | Expect::AllowOr401 => {
                    resp.status == 422 && resp.text().contains(&format!("query.{name}"))
                }
            };
            if !ok {
                failures.push(format!(
                    "GET {path} as {actor:?} ({access:?}): {} {}",
                    resp.status,
                    resp.text()
                ));
            }
        }
    }
    println!(
        "authorization before query validation: {operations_tried} operations, {calls} calls, {} mismatches ({:?})",
        failures.len(),
        app.backend()
    );
    assert!(operations_tried >= 15, "{operations_tried}");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
