//! One integration binary: every database test runs on SQLite and on PostgreSQL.

mod auth;
mod evidence;
mod framework;
mod goals;
mod placements;
mod platform;
mod repo;
mod rights;
mod screen;
