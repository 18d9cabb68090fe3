//! dindctl: render, check and converge Docker-in-Docker stacks that host MCP servers.

pub mod alloc;
pub mod apply;
pub mod check;
pub mod cli;
pub mod clock;
pub mod deploy;
pub mod diag;
pub mod engine;
pub mod load;
pub mod mcp;
pub mod model;
pub mod net;
pub mod plan;
pub mod profile;
pub mod project;
pub mod redact;
pub mod render;
pub mod report;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod verify;
pub mod yaml;
