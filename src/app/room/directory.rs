//! Finding chat services and their public rooms (XEP-0045 §6.1…§6.3;
//! MUC-01, MUC-02): `/rooms [SERVICE]`.
//!
//! Without a service, the chat services found at login are used when
//! discovery found any (DISCO-09, [`crate::app::service`]); else our
//! server's disco#items are asked, then the
//! disco#info of each item in turn (at most [`MAX_CANDIDATES`]): a chat
//! service has the identity `conference`/`text` and the feature
//! `http://jabber.org/protocol/muc`. The rooms of the first service found
//! (or the one named) come from its disco#items, paged with `<after/>`
//! while the service pages (RSM), its `<count/>` is not reached and a page
//! brings rooms, until [`MAX_ROOMS`] rooms; they are
//! shown as one listing (JID and name, sanitised), the other services
//! found named below it. One [`Step`] rides along with each request.
//! Imports nothing from `ui`.

use jid::BareJid;

use crate::app::dispatch::{Outcome, report};
use crate::app::event::Event;
use crate::app::{Effect, Purpose, State};
use crate::sanitize::one_line;
use crate::xmpp::error::StanzaCondition;
use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::disco::DiscoItem;

/// The most rooms listed (MUC-02): paging stops there.
pub const MAX_ROOMS: usize = 500;
/// The most items of our server probed for a chat service.
pub const MAX_CANDIDATES: usize = 32;
/// The most pages asked of one service, whatever it answers.
const MAX_PAGES: usize = 20;

/// Where a `/rooms` command is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Our server's items were asked.
    ServerItems,
    /// `candidates[index]`'s disco#info was asked; `found` are the chat
    /// services so far.
    Probe {
        candidates: Vec<BareJid>,
        index: usize,
        found: Vec<BareJid>,
    },
    /// A page of `service`'s rooms was asked; `others` are further chat
    /// services found, named in the listing.
    Rooms {
        service: BareJid,
        others: Vec<BareJid>,
        rooms: Vec<DiscoItem>,
        pages: usize,
    },
}

/// A `/rooms` command in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub tag: u64,
    pub label: String,
    pub step: Step,
}

/// Starts `/rooms`: the rooms of `service`, or of the first of the chat
/// services `known` from login, or first the search for one.
pub fn rooms(
    tag: u64,
    label: &str,
    service: Option<BareJid>,
    known: Option<Vec<BareJid>>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let label = label.to_owned();
    let mut known = known.unwrap_or_default().into_iter();
    if service.is_none()
        && let Some(first) = known.next()
    {
        ask_rooms(
            Pending {
                tag,
                label,
                step: Step::Rooms {
                    service: first,
                    others: known.collect(),
                    rooms: Vec::new(),
                    pages: 0,
                },
            },
            None,
            effects,
        );
        return Outcome::Pending;
    }
    match service {
        Some(service) => ask_rooms(
            Pending {
                tag,
                label,
                step: Step::Rooms {
                    service,
                    others: Vec::new(),
                    rooms: Vec::new(),
                    pages: 0,
                },
            },
            None,
            effects,
        ),
        None => effects.push(Effect::Request {
            query: Query::DiscoItems {
                to: None,
                after: None,
            },
            purpose: Purpose::Directory(Pending {
                tag,
                label,
                step: Step::ServerItems,
            }),
        }),
    }
    Outcome::Pending
}

/// Asks the page of the service's rooms after `after`.
fn ask_rooms(pending: Pending, after: Option<String>, effects: &mut Vec<Effect>) {
    let Step::Rooms { service, .. } = &pending.step else {
        return;
    };
    effects.push(Effect::Request {
        query: Query::DiscoItems {
            to: Some(service.clone()),
            after,
        },
        purpose: Purpose::Directory(pending),
    });
}

/// Asks the disco#info of the candidate at `index`, or, past the last,
/// goes on to the rooms of the first service found.
fn probe(
    state: &mut State,
    pending: Pending,
    candidates: Vec<BareJid>,
    index: usize,
    found: Vec<BareJid>,
    effects: &mut Vec<Effect>,
) {
    if let Some(candidate) = candidates.get(index) {
        let query = Query::ServiceInfo(candidate.clone());
        effects.push(Effect::Request {
            query,
            purpose: Purpose::Directory(Pending {
                step: Step::Probe {
                    candidates,
                    index,
                    found,
                },
                ..pending
            }),
        });
        return;
    }
    let mut found = found.into_iter();
    let Some(service) = found.next() else {
        let outcome = Outcome::Failed("your server names no chat service".to_owned());
        report(state, pending.tag, pending.label, outcome, effects);
        return;
    };
    ask_rooms(
        Pending {
            step: Step::Rooms {
                service,
                others: found.collect(),
                rooms: Vec::new(),
                pages: 0,
            },
            ..pending
        },
        None,
        effects,
    );
}

/// Whether a disco#info answer is a chat service's (MUC-01).
fn is_chat_service(features: &[String]) -> bool {
    let has = |name: &str| features.iter().any(|f| f == name);
    has(feature::CHAT_IDENTITY) && has(feature::MUC)
}

/// An answer to a step of `/rooms`.
pub fn on_reply(
    state: &mut State,
    pending: Pending,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match pending.step.clone() {
        Step::ServerItems => match result {
            Ok(Answer::DiscoItems(page)) => {
                let candidates = page
                    .items
                    .into_iter()
                    .map(|item| item.jid)
                    .filter(|jid| jid.node().is_none())
                    .take(MAX_CANDIDATES)
                    .collect();
                probe(state, pending, candidates, 0, Vec::new(), effects);
            }
            Ok(_) => probe(state, pending, Vec::new(), 0, Vec::new(), effects),
            Err(error) => {
                let why = format!("your server does not list its services: {error}");
                report(
                    state,
                    pending.tag,
                    pending.label,
                    Outcome::Failed(why),
                    effects,
                );
            }
        },
        Step::Probe {
            candidates,
            index,
            mut found,
        } => {
            // A component that does not answer is no chat service.
            if let Ok(Answer::Features(features)) = &result
                && is_chat_service(features)
                && let Some(candidate) = candidates.get(index)
            {
                found.push(candidate.clone());
            }
            probe(state, pending, candidates, index + 1, found, effects);
        }
        Step::Rooms {
            service,
            others,
            mut rooms,
            pages,
        } => {
            let page = match result {
                Ok(Answer::DiscoItems(page)) => page,
                Ok(_) => Default::default(),
                Err(error) => {
                    let why = explain(&service, &error);
                    report(
                        state,
                        pending.tag,
                        pending.label,
                        Outcome::Failed(why),
                        effects,
                    );
                    return;
                }
            };
            let added = page.items.len();
            for item in page.items {
                if rooms.len() >= MAX_ROOMS {
                    break;
                }
                if !rooms.iter().any(|known| known.jid == item.jid) {
                    rooms.push(item);
                }
            }
            let pages = pages + 1;
            // The set's count, when given, says when every room is in.
            let counted = page
                .set
                .as_ref()
                .and_then(|set| set.count)
                .is_some_and(|count| rooms.len() >= count as usize);
            let next = page.set.and_then(|set| set.last);
            let more = added > 0 && !counted && rooms.len() < MAX_ROOMS && pages < MAX_PAGES;
            if let (Some(after), true) = (next, more) {
                let pending = Pending {
                    step: Step::Rooms {
                        service,
                        others,
                        rooms,
                        pages,
                    },
                    ..pending
                };
                ask_rooms(pending, Some(after), effects);
                return;
            }
            let (count, text) = (rooms.len(), listing(&service, &rooms, &others));
            effects.push(Effect::Emit(Event::Info { text }));
            let summary = match count {
                0 => format!("no public rooms on {service}"),
                1 => format!("1 public room on {service}"),
                n if n >= MAX_ROOMS => format!("the first {n} public rooms on {service}"),
                n => format!("{n} public rooms on {service}"),
            };
            report(
                state,
                pending.tag,
                pending.label,
                Outcome::Done(summary),
                effects,
            );
        }
    }
}

/// The rooms, a line each (JID and name), sorted by JID; then the other
/// chat services.
pub fn listing(service: &BareJid, rooms: &[DiscoItem], others: &[BareJid]) -> String {
    let mut sorted: Vec<&DiscoItem> = rooms.iter().collect();
    sorted.sort_by_key(|item| item.jid.to_string());
    let mut text = format!("rooms on {service}:");
    if sorted.is_empty() {
        text.push_str("\n  (none public)");
    }
    for item in sorted {
        text.push_str("\n  ");
        text.push_str(&item.jid.to_string());
        if let Some(name) = item.name.as_deref().map(one_line)
            && !name.trim().is_empty()
            && Some(name.trim()) != item.jid.node().map(|node| node.as_str())
        {
            text.push_str("  ");
            text.push_str(name.trim());
        }
    }
    if !others.is_empty() {
        let names: Vec<String> = others.iter().map(BareJid::to_string).collect();
        text.push_str(&format!(
            "\nother chat services: {} (/rooms SERVICE)",
            names.join(", ")
        ));
    }
    text
}

/// A service's refusal in words the user can act on.
fn explain(service: &BareJid, error: &RequestError) -> String {
    let RequestError::Stanza(error) = error else {
        return error.to_string();
    };
    match error.condition {
        StanzaCondition::ItemNotFound | StanzaCondition::RemoteServerNotFound => {
            format!("{service} is not reachable or does not exist")
        }
        StanzaCondition::Forbidden | StanzaCondition::NotAllowed => {
            format!("{service} does not list its rooms to you")
        }
        StanzaCondition::ServiceUnavailable | StanzaCondition::FeatureNotImplemented => {
            format!("{service} does not list rooms")
        }
        other => format!("{service} refused ({other})"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bare(jid: &str) -> BareJid {
        BareJid::new(jid).unwrap()
    }

    /// MUC-01: a service has the conference/text identity and the muc
    /// feature; either alone is not one.
    #[test]
    fn a_chat_service_has_identity_and_feature() {
        let both = vec![feature::CHAT_IDENTITY.to_owned(), feature::MUC.to_owned()];
        assert!(is_chat_service(&both));
        assert!(!is_chat_service(&both[..1]));
        assert!(!is_chat_service(&both[1..]));
    }

    /// MUC-02: rooms sorted, names sanitised, other services named.
    #[test]
    fn listing_sorts_rooms_and_names_other_services() {
        let rooms = vec![
            DiscoItem {
                jid: bare("verona@conference.example.com"),
                name: Some("The feast\x1b[2J".into()),
            },
            DiscoItem {
                jid: bare("mantua@conference.example.com"),
                name: None,
            },
        ];
        let text = listing(
            &bare("conference.example.com"),
            &rooms,
            &[bare("chat.example.com")],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "rooms on conference.example.com:");
        assert_eq!(lines[1], "  mantua@conference.example.com");
        assert!(lines[2].starts_with("  verona@conference.example.com  The feast"));
        assert!(!text.contains('\x1b'));
        assert!(lines[3].contains("chat.example.com"));
    }
}
