//! Every test of the built components, in one binary (as wasmtime lays out
//! its own tests): wasmtime and Cranelift are linked once, not once per
//! area. One module per area:
//!
//! - `conformance`: every action through wasmtime against the mock;
//! - `api_base`: a host-chosen API base in place of Pinterest's;
//! - `credential_store`: the store's contract, held against memory, a file
//!   and a real Redis server;
//! - `shared_account`: many callers of one account refresh once (threads,
//!   `HostWorkers`, processes on a file and on Redis, killed holders);
//! - `oauth_lifecycle`: authorize URL, code exchange, rotating refresh;
//! - `secret_sweep`: no secret in any output, against a mock that echoes;
//! - `resilience`: retries, hostile answers, the host's limits;
//! - `load`: many concurrent actions through one host;
//! - `workers`: the thread-per-core host;
//! - `catalog_walk`: every operation of 5.11.0 and 5.23.0;
//! - `cli`: the `pinterest-connector` CLI as a process;
//! - `node`: the component in Node.js through jco, the npm package
//!   installed from its tarball, the edge build under `jco serve`;
//! - `dist`: the release files;
//! - `jobs`: a video upload for a pin, through the built component;
//! - `triggers`: polls for new pins and boards as the mock's data changes;
//! - `mcp`: both MCP servers driven by the official MCP Python SDK;
//! - `python`: the Python package's wheel, installed and tested with pytest;
//! - `rate_budget`: one rate budget for many workers, against a mock that
//!   limits each category;
//! - `walkthrough`: the README's walkthrough, run as written, and the
//!   mock's printout.
//!
//! Run one area with `cargo test -p pinterest-connector-host --test all
//! AREA::`.

mod api_base;
mod catalog_walk;
mod cli;
mod conformance;
mod credential_store;
mod dist;
mod jobs;
mod load;
mod mcp;
mod node;
mod oauth_lifecycle;
mod python;
mod rate_budget;
mod resilience;
mod secret_sweep;
mod shared_account;
mod triggers;
mod walkthrough;
mod workers;
