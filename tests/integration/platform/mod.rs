//! Municipalities, module switches, audit, CORS, CLI helpers.

mod audit;
mod cli;
mod cors;
mod modules;
mod municipalities;
