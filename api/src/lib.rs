//! Retning's composition root: configuration, module registry, HTTP server, CLI.

pub mod cli;
pub mod openapi;
pub mod platform;
pub mod registry;
pub mod seed;
pub mod server;
pub mod settings;
pub mod transfer;
