//! Municipalities, module switches, audit, CORS, CLI helpers.

mod audit;
mod cli;
mod conventions;
mod cors;
mod metrics;
mod modules;
mod municipalities;
