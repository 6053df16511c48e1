//! The requests we sent and wait for (CORE-21, CORE-24): each IQ is tracked
//! by id with a deadline, a reply must come from where the request went,
//! expired requests fail with a timeout and a lost connection fails them
//! all. The keepalive ping (XEP-0199) is one of them.

use jid::{BareJid, Jid};
use tokio::time::Instant;
use tracing::{debug, warn};

use super::runner::Runner;
use super::{ReplyTo, RequestError, SessionEvent};
use crate::xmpp::element::Element;
use crate::xmpp::error::{Error, ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::ns;
use crate::xmpp::query::Answer;
use crate::xmpp::stanza::iq::{Iq, IqType};
use crate::xmpp::stanza::mam::ArchivedMessage;

pub(super) struct Pending {
    /// Where the request went; the answer must come from there (CORE-21).
    pub(super) to: Option<Jid>,
    pub(super) deadline: Instant,
    pub(super) reply: Option<ReplyTo>,
    /// For an archive query, the `queryid` its results carry.
    pub(super) queryid: Option<String>,
}

impl Runner {
    pub(super) fn track(&mut self, iq: &Iq, reply: Option<ReplyTo>) {
        self.pending.insert(
            iq.id.clone(),
            Pending {
                to: iq.to.clone(),
                deadline: Instant::now() + self.settings.reply_timeout,
                reply,
                queryid: None,
            },
        );
    }

    /// Tracks an archive query (MAM-02, MAM-03): its results are collected
    /// until its IQ result comes.
    pub(super) fn track_archive(
        &mut self,
        iq: &Iq,
        reply: ReplyTo,
        queryid: String,
        archive: BareJid,
        cap: usize,
    ) {
        self.track(iq, Some(reply));
        if let Some(pending) = self.pending.get_mut(&iq.id) {
            pending.queryid = Some(queryid.clone());
        }
        self.archive.open(queryid, archive, cap);
    }

    /// A request is over: its outcome goes to whoever waits, with the
    /// results an archive query collected (MAM-05: they all came before).
    pub(super) fn settle(&mut self, pending: Pending, outcome: Result<Iq, RequestError>) {
        let collected = pending.queryid.as_deref().map(|queryid| {
            let (messages, dropped) = self.archive.finish(queryid);
            if dropped > 0 {
                warn!(
                    dropped,
                    "an archive page held more results than asked for; the rest were dropped"
                );
            }
            messages
        });
        if let Some(reply) = pending.reply {
            self.answer_request(reply, outcome, collected);
        }
    }

    /// Hands a request's outcome to whoever waits for it; `collected` are
    /// an archive query's results, for its answer.
    pub(super) fn answer_request(
        &self,
        reply: ReplyTo,
        result: Result<Iq, RequestError>,
        collected: Option<Vec<ArchivedMessage>>,
    ) {
        match reply {
            ReplyTo::Caller(sender) => {
                let _ = sender.send(result);
            }
            ReplyTo::Event { token, query } => self.emit(SessionEvent::Reply {
                token,
                result: result.and_then(|iq| query.decode(iq)).map(|answer| {
                    match (answer, collected) {
                        (Answer::ArchivePage { fin, .. }, Some(messages)) => {
                            Answer::ArchivePage { messages, fin }
                        }
                        (answer, _) => answer,
                    }
                }),
            }),
        }
    }

    /// CORE-21: matches a reply to our request by id and sender.
    pub(super) fn complete(&mut self, iq: Iq) {
        let Some(pending) = self.pending.get(&iq.id) else {
            debug!(id = %iq.id, "reply to no request of ours");
            return;
        };
        if !self.reply_sender_ok(pending.to.as_ref(), iq.from.as_ref()) {
            self.reject(format!(
                "a reply to request {} came from {} instead of where it was sent; ignored",
                iq.id,
                iq.from.as_ref().map_or("?".into(), |j| j.to_string())
            ));
            return;
        }
        let Some(pending) = self.pending.remove(&iq.id) else {
            return;
        };
        if self.ping.as_deref() == Some(iq.id.as_str()) {
            self.ping = None;
        }
        let outcome = match iq.kind {
            IqType::Error => Err(RequestError::Stanza(iq.error.clone().unwrap_or_else(
                || StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition),
            ))),
            _ => Ok(iq),
        };
        self.settle(pending, outcome);
    }

    /// A request to our account or server may be answered by the server
    /// itself (no `from`, our bare JID, or our domain).
    fn reply_sender_ok(&self, to: Option<&Jid>, from: Option<&Jid>) -> bool {
        let ours = |jid: Option<&Jid>| match jid {
            None => true,
            Some(j) => {
                j.to_bare() == self.bare
                    || (j.node().is_none()
                        && j.domain().as_str() == self.domain
                        && j.resource().is_none())
                    || j.as_str() == self.jid.as_str()
            }
        };
        match to {
            None => ours(from),
            Some(to) if ours(Some(to)) => ours(from),
            Some(to) => from == Some(to),
        }
    }

    /// Every request still waiting fails: its answer cannot come any more.
    pub(super) fn fail_pending(&mut self) {
        let pending: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        self.ping = None;
        for pending in pending {
            self.settle(pending, Err(RequestError::Disconnected));
        }
        self.archive.clear();
    }

    /// The earliest moment something is due: a request deadline, the ping
    /// deadline, or the next keepalive.
    pub(super) fn next_deadline(&self) -> Instant {
        // While our ping is out, its own deadline is the one that matters:
        // the keepalive moment has passed, and waking for it again would
        // spin the loop until the ping times out.
        let keepalive = self
            .ping
            .is_none()
            .then(|| self.last_inbound + self.settings.keepalive);
        self.pending
            .values()
            .map(|p| p.deadline)
            .chain(keepalive)
            .min()
            .unwrap_or_else(|| Instant::now() + self.settings.keepalive)
    }

    pub(super) async fn on_timer(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if self.ping.as_deref() == Some(id.as_str()) {
                return Err(Error::Timeout(
                    "the server stopped answering (keepalive ping)",
                ));
            }
            if let Some(pending) = self.pending.remove(&id) {
                let timeout = RequestError::Timeout(self.settings.reply_timeout);
                self.settle(pending, Err(timeout));
            }
        }
        if self.ping.is_none() && now >= self.last_inbound + self.settings.keepalive {
            let ping = Iq::get(Element::new("ping", ns::PING)).with_to(Jid::from(
                BareJid::new(&self.domain).map_err(|e| {
                    Error::Protocol(format!("our own domain is not a valid JID: {e}"))
                })?,
            ));
            self.ping = Some(ping.id.clone());
            self.track(&ping, None);
            self.send_stanza(ping.to_element()).await?;
        }
        Ok(())
    }
}
