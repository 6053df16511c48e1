//! Contact cards (XEP-0054 vcard-temp; checklist §5, VCARD-01…10):
//! `/vcard [JID]`, `/vcard set FIELD [VALUE]`, `/vcard retry`, and the card
//! shown in a contact's details.
//!
//! A card is fetched only when the user asks: the command, or opening a
//! contact's details ([`on_details_opened`]), never for a presence
//! (VCARD-10). What came back is kept for the session in [`Cards`], so the
//! details pane can draw it. "No card" comes in three shapes (an empty
//! result, `item-not-found`, `service-unavailable`) and all of them are an
//! empty card, not an error (VCARD-02).
//!
//! An edit goes in steps ([`Step`]): fetch our card (without `to`,
//! VCARD-03), change the one field, send the whole card back (VCARD-04),
//! then fetch it again and say what the server stored, which may differ
//! (VCARD-09: Prosody's `mod_vcard_legacy` keeps `DESC` as `NOTE` and drops
//! what it does not know). A refused edit is explained and kept, so
//! `/vcard retry` sends it again (VCARD-06).
//!
//! Our server's disco#info says whether it keeps cards (VCARD-10,
//! DISCO-07): without `vcard-temp` there, our own card and the cards of
//! accounts on our server are not asked for, and the user is told why; a
//! contact elsewhere is asked all the same, since their server answers.
//!
//! No tokio, no terminal; the XML is `xmpp::stanza::vcard`'s. Remote text
//! goes through [`one_line`] before it reaches a line.

use std::collections::{BTreeMap, HashMap};

use jid::BareJid;

use super::dispatch::{Outcome, report};
use super::event::Event;
use super::{Effect, Purpose, State};
use crate::sanitize::one_line;
use crate::xmpp::error::{ErrorType, StanzaCondition, StanzaError};
use crate::xmpp::query::{Answer, Query, feature};
use crate::xmpp::session::RequestError;
use crate::xmpp::stanza::vcard::{Field, VCard};

/// The most cards kept for a session; beyond it the store forgets them
/// all and starts again (each was fetched on request and can be again).
pub const MAX_CARDS: usize = 500;

/// What the store knows of one card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardState {
    /// Asked, no answer yet.
    Loading,
    /// The card (empty when none is published, VCARD-02).
    Loaded(VCard),
    /// The fetch failed: why, in words.
    Failed(String),
}

/// One `/vcard set`: the change, where it is, and its command's label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub label: String,
    pub field: Field,
    /// `None` clears the field.
    pub value: Option<String>,
}

/// Cards fetched this session and edits in flight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cards {
    /// By bare JID, ours included.
    pub by_jid: HashMap<BareJid, CardState>,
    /// `/vcard set`s in flight, by command tag.
    pub edits: BTreeMap<u64, Edit>,
    /// VCARD-06: the last edit the server refused, for `/vcard retry`.
    pub refused: Option<Edit>,
    /// VCARD-10: whether our server offers `vcard-temp`; `None` until its
    /// disco#info has answered (or when it could not).
    pub server_support: Option<bool>,
    /// XEP-0153: the card photo hash each contact's presence last carried;
    /// a change means a new card, so the one held is dropped.
    pub hashes: HashMap<BareJid, String>,
}

impl Cards {
    pub fn get(&self, jid: &BareJid) -> Option<&CardState> {
        self.by_jid.get(jid)
    }

    fn put(&mut self, jid: BareJid, card: CardState) {
        if self.by_jid.len() >= MAX_CARDS && !self.by_jid.contains_key(&jid) {
            self.by_jid.clear();
        }
        self.by_jid.insert(jid, card);
    }
}

/// What a card request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Showing `jid`'s card: for `/vcard` command `tag`, or for the
    /// details pane (no tag, no result).
    Show {
        jid: BareJid,
        tag: Option<u64>,
        label: String,
    },
    /// Edit `tag`: our card, read before the change (VCARD-04).
    Fetch { tag: u64 },
    /// Edit `tag`: the whole card sent.
    Store { tag: u64 },
    /// Edit `tag`: our card read again after it was stored (VCARD-09).
    Verify { tag: u64 },
}

/// Said when our server does not keep cards (VCARD-10).
pub const NO_SERVICE: &str = "your server does not offer contact cards (vcard-temp)";

fn own_jid(state: &State) -> Option<BareJid> {
    state.jid.as_ref().map(|jid| jid.to_bare())
}

/// VCARD-10, DISCO-07: the server's features are known.
pub fn on_server_info(state: &mut State, result: &Result<Answer, RequestError>) {
    state.cards.server_support = match result {
        Ok(Answer::Features(features)) => Some(features.iter().any(|f| f == feature::VCARD)),
        _ => None,
    };
}

/// True when `jid`'s card would be asked of our own server, which said it
/// keeps none.
fn unsupported(state: &State, jid: &BareJid) -> bool {
    state.cards.server_support == Some(false)
        && own_jid(state).is_some_and(|own| own.domain() == jid.domain())
}

/// `/vcard [JID]`: our card without JID (or with our own), else the
/// contact's.
pub fn show(
    state: &mut State,
    tag: u64,
    label: &str,
    jid: Option<BareJid>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    let Some(own) = own_jid(state) else {
        return Outcome::Failed("not logged in yet".to_owned());
    };
    let jid = jid.unwrap_or(own);
    if unsupported(state, &jid) {
        return Outcome::Failed(NO_SERVICE.to_owned());
    }
    fetch(state, jid, Some(tag), label, effects);
    Outcome::Pending
}

/// XEP-0153: a presence announcing a card photo hash other than the one
/// before: the card held for that contact is stale and is dropped, so the
/// details view asks again when it opens (VCARD-10: still never fetched on
/// presence alone).
pub fn on_presence(state: &mut State, presence: &crate::xmpp::stanza::presence::Presence) {
    let (Some(hash), Some(from)) = (&presence.card_hash, &presence.from) else {
        return;
    };
    let jid = from.to_bare();
    let cards = &mut state.cards;
    // The presence path: the same hash again (nearly every presence) costs
    // a lookup, no allocation.
    let changed = match cards.hashes.get_mut(&jid) {
        Some(before) if before == hash => return,
        Some(before) => {
            before.clone_from(hash);
            true
        }
        None => {
            if cards.hashes.len() >= MAX_CARDS {
                cards.hashes.clear();
            }
            cards.hashes.insert(jid.clone(), hash.clone());
            false
        }
    };
    if changed && matches!(cards.by_jid.get(&jid), Some(CardState::Loaded(_))) {
        cards.by_jid.remove(&jid);
    }
}

/// VCARD-10: the user opened `jid`'s details: their card is fetched,
/// unless this session has it already or is fetching it.
pub fn on_details_opened(state: &mut State, jid: BareJid, effects: &mut Vec<Effect>) {
    if !state.is_online() {
        return;
    }
    if unsupported(state, &jid) {
        state
            .cards
            .put(jid, CardState::Failed(NO_SERVICE.to_owned()));
        return;
    }
    match state.cards.get(&jid) {
        Some(CardState::Loading | CardState::Loaded(_)) => {}
        Some(CardState::Failed(_)) | None => fetch(state, jid, None, "", effects),
    }
}

/// Asks for `jid`'s card: ours without `to` (VCARD-03), a contact's at
/// the bare JID (VCARD-01).
fn fetch(
    state: &mut State,
    jid: BareJid,
    tag: Option<u64>,
    label: &str,
    effects: &mut Vec<Effect>,
) {
    let to = (Some(&jid) != own_jid(state).as_ref()).then(|| jid.clone());
    if !matches!(state.cards.get(&jid), Some(CardState::Loaded(_))) {
        state.cards.put(jid.clone(), CardState::Loading);
    }
    effects.push(Effect::Request {
        query: Query::VcardGet(to),
        purpose: Purpose::Vcard(Step::Show {
            jid,
            tag,
            label: label.to_owned(),
        }),
    });
}

/// `/vcard set FIELD [VALUE]`: reads our card first (VCARD-04).
pub fn set(
    state: &mut State,
    tag: u64,
    label: &str,
    field: Field,
    value: Option<String>,
    effects: &mut Vec<Effect>,
) -> Outcome {
    if state.cards.server_support == Some(false) {
        return Outcome::Failed(NO_SERVICE.to_owned());
    }
    state.cards.edits.insert(
        tag,
        Edit {
            label: label.to_owned(),
            field,
            value,
        },
    );
    effects.push(Effect::Request {
        query: Query::VcardGet(None),
        purpose: Purpose::Vcard(Step::Fetch { tag }),
    });
    Outcome::Pending
}

/// `/vcard retry` (VCARD-06): the refused edit, again.
pub fn retry(state: &mut State, tag: u64, effects: &mut Vec<Effect>) -> Outcome {
    match state.cards.refused.take() {
        Some(edit) => {
            let label = edit.label.clone();
            set(state, tag, &label, edit.field, edit.value, effects)
        }
        None => Outcome::Failed("no refused change of your card to send again".to_owned()),
    }
}

/// VCARD-02: the error answers that mean "no card".
pub fn means_no_card(error: &StanzaError) -> bool {
    matches!(
        error.condition,
        StanzaCondition::ItemNotFound | StanzaCondition::ServiceUnavailable
    )
}

/// The card an answer holds; each shape of "no card" (an empty result,
/// `item-not-found`, `service-unavailable`) is an empty card (VCARD-02).
fn card_of(result: Result<Answer, RequestError>) -> Result<VCard, RequestError> {
    match result {
        Ok(Answer::Vcard(card)) => Ok(card),
        Ok(_) => Ok(VCard::default()),
        Err(RequestError::Stanza(error)) if means_no_card(&error) => Ok(VCard::default()),
        Err(error) => Err(error),
    }
}

/// The server answered a card request.
pub fn on_reply(
    state: &mut State,
    step: Step,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match step {
        Step::Show { jid, tag, label } => on_card(state, jid, tag, label, result, effects),
        Step::Fetch { tag } => on_fetched(state, tag, result, effects),
        Step::Store { tag } => on_stored(state, tag, result, effects),
        Step::Verify { tag } => on_verified(state, tag, result, effects),
    }
}

fn on_card(
    state: &mut State,
    jid: BareJid,
    tag: Option<u64>,
    label: String,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let outcome = match card_of(result) {
        Ok(card) => {
            let text = describe(&jid, &card);
            let fields = card.card().lines().len();
            state.cards.put(jid, CardState::Loaded(card));
            if tag.is_some() {
                effects.push(Effect::Emit(Event::Info { text }));
            }
            Outcome::Done(match fields {
                0 => "no card published".to_owned(),
                1 => "1 field".to_owned(),
                n => format!("{n} fields"),
            })
        }
        Err(error) => {
            let why = format!("could not fetch the card: {error}");
            state.cards.put(jid, CardState::Failed(why.clone()));
            Outcome::Failed(why)
        }
    };
    if let Some(tag) = tag {
        report(state, tag, label, outcome, effects);
    }
}

/// A card as readable lines: a heading naming whose it is, then one line
/// per value, sanitised (SEC-05).
pub fn describe(jid: &BareJid, card: &VCard) -> String {
    let lines = card.card().lines();
    if lines.is_empty() {
        return format!("{} has published no card", one_line(jid.as_str()));
    }
    let mut text = format!("card of {}:", one_line(jid.as_str()));
    for (label, value) in lines {
        text.push_str(&format!("\n  {label}: {}", one_line(&value)));
    }
    text
}

/// Ends edit `tag` with a failure, keeping it for `/vcard retry`.
fn refuse(state: &mut State, tag: u64, why: String, effects: &mut Vec<Effect>) {
    if let Some(edit) = state.cards.edits.remove(&tag) {
        let label = edit.label.clone();
        state.cards.refused = Some(edit);
        report(
            state,
            tag,
            label,
            Outcome::Failed(format!("{why}; /vcard retry sends the change again")),
            effects,
        );
    }
}

fn on_fetched(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let mut card = match card_of(result) {
        Ok(card) => card,
        Err(error) => {
            return refuse(
                state,
                tag,
                format!("could not read your card first: {error}"),
                effects,
            );
        }
    };
    let Some(edit) = state.cards.edits.get(&tag) else {
        return;
    };
    card.set(edit.field, edit.value.as_deref());
    effects.push(Effect::Request {
        query: Query::VcardSet(card),
        purpose: Purpose::Vcard(Step::Store { tag }),
    });
}

/// VCARD-06: a refused set in words.
pub fn explain_refusal(error: &StanzaError) -> String {
    let mut text = match error.condition {
        StanzaCondition::Forbidden | StanzaCondition::NotAllowed => {
            "the server does not let you change this card".to_owned()
        }
        StanzaCondition::InternalServerError => {
            "the server could not store your card; try again later".to_owned()
        }
        _ if error.error_type == ErrorType::Wait => {
            "the server cannot store your card now; try again later".to_owned()
        }
        StanzaCondition::UndefinedCondition => "the server refused your card".to_owned(),
        _ => format!(
            "the server refused your card ({})",
            error.condition.as_str()
        ),
    };
    if let Some(said) = error
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        text.push_str(&format!(": {}", one_line(said)));
    }
    text
}

fn on_stored(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    match result {
        Ok(_) => effects.push(Effect::Request {
            query: Query::VcardGet(None),
            purpose: Purpose::Vcard(Step::Verify { tag }),
        }),
        Err(RequestError::Stanza(error)) => {
            refuse(state, tag, explain_refusal(&error), effects);
        }
        Err(error) => refuse(
            state,
            tag,
            format!("your card was not stored: {error}"),
            effects,
        ),
    }
}

/// VCARD-09: what the server stored, compared with what was set.
fn on_verified(
    state: &mut State,
    tag: u64,
    result: Result<Answer, RequestError>,
    effects: &mut Vec<Effect>,
) {
    let Some(edit) = state.cards.edits.remove(&tag) else {
        return;
    };
    state.cards.refused = None;
    let field = edit.field.as_str();
    let outcome = match (card_of(result), own_jid(state)) {
        (Ok(card), Some(own)) => {
            let mut wanted = VCard::default();
            wanted.set(edit.field, edit.value.as_deref());
            let wanted = wanted.value(edit.field);
            let stored = card.value(edit.field);
            let text = if stored == wanted {
                match &stored {
                    Some(value) => format!("{field} is now \"{}\"", one_line(value)),
                    None => format!("{field} is cleared"),
                }
            } else {
                let mut text = match &stored {
                    Some(value) => {
                        format!("sent; the server stored {field} as \"{}\"", one_line(value))
                    }
                    None => format!("sent; the server did not keep {field}"),
                };
                // Prosody's mod_vcard_legacy turns DESC into NOTE.
                if edit.field == Field::Desc
                    && wanted.is_some()
                    && card.value(Field::Note) == wanted
                {
                    text.push_str(" (it keeps it as note)");
                }
                text
            };
            effects.push(Effect::Emit(Event::Info {
                text: format!("as stored by the server: {}", describe(&own, &card)),
            }));
            state.cards.put(own, CardState::Loaded(card));
            Outcome::Done(text)
        }
        (Err(error), _) => Outcome::Done(format!(
            "{field} sent, but the card could not be read back: {error}"
        )),
        (Ok(_), None) => Outcome::Done(format!("{field} sent")),
    };
    report(state, tag, edit.label, outcome, effects);
}
