//! One integration binary: every database test runs on SQLite and on PostgreSQL.

mod auth;
mod cpr_spec;
mod evidence;
mod framework;
mod goals;
mod matrix;
mod offers;
mod placements;
mod platform;
mod repo;
mod rights;
mod row_level_security;
mod screen;
