//! balcony: a terminal XMPP client.
//!
//! Module map (dependencies point one way, `ui → app → xmpp`):
//! - [`config`]: the TOML configuration, its defaults and validation.
//! - [`xmpp`]: the protocol: XML stream, connection, TLS, SASL, stanzas and the
//!   session task that owns the socket. Knows nothing of the app or the UI.
//! - [`app`]: the app-state store and its pure update functions.
//! - [`ui`]: drawing the store and mapping keys to actions.
//! - [`tui`]: the terminal event loop that ties the session, store and UI together.
//! - [`cli`]: the scripted subcommands (`check`, `send`, `roster`).
//! - [`engine`]: the runner between the session and the store, shared by the
//!   TUI and `exec`; [`roster_cache`] keeps the roster on disk, [`caps_cache`]
//!   contacts' verified capabilities (XEP-0115).
//! - [`sanitize`]: making remote text safe to print.
//! - [`history`]: every message in and out, kept in SQLite; paging and search.
//! - [`notify`]: running the `[notify] command` for a notification the store decided on.
//! - [`upload`]: the HTTPS PUT of an `/upload` (XEP-0363), with the login's TLS trust.

pub mod app;
pub mod caps_cache;
pub mod cli;
pub mod config;
pub mod engine;
pub mod history;
pub mod logging;
pub mod notify;
pub mod omemo;
pub mod roster_cache;
pub mod sanitize;
pub mod tui;
pub mod ui;
pub mod upload;
pub mod xmpp;
