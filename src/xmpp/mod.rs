//! The XMPP protocol layer: XML stream parsing and writing, connection set-up
//! (DNS, TLS, SASL, bind), stanza types, and the session task that owns the
//! socket. Nothing here may import `crate::app`, `crate::ui` or `crate::tui`.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod cap;
pub mod channel_binding;
pub mod connect;
pub mod element;
pub mod error;
pub mod id;
pub mod ledger;
mod lexer;
pub mod login;
pub mod ns;
pub mod query;
pub mod quick_ack;
pub mod reader;
pub mod sasl;
pub mod scram;
pub mod session;
pub mod settings;
pub mod stanza;
pub mod tls;
pub mod trace;
pub mod writer;
