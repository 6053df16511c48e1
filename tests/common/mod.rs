//! Shared helpers for the integration tests in `tests/*.rs` (each test file is its own crate and
//! declares `mod common;`).
//!
//! [`server`] starts private Prosody or ejabberd servers ([`ServerKind`]), and
//! [`on_both_servers!`] runs one test against each; more helpers (raw XMPP clients, client drivers,
//! [`slixmpp`]'s independent second client) belong in sibling modules here. Not every test crate
//! uses every helper, hence the `dead_code` allowance.
#![allow(dead_code, unused_imports)]

pub mod server;

pub use server::*;
pub mod client;
pub mod fake_server;
pub mod fake_tls;
pub use client::*;
pub use fake_server::*;
pub mod peer;
pub mod slixmpp;
pub mod tmux;
pub use peer::*;

/// Runs `async fn NAME(kind: ServerKind)` (or a plain `fn` after `sync`) once per server:
/// `on_both_servers!(NAME);` makes `mod NAME { fn prosody(); fn ejabberd(); }`, so a run shows
/// `NAME::prosody` and `NAME::ejabberd`. Attributes after `ejabberd:` (e.g. `#[ignore = "…"]`)
/// go on the ejabberd test only.
#[allow(unused_macros)]
macro_rules! on_both_servers {
    ($name:ident $(, ejabberd: $(#[$attr:meta])+)? $(,)?) => {
        mod $name {
            #[tokio::test]
            async fn prosody() {
                super::$name($crate::common::ServerKind::Prosody).await
            }
            #[tokio::test]
            $($(#[$attr])+)?
            async fn ejabberd() {
                super::$name($crate::common::ServerKind::Ejabberd).await
            }
        }
    };
    (sync $name:ident $(, ejabberd: $(#[$attr:meta])+)? $(,)?) => {
        mod $name {
            #[test]
            fn prosody() {
                super::$name($crate::common::ServerKind::Prosody)
            }
            #[test]
            $($(#[$attr])+)?
            fn ejabberd() {
                super::$name($crate::common::ServerKind::Ejabberd)
            }
        }
    };
}
pub(crate) use on_both_servers;
