//! Municipalities, module switches, audit, CORS, CLI helpers, moving between backends.

mod audit;
mod cli;
mod conventions;
mod cors;
mod metrics;
mod modules;
mod municipalities;
mod transfer;
mod upgrade;
