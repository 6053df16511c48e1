//! The login task: one attempt after another until there is a session,
//! reporting each passing failure to the engine as the session reports a
//! lost connection.

use tokio::sync::mpsc;
use tracing::debug;

use crate::app::Msg;
use crate::xmpp::error::Recovery;
use crate::xmpp::session::{self, SessionEvent};
use crate::xmpp::settings::ConnectSettings;

use super::{Internal, now_unix};

/// The login task: tries until it has a session, or until a failure that
/// trying again cannot fix. Each passing failure is reported as the session
/// reports a lost connection, with the attempt and the delay before the next.
pub(super) async fn log_in(
    settings: ConnectSettings,
    tx: mpsc::UnboundedSender<Internal>,
    generation: u64,
) {
    let mut attempt = 0u32;
    loop {
        let error = match session::start(settings.clone()).await {
            Ok(session) => {
                let _ = tx.send(Internal::LoggedIn(generation, session));
                return;
            }
            Err(error) => error,
        };
        let recovery = error.recovery();
        let error = error.to_string();
        if recovery != Recovery::Retry {
            let _ = tx.send(Internal::Login(
                generation,
                Msg::LoginFailed { error, recovery },
            ));
            return;
        }
        attempt = attempt.saturating_add(1);
        let retry_in = session::backoff(attempt);
        debug!(%error, attempt, ?retry_in, "login failed; trying again");
        let event = SessionEvent::Reconnecting {
            error,
            attempt,
            retry_in,
        };
        let news = Internal::Login(
            generation,
            Msg::Session {
                event,
                at: now_unix(),
            },
        );
        if tx.send(news).is_err() {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}
