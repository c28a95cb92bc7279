//! PostgreSQL's row-level security: the second wall around the private tables. The server's
//! work runs as `retning_app`, which owns no table; a transaction sees a private row only when the
//! kernel has scoped it to the row's municipality or to the platform. SQLite has no roles; there
//! the kernel's queries are the only wall, which the authorization matrix tests.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use retning_kernel::auth::Role;
use retning_kernel::DbConnection;
use retning_tests::{Backend, TestApp};
use serde_json::json;

const PRIVATE_TABLES: [&str; 6] = [
    "users",
    "api_keys",
    "audit_log",
    "placement_measures",
    "evidence_adoption_figures",
    // A place request is its two parties' (the buyer's `municipality_id` and the provider's);
    // `arrange` makes both buy from a third municipality, so each sees exactly its own.
    "offer_place_requests",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .load::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .first()
        .map_or(-1, |c| c.n)
}

/// Rows of every private table, as the current role and scope see them.
fn visible(conn: &mut DbConnection) -> Vec<i64> {
    PRIVATE_TABLES
        .iter()
        .map(|t| count(conn, &format!("SELECT count(*) AS n FROM {t}")))
        .collect()
}

/// Rows of every private table belonging to one municipality, as the owner sees them.
fn owned_by(conn: &mut DbConnection, municipality_id: i64) -> Vec<i64> {
    PRIVATE_TABLES
        .iter()
        .map(|t| {
            count(
                conn,
                &format!("SELECT count(*) AS n FROM {t} WHERE municipality_id = {municipality_id}"),
            )
        })
        .collect()
}

/// Private rows of Vejle and Randers in every private table.
async fn arrange(app: &TestApp) {
    let operator = app.operator_token();
    let offer = app
        .post("/api/v1/municipalities/skanderborg/offers")
        .bearer(&app.token("skanderborg", Role::Editor))
        .json(&json!({"name": "RLS-tilbud", "offer_type": "other", "status": "open", "approved_places": 5}))
        .send()
        .await
        .ok(201);
    for (i, m) in ["vejle", "randers"].into_iter().enumerate() {
        let editor = app.token(m, Role::Editor);
        let admin = app.token(m, Role::Admin);
        let base = format!("/api/v1/municipalities/{m}");
        app.post(&format!("{base}/measures"))
            .bearer(&editor)
            .json(
                &json!({"child_ref": format!("RLS-{m}"), "birth_year": 2012, "category": "support",
                "kind": "aflastning", "start_date": "2022-01-01"}),
            )
            .send()
            .await
            .ok(201);
        app.post(&format!("{base}/place-requests"))
            .bearer(&editor)
            .json(&json!({"offer_id": offer["id"], "places": 1, "period_start": "2030-01-01", "period_end": "2030-01-31"}))
            .send()
            .await
            .ok(201);
        app.post(&format!("{base}/api-keys"))
            .bearer(&admin)
            .json(&json!({"name": format!("rls {m}")}))
            .send()
            .await
            .ok(201);
        let programme = app
            .post("/api/v1/programmes")
            .bearer(&operator)
            .json(&json!({"short_name": format!("rls-{i}"), "name": format!("RLS {i}")}))
            .send()
            .await
            .ok(201);
        let adoption = app
            .post(&format!("{base}/adoptions"))
            .bearer(&editor)
            .json(&json!({"programme_id": programme["id"], "status": "active", "started_on": "2024-01-01"}))
            .send()
            .await
            .ok(201);
        app.put(&format!(
            "{base}/adoptions/{}/figures/2025-Q1",
            adoption["id"]
        ))
        .bearer(&editor)
        .json(&json!({"started": 1, "completed": 0, "dropped_out": 0}))
        .send()
        .await
        .ok(201);
    }
}

#[actix_web::test]
async fn postgres_walls_private_rows_by_transaction_scope() {
    let Some(app) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    arrange(&app).await;
    let vejle = app.municipality_id("vejle");
    let randers = app.municipality_id("randers");

    app.with_conn(|conn| {
        // The role: no superuser, no bypass, owns nothing; every private table is walled.
        #[derive(QueryableByName)]
        struct RoleRow {
            #[diesel(sql_type = Bool)]
            rolsuper: bool,
            #[diesel(sql_type = Bool)]
            rolbypassrls: bool,
        }
        let role: Vec<RoleRow> = diesel::sql_query(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'retning_app'",
        )
        .load(conn)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(role.len(), 1, "the application role exists");
        assert!(!role[0].rolsuper && !role[0].rolbypassrls);
        assert_eq!(
            count(
                conn,
                "SELECT count(*) AS n FROM pg_tables WHERE tableowner = 'retning_app'"
            ),
            0,
            "the application role owns no table"
        );
        #[derive(QueryableByName)]
        struct Walled {
            #[diesel(sql_type = Text)]
            relname: String,
        }
        let mut walled: Vec<String> = diesel::sql_query(
            "SELECT relname::text AS relname FROM pg_class WHERE relrowsecurity AND relkind = 'r' \
             AND relnamespace = current_schema()::regnamespace ORDER BY relname",
        )
        .load::<Walled>(conn)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|w| w.relname)
        .collect();
        walled.sort();
        let mut expected: Vec<String> = PRIVATE_TABLES.iter().map(|t| (*t).to_owned()).collect();
        expected.sort();
        assert_eq!(walled, expected);

        // The control: the owner (who migrates, seeds and runs the command line) sees rows of
        // both municipalities in every private table.
        let all = visible(conn);
        let of_vejle = owned_by(conn, vejle);
        let of_randers = owned_by(conn, randers);
        assert!(
            of_vejle.iter().chain(&of_randers).all(|n| *n > 0),
            "{of_vejle:?} {of_randers:?}"
        );

        // As the application, unscoped: nothing.
        conn.batch_execute("BEGIN; SET LOCAL ROLE retning_app")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            visible(conn),
            vec![0; PRIVATE_TABLES.len()],
            "an unscoped query sees nothing"
        );
        // Scoped to Vejle: exactly Vejle's rows.
        retning_kernel::db::scope_to_municipality(conn, vejle).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(visible(conn), of_vejle);
        // Writing another municipality's row is refused by the wall itself.
        let insert = conn.batch_execute(&format!(
            "INSERT INTO api_keys (municipality_id, name, key_hash, prefix, scope, created_at) \
             VALUES ({randers}, 'sneak', 'h', 'p', 'read', now())"
        ));
        assert!(
            insert.is_err_and(|e| e.to_string().contains("row-level security")),
            "an insert for another municipality is refused"
        );
        conn.batch_execute("ROLLBACK")
            .unwrap_or_else(|e| panic!("{e}"));

        // The scope ends with the transaction: the next one as the application sees nothing.
        conn.batch_execute("BEGIN; SET LOCAL ROLE retning_app")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(visible(conn), vec![0; PRIVATE_TABLES.len()]);
        retning_kernel::db::scope_to_platform(conn).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(visible(conn), all, "the platform scope sees every row");
        conn.batch_execute("ROLLBACK")
            .unwrap_or_else(|e| panic!("{e}"));
    });

    // The kernel's unit of work starts unscoped: a module's query that forgot its municipality
    // sees no private row, and one that resolved it sees that municipality's rows only.
    let unscoped = app
        .db()
        .run(|conn| Ok(visible(conn)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unscoped, vec![0; PRIVATE_TABLES.len()]);
    let scoped = app
        .db()
        .run(|conn| {
            retning_kernel::tenancy::resolve(conn, "randers", "placements")?;
            Ok(visible(conn))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let of_randers = app.with_conn(|conn| owned_by(conn, randers));
    assert_eq!(scoped, of_randers);
}
