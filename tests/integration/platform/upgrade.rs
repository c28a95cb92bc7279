//! Upgrading a database that holds data: the migration of #13 rebuilds SQLite's `targets` table
//! (SQLite cannot widen a CHECK) with foreign keys off in its own transaction. Run on a file
//! that has strategies, targets, their themes and measurements, it must keep every row and id,
//! leave every reference whole, and switch foreign keys back on.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::MigrationHarness;
use retning_kernel::db::SQLITE_MIGRATIONS;

/// The first migration that rebuilds a table holding data.
const REBUILD: &str = "20261213000001";

#[derive(QueryableByName, Debug, PartialEq)]
struct Target {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    unit: String,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Measurement {
    #[diesel(sql_type = BigInt)]
    target_id: i64,
    #[diesel(sql_type = Double)]
    value: f64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, q: &str) -> i64 {
    diesel::sql_query(q)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{q}: {e}"))
        .n
}

#[test]
fn the_targets_rebuild_keeps_every_row_and_reference_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("retning-upgrade-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("retning.db");
    let mut conn =
        SqliteConnection::establish(&path.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
    // As the server's connections are: foreign keys enforced.
    conn.batch_execute("PRAGMA foreign_keys = ON;")
        .unwrap_or_else(|e| panic!("{e}"));
    // The installation as it was before #13.
    loop {
        let pending = conn
            .pending_migrations(SQLITE_MIGRATIONS)
            .unwrap_or_else(|e| panic!("{e}"));
        let Some(next) = pending.first() else {
            panic!("no migration {REBUILD}");
        };
        if next.name().version().to_string().starts_with(REBUILD) {
            break;
        }
        conn.run_next_migration(SQLITE_MIGRATIONS)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    conn.batch_execute(
        "INSERT INTO municipalities (id, slug, code, name, region, created_at, updated_at)
             VALUES (7, 'testby', '999', 'Testby', 'Region Sjælland', '2025-01-01 00:00:00', '2025-01-01 00:00:00');
         INSERT INTO themes (id, slug, name, kind, created_at, updated_at)
             VALUES (3, 'placement-pattern', 'Anbringelsesmønster', 'theme', '2025-01-01 00:00:00', '2025-01-01 00:00:00');
         INSERT INTO strategies (id, municipality_id, title, visibility, status, level_names, created_at, updated_at)
             VALUES (11, 7, 'Strategi', 'public', 'active', '[]', '2025-01-01 00:00:00', '2025-01-01 00:00:00');
         INSERT INTO nodes (id, municipality_id, strategy_id, position, kind, title, created_at, updated_at)
             VALUES (21, 7, 11, 0, 'mål', 'Færre anbringelser', '2025-01-01 00:00:00', '2025-01-01 00:00:00');
         INSERT INTO targets (id, municipality_id, strategy_id, node_id, key, position, title, indicator, unit, direction,
                              target_value, frequency, source, created_at, updated_at)
             VALUES (31, 7, 11, 21, 'a', 0, 'Antal anbringelser', 'Antal', 'count', 'decrease', 170, 'annual', 'manual',
                     '2025-01-01 00:00:00', '2025-01-01 00:00:00'),
                    (45, 7, 11, 21, 'b', 1, 'Andel i plejefamilie', 'Andel', 'percent', 'increase', 64, 'annual', 'manual',
                     '2025-01-01 00:00:00', '2025-01-01 00:00:00');
         INSERT INTO target_themes (target_id, theme_id, municipality_id) VALUES (31, 3, 7), (45, 3, 7);
         INSERT INTO measurements (municipality_id, target_id, date, value, recorded_by, recorded_at)
             VALUES (7, 31, '2024-12-31', 194, 'seed', '2025-01-01 00:00:00'),
                    (7, 45, '2024-12-31', 55.5, 'seed', '2025-01-01 00:00:00');",
    )
    .unwrap_or_else(|e| panic!("arranging: {e}"));

    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .unwrap_or_else(|e| panic!("{e}"));

    let targets: Vec<Target> = diesel::sql_query("SELECT id, title, unit FROM targets ORDER BY id")
        .load(&mut conn)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        targets,
        vec![
            Target {
                id: 31,
                title: "Antal anbringelser".into(),
                unit: "count".into()
            },
            Target {
                id: 45,
                title: "Andel i plejefamilie".into(),
                unit: "percent".into()
            },
        ]
    );
    let measurements: Vec<Measurement> =
        diesel::sql_query("SELECT target_id, value FROM measurements ORDER BY target_id")
            .load(&mut conn)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        measurements,
        vec![
            Measurement {
                target_id: 31,
                value: 194.0
            },
            Measurement {
                target_id: 45,
                value: 55.5
            }
        ]
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM target_themes"),
        2
    );
    // Every reference whole, foreign keys on again, the indexes back.
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"
        ),
        0
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT foreign_keys AS n FROM pragma_foreign_keys"
        ),
        1
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'targets' AND name LIKE 'targets_%'"),
        3
    );
    // The new units are accepted, an unknown one still refused, and a measurement of a target
    // that is gone still is.
    conn.batch_execute(
        "INSERT INTO targets (municipality_id, strategy_id, node_id, position, title, indicator, unit, direction,
                              target_value, frequency, source, created_at, updated_at)
             VALUES (7, 11, 21, 2, 'Opstart', 'Dage', 'days', 'decrease', 14, 'irregular', 'manual',
                     '2025-01-01 00:00:00', '2025-01-01 00:00:00');",
    )
    .unwrap_or_else(|e| panic!("a days target: {e}"));
    assert!(conn
        .batch_execute(
            "INSERT INTO targets (municipality_id, strategy_id, node_id, position, title, indicator, unit, direction,
                                  frequency, source, created_at, updated_at)
                 VALUES (7, 11, 21, 3, 'x', 'x', 'weeks', 'decrease', 'irregular', 'manual', '2025-01-01 00:00:00', '2025-01-01 00:00:00');"
        )
        .is_err());
    assert!(conn
        .batch_execute(
            "INSERT INTO measurements (municipality_id, target_id, date, value, recorded_by, recorded_at)
                 VALUES (7, 999, '2024-12-31', 1, 'x', '2025-01-01 00:00:00');"
        )
        .is_err());
    drop(conn);
    std::fs::remove_dir_all(&dir).ok();
}
