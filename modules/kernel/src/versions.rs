//! Data versions: what a cache checks before it answers.
//!
//! One counter per municipality (and [`PLATFORM`] for changes of no municipality, such as the
//! themes) in the table `data_versions`. Every recorded change ([`crate::audit::record_change`],
//! the one way a write is recorded) increments the counters of the municipalities whose log
//! shows it, in the change's own transaction, just before it commits. A counter therefore moves
//! exactly when that municipality's data may have changed, in every server process and in the
//! command-line tools alike, and a cache entry tagged with the counter it was computed under is
//! current as long as the counter still reads the same.
//!
//! The rule for a cache: read the version first, then compute; tag the result with the version
//! read. The computation can then only be newer than its tag, never older, so a cache never
//! answers with a value older than the last committed write its caller can see.
//!
//! On PostgreSQL the increments take row locks held to the commit; they are taken at the end of
//! the transaction, in municipality order (so two writers never wait on each other in a cycle).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::DbConnection;

/// The counter of changes that belong to no municipality (themes, platform settings).
pub const PLATFORM: i64 = 0;

thread_local! {
    /// Municipalities touched by the write transaction running on this thread (`None`: none
    /// is running, so a change increments at once).
    static PENDING: RefCell<Option<BTreeSet<i64>>> = const { RefCell::new(None) };
}

/// Called by [`crate::db::write_transaction`] when it begins: collect, don't increment yet.
/// Returns what was pending before (a nested transaction keeps the outer one's set).
pub(crate) fn collect() -> Option<BTreeSet<i64>> {
    PENDING.with(|p| p.borrow_mut().replace(BTreeSet::new()))
}

/// Called by [`crate::db::write_transaction`] before it commits: the municipalities touched.
/// `outer` is what [`collect`] returned; a nested transaction hands its set to the outer one.
pub(crate) fn take(outer: Option<BTreeSet<i64>>) -> BTreeSet<i64> {
    let mine = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
    match outer {
        Some(mut outer) => {
            outer.extend(mine);
            PENDING.with(|p| *p.borrow_mut() = Some(outer));
            BTreeSet::new()
        }
        None => mine,
    }
}

/// Called when the transaction rolls back: nothing it touched changed.
pub(crate) fn discard(outer: Option<BTreeSet<i64>>) {
    PENDING.with(|p| *p.borrow_mut() = outer);
}

/// Marks these municipalities' data as changed ([`PLATFORM`] when none): inside a write
/// transaction at its commit, otherwise at once.
pub fn touch(conn: &mut DbConnection, municipalities: &[i64]) -> QueryResult<()> {
    let ids: BTreeSet<i64> = if municipalities.is_empty() {
        BTreeSet::from([PLATFORM])
    } else {
        municipalities.iter().copied().collect()
    };
    let deferred = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(pending) => {
            pending.extend(ids.iter().copied());
            true
        }
        None => false,
    });
    if deferred {
        Ok(())
    } else {
        increment(conn, &ids)
    }
}

/// Increments the counters, in id order.
pub(crate) fn increment(conn: &mut DbConnection, ids: &BTreeSet<i64>) -> QueryResult<()> {
    for id in ids {
        diesel::sql_query(
            "INSERT INTO data_versions (municipality_id, version) VALUES ($1, 1) \
             ON CONFLICT (municipality_id) DO UPDATE SET version = data_versions.version + 1",
        )
        .bind::<BigInt, _>(*id)
        .execute(conn)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// Every counter, read in one statement (a counter never written reads 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    by_municipality: HashMap<i64, i64>,
    total: i64,
}

impl Versions {
    pub fn read(conn: &mut DbConnection) -> QueryResult<Self> {
        let rows: Vec<VersionRow> =
            diesel::sql_query("SELECT municipality_id, version FROM data_versions").load(conn)?;
        let total = rows.iter().map(|r| r.version).sum();
        Ok(Self {
            by_municipality: rows
                .into_iter()
                .map(|r| (r.municipality_id, r.version))
                .collect(),
            total,
        })
    }

    /// The version of one municipality's data.
    pub fn of(&self, municipality_id: i64) -> i64 {
        self.by_municipality
            .get(&municipality_id)
            .copied()
            .unwrap_or(0)
    }

    /// The version of everything: the sum of the counters, which only grow, so it moves
    /// whenever any of them does.
    pub fn total(&self) -> i64 {
        self.total
    }
}
