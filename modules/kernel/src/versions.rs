//! Data versions: what a cache checks before it answers.
//!
//! One counter per municipality and module (and [`PLATFORM`] for changes of no municipality, such
//! as the themes) in the table `data_versions`. Every recorded change
//! ([`crate::audit::record_change`], the one way a write is recorded) increments the counters of
//! the municipalities whose log shows it, for the module whose scoped call made the change
//! ([`ANY_MODULE`] when no module's call did: seeds, command-line tools, which every module's
//! readers then see as theirs), in the change's own transaction, just before it commits. A counter therefore moves
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

/// The module of a change made outside any module's scoped call: counts for every module.
pub const ANY_MODULE: &str = "*";

type Touched = BTreeSet<(i64, &'static str)>;

thread_local! {
    /// (Municipality, module) touched by the write transaction running on this thread (`None`:
    /// none is running, so a change increments at once).
    static PENDING: RefCell<Option<Touched>> = const { RefCell::new(None) };
    /// The module whose scoped call runs on this thread ([`in_module`]).
    static MODULE: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

/// Marks the rest of this unit of work as the module's (the scoped call does, when it enters a
/// municipality); [`crate::Db`] forgets it when the unit of work ends.
pub fn in_module(module: &'static str) {
    MODULE.with(|m| m.set(Some(module)));
}

pub(crate) fn forget_module() {
    MODULE.with(|m| m.set(None));
}

/// Called by [`crate::db::write_transaction`] when it begins: collect, don't increment yet.
/// Returns what was pending before (a nested transaction keeps the outer one's set).
pub(crate) fn collect() -> Option<Touched> {
    PENDING.with(|p| p.borrow_mut().replace(BTreeSet::new()))
}

/// Called by [`crate::db::write_transaction`] before it commits: the municipalities touched.
/// `outer` is what [`collect`] returned; a nested transaction hands its set to the outer one.
pub(crate) fn take(outer: Option<Touched>) -> Touched {
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
pub(crate) fn discard(outer: Option<Touched>) {
    PENDING.with(|p| *p.borrow_mut() = outer);
}

/// Marks these municipalities' data as changed ([`PLATFORM`] when none): inside a write
/// transaction at its commit, otherwise at once.
pub fn touch(conn: &mut DbConnection, municipalities: &[i64]) -> QueryResult<()> {
    let module = MODULE.with(std::cell::Cell::get).unwrap_or(ANY_MODULE);
    let ids: Touched = if municipalities.is_empty() {
        BTreeSet::from([(PLATFORM, module)])
    } else {
        municipalities.iter().map(|m| (*m, module)).collect()
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

/// Increments the counters, in (municipality, module) order.
pub(crate) fn increment(conn: &mut DbConnection, ids: &Touched) -> QueryResult<()> {
    for (id, module) in ids {
        diesel::sql_query(
            "INSERT INTO data_versions (municipality_id, module, version) VALUES ($1, $2, 1) \
             ON CONFLICT (municipality_id, module) DO UPDATE SET version = data_versions.version + 1",
        )
        .bind::<BigInt, _>(*id)
        .bind::<diesel::sql_types::Text, _>(*module)
        .execute(conn)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = BigInt)]
    municipality_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    module: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
}

/// Every counter, read in one statement (a counter never written reads 0). Counters only grow,
/// so a sum of counters moves whenever one of them does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    by_municipality: HashMap<i64, i64>,
    by_module: HashMap<(i64, String), i64>,
    total: i64,
}

impl Versions {
    pub fn read(conn: &mut DbConnection) -> QueryResult<Self> {
        let rows: Vec<VersionRow> =
            diesel::sql_query("SELECT municipality_id, module, version FROM data_versions")
                .load(conn)?;
        let mut v = Self::default();
        for r in rows {
            v.total += r.version;
            *v.by_municipality.entry(r.municipality_id).or_insert(0) += r.version;
            v.by_module.insert((r.municipality_id, r.module), r.version);
        }
        Ok(v)
    }

    /// The version of one municipality's data, in every module.
    pub fn of(&self, municipality_id: i64) -> i64 {
        self.by_municipality
            .get(&municipality_id)
            .copied()
            .unwrap_or(0)
    }

    /// The version of these modules' data of a municipality (changes made outside any module's
    /// call included), and of the platform's.
    pub fn of_modules(&self, municipality_id: i64, modules: &[&str]) -> i64 {
        let get = |module: &str| {
            self.by_module
                .get(&(municipality_id, module.to_owned()))
                .copied()
                .unwrap_or(0)
        };
        modules.iter().map(|m| get(m)).sum::<i64>() + get(ANY_MODULE) + self.of(PLATFORM)
    }

    /// The version of everything: the sum of the counters, which only grow, so it moves
    /// whenever any of them does.
    pub fn total(&self) -> i64 {
        self.total
    }
}
