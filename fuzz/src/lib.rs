//! The code the fuzz targets run, shared with `tests/fuzz_corpus.rs` (which
//! includes this file with `#[path]`), so the corpus replay in CI and the
//! libFuzzer targets drive exactly the same paths.
//!
//! - [`stream_reader`]: raw bytes, cut into chunks by a plan read from the
//!   first bytes, through [`XmlReader`]; the result must not depend on the
//!   chunking.
//! - [`stanzas`]: the input wrapped in a stream header, every element of it
//!   through every stanza decoder, the decoded events through `app::update`
//!   on a logged-in store, then one frame drawn; no escape sequence may
//!   reach a terminal cell.
//! - [`vcard`]: the input wrapped in a stream header, every `<vCard/>` in
//!   it (at any depth) read as a contact card, written back whole, edited
//!   field by field (nothing else may change), and drawn in a contact's
//!   details pane (VCARD-04, VCARD-07, VCARD-08, SEC-05).
//! - [`omemo`]: the input wrapped in a stream header, every element in it
//!   read as a device list and a bundle in both OMEMO namespaces, as
//!   `<encrypted/>` and (its text) as an SCE envelope; whatever reads must
//!   stay within the caps and write back to the same value (OMEMO-40).
//! - [`omemo_wire`]: raw bytes through the binary decoders of both
//!   namespaces against fixed sessions: as a key exchange, a ratchet
//!   message and a payload; a failure must change nothing, so the next
//!   genuine message still decrypts (OMEMO-23, OMEMO-40).
//!
//! Nothing here may panic except the assertions that are the oracles. It
//! depends only on `balcony` and the crates `balcony` itself depends on, so
//! it compiles both in the fuzz package and as a test module.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use balcony::app::bookmarks::Step;
use balcony::app::{Effect, Msg, Purpose, State, ViewMsg, update};
use balcony::xmpp::element::Element;
use balcony::xmpp::error::{
    Error, ErrorType, SaslFailure, StanzaCondition, StanzaError, StreamError,
};
use balcony::xmpp::login::StreamFeatures;
use balcony::xmpp::ns;
use balcony::xmpp::query::Query;
use balcony::xmpp::reader::{ReaderLimits, StreamEvent, XmlReader};
use balcony::xmpp::session::{RequestError, SessionEvent};
use balcony::xmpp::stanza::bookmarks::{self, Bookmark, Storage};
use balcony::xmpp::stanza::carbons::{self, Carbon};
use balcony::xmpp::stanza::chat_states::ChatState;
use balcony::xmpp::stanza::conference::DirectInvite;
use balcony::xmpp::stanza::csi::{self, ClientState};
use balcony::xmpp::stanza::data_form::DataForm;
use balcony::xmpp::stanza::delay::Delay;
use balcony::xmpp::stanza::forward::Forwarded;
use balcony::xmpp::stanza::hints::{self, Hint};
use balcony::xmpp::stanza::iq::{Iq, IqType};
use balcony::xmpp::stanza::mam::{self, ArchivedMessage, Fin, MamQuery};
use balcony::xmpp::stanza::message::{Message, MessageType};
use balcony::xmpp::stanza::muc::{Join, MucUser};
use balcony::xmpp::stanza::presence::Presence;
use balcony::xmpp::stanza::privacy::{self, PrivacyItem};
use balcony::xmpp::stanza::pubsub;
use balcony::xmpp::stanza::roster::{self, RosterItem, RosterQuery};
use balcony::xmpp::stanza::rsm::{Cursor, SetQuery, SetResult};
use balcony::xmpp::stanza::{
    blocking, correction, jid_attr, lang, markers, me, receipts, stable_id,
};
use jid::BareJid;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::io::{AsyncRead, ReadBuf};

/// The server's stream header the `stanzas` input is wrapped in.
pub const HEADER: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='fuzz-1' \
    version='1.0' xml:lang='en'>";
pub const FOOTER: &str = "</stream:stream>";

/// Our account in the logged-in store.
pub const OWN_JID: &str = "juliet@example.com/balcony";
pub const OWN_BARE: &str = "juliet@example.com";

/// How the `stream_reader` input is read: chunk sizes and reader limits,
/// taken from its first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Sizes of successive reads, cycled; empty means one read of it all.
    pub chunks: Vec<usize>,
    pub limits: ReaderLimits,
}

/// Splits a `stream_reader` input into its plan and the bytes to read.
///
/// Byte 0: bits 0–2 are how many chunk-size bytes follow (each gives a size
/// of `b % 64 + 1`); bit 3 asks for small limits, given by two more bytes
/// (stanza bytes `16 * (b + 1)`, depth `b % 64 + 1`). A space (0x20) is the
/// plain plan, so a seed that starts with one space is readable XML.
pub fn split_plan(data: &[u8]) -> (Plan, &[u8]) {
    let mut plan = Plan {
        chunks: Vec::new(),
        limits: ReaderLimits::default(),
    };
    let Some((&control, mut rest)) = data.split_first() else {
        return (plan, data);
    };
    let count = usize::from(control & 0x07).min(rest.len());
    plan.chunks = rest[..count]
        .iter()
        .map(|b| usize::from(b % 64) + 1)
        .collect();
    rest = &rest[count..];
    if control & 0x08 != 0 && rest.len() >= 2 {
        plan.limits = ReaderLimits {
            max_stanza_bytes: 16 * (usize::from(rest[0]) + 1),
            max_depth: usize::from(rest[1] % 64) + 1,
        };
        rest = &rest[2..];
    }
    (plan, rest)
}

/// How a read of a whole input ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// `</stream:stream>` (or an empty root).
    Closed,
    /// The reader failed: the stream condition we would send, and the text.
    Failed {
        condition: Option<&'static str>,
        message: String,
    },
}

/// Everything a reader produced from one input, for comparing readings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<StreamEvent>,
    pub end: End,
}

/// An in-memory transport that hands out its bytes in reads of the given
/// sizes, never waiting.
pub struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    next: usize,
}

impl<'a> Chunked<'a> {
    pub fn new(data: &'a [u8], sizes: &'a [usize]) -> Self {
        Chunked {
            data,
            sizes,
            next: 0,
        }
    }
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let size = match this.sizes {
            [] => usize::MAX,
            sizes => sizes[this.next % sizes.len()].max(1),
        };
        this.next = this.next.wrapping_add(1);
        let n = size.min(this.data.len()).min(buf.remaining());
        buf.put_slice(&this.data[..n]);
        this.data = &this.data[n..];
        Poll::Ready(Ok(()))
    }
}

/// Runs a future whose I/O is all in memory. Such a future never waits, so
/// `Pending` would mean the reader lost track of its input: that is a bug.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("an in-memory read returned Pending"),
    }
}

/// Reads `data` to its end or first error, in reads of `chunks` bytes.
pub fn read_stream(data: &[u8], chunks: &[usize], limits: ReaderLimits) -> Outcome {
    let mut reader = XmlReader::new(Chunked::new(data, chunks), limits);
    let mut events = Vec::new();
    // Every event consumes input, so more events than bytes means a loop.
    let most = data.len() + 2;
    loop {
        match block_on(reader.next()) {
            Ok(StreamEvent::End) => {
                // The end is sticky: asking again must not read on.
                assert_eq!(block_on(reader.next()).ok(), Some(StreamEvent::End));
                return Outcome {
                    events,
                    end: End::Closed,
                };
            }
            Ok(event) => events.push(event),
            Err(error) => {
                let end = End::Failed {
                    condition: error.stream_condition(),
                    message: error.to_string(),
                };
                // An error kills the stream for good.
                assert!(block_on(reader.next()).is_err());
                return Outcome { events, end };
            }
        }
        assert!(events.len() <= most, "the reader keeps producing events");
    }
}

/// The `stream_reader` target: the plan's chunking must read exactly like
/// one read of everything.
pub fn stream_reader(data: &[u8]) {
    let (plan, xml) = split_plan(data);
    let chunked = read_stream(xml, &plan.chunks, plan.limits);
    if !plan.chunks.is_empty() {
        let whole = read_stream(xml, &[], plan.limits);
        assert_eq!(
            comparable(chunked, xml),
            comparable(whole, xml),
            "the outcome depends on the chunking"
        );
    }
}

/// `outcome` of reading `xml`, without the one known chunk-dependent
/// difference, which is cosmetic: after a byte order mark that arrived
/// split over the first reads, error messages quote it and count it in
/// byte offsets, and after a whole one they do not. The condition still has
/// to agree. See the ignored
/// `bug_a_split_byte_order_mark_is_not_quoted_in_the_error` in
/// `tests/fuzz_corpus.rs`; make this the identity once that passes.
pub fn comparable(mut outcome: Outcome, xml: &[u8]) -> Outcome {
    if let End::Failed { message, .. } = &mut outcome.end
        && xml.starts_with(b"\xEF\xBB\xBF")
    {
        message.clear();
    }
    outcome
}

/// The `stanzas` input as a stream the server could send.
pub fn wrap(data: &[u8]) -> Vec<u8> {
    let mut stream = Vec::with_capacity(HEADER.len() + data.len() + FOOTER.len());
    stream.extend_from_slice(HEADER.as_bytes());
    stream.extend_from_slice(data);
    stream.extend_from_slice(FOOTER.as_bytes());
    stream
}

/// The `stanzas` target.
pub fn stanzas(data: &[u8]) {
    stanzas_with(data, true);
}

/// [`stanzas`], drawing the screen only when `draw` is set: drawing costs
/// more than the rest, and the replay test's mutation loop has a budget.
pub fn stanzas_with(data: &[u8], draw: bool) {
    let outcome = read_stream(&wrap(data), &[], ReaderLimits::default());
    let mut app = App::in_room();
    let mut written = String::new();
    for event in &outcome.events {
        if let StreamEvent::Stanza(element) = event {
            decode_everything(element, &mut written);
            app.receive(element);
        }
    }
    assert_rereads(&written);
    if let End::Failed { message, .. } = outcome.end {
        app.apply(SessionEvent::Closed {
            error: Some(message),
            retryable: true,
        });
    }
    if draw {
        app.draw_and_check();
    }
}

/// Runs every decoder on `element` and on each element inside it, and
/// appends what the typed stanzas write back to `written`.
pub fn decode_everything(element: &Element, written: &mut String) {
    let mut stack = vec![element];
    while let Some(element) = stack.pop() {
        stack.extend(element.children());
        if let Ok(message) = Message::parse(element) {
            let _ = (
                message.body("en"),
                message.subject("it"),
                message.is_empty(),
            );
            let _ = message.reply("r");
            let _ = message.error_reply(StanzaError::new(
                ErrorType::Cancel,
                StanzaCondition::ServiceUnavailable,
            ));
            written.push_str(&message.to_element().to_xml());
        }
        if let Ok(presence) = Presence::parse(element) {
            let _ = presence.status("en-GB");
            written.push_str(&presence.to_element().to_xml());
        }
        if let Ok(iq) = Iq::parse(element) {
            let _ = iq.to_element().to_xml();
            if iq.kind.is_request() {
                // CORE-22 echoes the payload back to the server.
                let refusal = Iq::error_for(&iq, StanzaError::from_stanza(element));
                written.push_str(&refusal.to_element().to_xml());
            }
        }
        if let Ok(query) = RosterQuery::parse(element) {
            for item in &query.items {
                let _ = roster::set_item(item).to_xml();
            }
        }
        let _ = roster::parse_push(element);
        let _ = RosterItem::parse(element);
        if let Ok(list) = privacy::parse_list(element) {
            let _ = list.validate();
            let _ = privacy::set_list(&list).to_xml();
        }
        let _ = privacy::parse_names(element);
        let _ = privacy::parse_push(element);
        let _ = PrivacyItem::parse(element);
        if let Ok(jids) = blocking::parse_blocklist(element) {
            let _ = blocking::block(&jids).to_xml();
        }
        let _ = blocking::parse_push(element);
        let _ = StanzaError::from_element(element).to_string();
        let _ = StanzaError::from_stanza(element).to_element();
        let _ = StreamError::from_element(element).to_string();
        let _ = SaslFailure::from_element(element).to_string();
        let _ = StreamFeatures::parse(element);
        let _ = lang::collect(element, "body");
        decode_extensions(element, written);
        decode_bookmarks(element, written);
    }
}

/// Runs the pubsub and bookmark decoders (XEP-0060 events and items,
/// XEP-0402 conferences, XEP-0048 storage) on `element` and writes back
/// what balcony would publish or store from them.
fn decode_bookmarks(element: &Element, written: &mut String) {
    if let Ok(event) = pubsub::parse_event(element, 64)
        && let pubsub::EventKind::Items { items, .. } = &event.kind
    {
        for item in &items.items {
            if let Ok(Some(bookmark)) = Bookmark::from_item(item) {
                let publish = pubsub::publish(
                    &event.node,
                    &bookmark.to_item(),
                    Some(&bookmarks::publish_options()),
                );
                written.push_str(&publish.to_xml());
            }
        }
    }
    if let Ok(items) = pubsub::parse_items(element, balcony::xmpp::ns::BOOKMARKS, 64) {
        for item in &items.items {
            let _ = Bookmark::from_item(item);
        }
    }
    if let Ok(storage) = Storage::parse(element, 64) {
        let mut again = storage.clone();
        if let Some(first) = storage.bookmarks().next() {
            again.upsert(first.clone());
            let _ = again.remove(&first.room);
        }
        written.push_str(&bookmarks::private_set(&again).to_xml());
    }
    let _ = bookmarks::parse_private(Some(element), 64);
    // MUC-01, MUC-02, MUC-35: room listings and affiliation lists.
    let page = balcony::xmpp::stanza::disco::parse_items(Some(element), 64);
    if let Some(last) = page.set.and_then(|set| set.last) {
        written.push_str(&balcony::xmpp::stanza::disco::items_request(Some(&last), 100).to_xml());
    }
    let _ = balcony::xmpp::stanza::muc::admin::parse_list(Some(element));
    // DISCO-13, UPLOAD-01: a whole disco#info with its extended forms.
    let info = balcony::xmpp::stanza::disco::parse_info(Some(element));
    if let Some(node) = &info.node {
        written.push_str(&balcony::xmpp::stanza::disco::info_request(Some(node)).to_xml());
    }
    for form in &info.forms {
        let _ = form.form_type();
    }
    // VCARD-04: a card written back whole.
    if let Ok(card) = balcony::xmpp::stanza::vcard::VCard::parse(element) {
        let _ = card.card().lines();
        written.push_str(&card.to_element().to_xml());
    }
    // CAPS-02, CAPS-09: an answer checked against a claimed ver never
    // panics, and a verified one verifies again from its own S.
    if let Ok(s) = balcony::xmpp::stanza::caps::verification_string(&info) {
        use balcony::xmpp::stanza::caps::{Algorithm, Verdict, verify};
        let ver = Algorithm::Sha1.digest(&s);
        assert_eq!(verify(Algorithm::Sha1, &ver, &info), Verdict::Verified);
    }
    // CAPS-07, CAPS-08: a contact's `<c/>`, bounded, reads back the same.
    if let Some(caps) = balcony::xmpp::stanza::caps::Announced::of(element) {
        assert!(caps.ver.len() <= balcony::xmpp::stanza::caps::MAX_VER_BYTES);
        let wrapped = balcony::xmpp::element::Element::new("presence", balcony::xmpp::ns::CLIENT)
            .with_child(caps.to_element());
        assert_eq!(
            balcony::xmpp::stanza::caps::Announced::of(&wrapped),
            Some(caps)
        );
        written.push_str(&wrapped.to_xml());
    }
    // UPLOAD-04, UPLOAD-05, UPLOAD-10: a slot, and a link in a message.
    if let Ok(slot) = balcony::xmpp::stanza::upload::parse_slot(Some(element)) {
        for (name, value) in &slot.headers {
            assert!(
                !name.contains(['\r', '\n']) && !value.contains(['\r', '\n']),
                "a header kept a line break"
            );
        }
    }
    if let Some(oob) = balcony::xmpp::stanza::oob::Oob::of(element) {
        let again = Element::new("message", ns::CLIENT).with_child(oob.to_element());
        assert_eq!(
            balcony::xmpp::stanza::oob::Oob::of(&again),
            Some(oob),
            "a link reads back as written"
        );
    }
}

/// Our bare JID, as the trust checks of carbons, stable ids and archive
/// results take it.
fn own_bare() -> BareJid {
    match BareJid::new(OWN_BARE) {
        Ok(own) => own,
        Err(_) => unreachable!("a valid JID"),
    }
}

/// Runs the message-extension decoders (carbons, forwarding, delay, hints,
/// stable ids, archive results and fins, RSM, receipts, markers, chat
/// states, corrections, CSI, /me) on `element`. Each decoded value must
/// decode again from what it writes, unchanged; what the replies built
/// from hostile values would send goes to `written`.
fn decode_extensions(element: &Element, written: &mut String) {
    let own = own_bare();
    let from = jid_attr(element, "from").ok().flatten();
    let wrap = |child: Element| Element::new("message", ns::CLIENT).with_child(child);
    if let Ok(Some(carbon)) = Carbon::parse(element) {
        let _ = carbons::carbon_from_own_account(from.as_ref(), &own);
        let _ = carbon.peer();
        let again = Carbon::parse(&wrap(carbon.to_element()));
        assert_eq!(again, Ok(Some(carbon)), "a carbon reads back changed");
    }
    if let Ok(Some(result)) = ArchivedMessage::parse(element) {
        let _ = mam::result_from_archive(from.as_ref(), &own, &own);
        let again = ArchivedMessage::parse(&wrap(result.to_element()));
        assert_eq!(
            again.as_ref(),
            Ok(&Some(result.clone())),
            "a result reads back changed"
        );
        // The next page after it, and the conversation's history from its time.
        let query = MamQuery {
            with: result.forwarded.message.from.clone(),
            start: Some(result.stamp.clone()),
            page: SetQuery {
                max: Some(50),
                cursor: Some(Cursor::After(result.id.clone())),
            },
            ..MamQuery::new(result.queryid.unwrap_or_else(mam::new_queryid))
        };
        written.push_str(&Iq::set(query.to_element()).to_element().to_xml());
    }
    if let Ok(forwarded) = Forwarded::parse(element) {
        let again = Forwarded::parse(&forwarded.to_element());
        assert_eq!(
            again,
            Ok(forwarded),
            "a forwarded message reads back changed"
        );
    }
    if let Ok(delay) = Delay::parse(element) {
        assert_eq!(
            Delay::parse(&delay.to_element()),
            Ok(delay),
            "a delay reads back changed"
        );
    }
    if let Ok(fin) = Fin::parse(element) {
        assert_eq!(
            Fin::parse(&fin.to_element()).as_ref(),
            Ok(&fin),
            "a fin reads back changed"
        );
        let page = SetQuery {
            max: Some(50),
            cursor: fin.set.first.map(Cursor::Before),
        };
        written.push_str(&page.to_element().to_xml());
    }
    if let Ok(set) = SetResult::parse(element) {
        assert_eq!(
            SetResult::parse(&set.to_element()),
            Ok(set),
            "a set reads back changed"
        );
    }
    if let Ok(hint) = Hint::parse(element) {
        assert_eq!(Hint::parse(&hint.to_element()), Ok(hint));
    }
    let _ = hints::hints(element);
    let _ = carbons::is_private(element);
    let _ = stable_id::parse_stanza_ids(element);
    let _ = stable_id::trusted_stanza_id(element, &own);
    if let Some(origin) = stable_id::parse_origin_id(element) {
        written.push_str(&stable_id::origin_id(&origin).to_xml());
    }
    if let Ok(Some(state)) = ChatState::of(element) {
        assert_eq!(ChatState::of(&wrap(state.to_element())), Ok(Some(state)));
    }
    if let Some(state) = ClientState::parse(element) {
        written.push_str(&state.to_element().to_xml());
    }
    // XEP-0045: what a room says, and the join we send.
    if let Some(user) = MucUser::of(element) {
        let x = user.to_element();
        assert_eq!(MucUser::parse(&x), user, "a muc#user x reads back changed");
        written.push_str(&x.to_xml());
    }
    // XEP-0004: a form (a room's configuration) read, and submitted whole.
    if let Some(form) = DataForm::of(element).or_else(|| element.children().find_map(DataForm::of))
    {
        let submitted = DataForm::parse(&form.to_submit());
        assert!(
            submitted.fields.len() <= form.fields.len(),
            "a submit adds fields"
        );
        written.push_str(&form.to_submit().to_xml());
    }
    // XEP-0249: a direct invitation, read back as written.
    if let Some(invite) = DirectInvite::of(element) {
        let again =
            DirectInvite::of(&Element::new("message", ns::CLIENT).with_child(invite.to_element()));
        assert_eq!(
            again,
            Some(invite),
            "a direct invitation reads back changed"
        );
    }
    if let Some(join) = Join::of(element) {
        let again = Join::of(&Element::new("presence", ns::CLIENT).with_child(join.to_element()));
        assert_eq!(again, Some(join), "a join x reads back changed");
    }
    let _ = csi::offered(element);
    // Replies a careless app could build from what a peer sent: they must
    // still be XML a server reads.
    let to = from.unwrap_or_else(|| own.clone().into());
    if receipts::is_requested(element)
        && let Some(id) = element.attr("id")
    {
        written.push_str(&receipts::answer(to.clone(), MessageType::Chat, id).to_xml());
    }
    for id in [
        receipts::received_id(element),
        markers::displayed_id(element),
        correction::replaced_id(element),
    ]
    .into_iter()
    .flatten()
    {
        written.push_str(&markers::marker_message(to.clone(), MessageType::Chat, &id).to_xml());
        written.push_str(&correction::replace(&id).to_xml());
    }
    let _ = markers::is_markable(element);
    if element.is("body", ns::CLIENT) {
        let body = element.text();
        let _ = me::action(&body);
        let _ = me::plain_text("Romeo", &body);
    }
}

/// What we write must be XML our own reader (and so a server) accepts.
fn assert_rereads(xml: &str) {
    if xml.is_empty() {
        return;
    }
    let outcome = read_stream(&wrap(xml.as_bytes()), &[], ReaderLimits::default());
    assert_eq!(
        outcome.end,
        End::Closed,
        "our own stanzas do not read back: {xml}"
    );
}

/// A logged-in store and the requests it is waiting on, answered in order
/// by the IQ results and errors of the input, as a server would.
/// The room the fuzzed store is in.
const ROOM: &str = "verona@conference.example.com";

pub struct App {
    pub state: State,
    pending: VecDeque<(Purpose, Query)>,
    at: i64,
}

impl App {
    /// Logged in as [`OWN_JID`] with a small roster; the server announced
    /// the blocking command and privacy lists, so the blocklist fetch is
    /// the request waiting for the first IQ result.
    pub fn logged_in() -> App {
        let mut app = App {
            state: State::default(),
            pending: VecDeque::new(),
            at: 1_700_000_000,
        };
        let Ok(jid) = jid::FullJid::new(OWN_JID) else {
            unreachable!("a valid JID");
        };
        app.apply(SessionEvent::Online {
            jid,
            features: StreamFeatures::default(),
        });
        let roster = Element::new("query", ns::ROSTER)
            .with_attr("ver", "v1")
            .with_child(
                Element::new("item", ns::ROSTER)
                    .with_attr("jid", "romeo@example.net")
                    .with_attr("name", "Romeo")
                    .with_attr("subscription", "both")
                    .with_child(Element::new("group", ns::ROSTER).with_text("Friends")),
            )
            .with_child(
                Element::new("item", ns::ROSTER)
                    .with_attr("jid", "nurse@example.com")
                    .with_attr("ask", "subscribe"),
            );
        app.answer(Ok(result(Some(roster))));
        let mut disco = Element::new("query", ns::DISCO_INFO);
        for feature in [ns::BLOCKING, ns::PRIVACY] {
            disco.push_child(Element::new("feature", ns::DISCO_INFO).with_attr("var", feature));
        }
        app.answer(Ok(result(Some(disco))));
        app
    }

    /// [`App::logged_in`], and in a room, so room traffic reaches the room
    /// area (XEP-0045).
    pub fn in_room() -> App {
        let mut app = App::logged_in();
        // In a room, so its traffic reaches the room area (XEP-0045).
        let (Ok(room), mut effects) = (BareJid::new(ROOM), Vec::new()) else {
            unreachable!("a valid JID");
        };
        let joined = balcony::app::room::join(
            &mut app.state,
            balcony::app::room::RoomJoin {
                room: room.clone(),
                nick: "juliet".into(),
                password: None,
                nick_is_default: false,
            },
            app.at,
            &mut effects,
        );
        if joined.is_ok() {
            app.update(Msg::Reply {
                purpose: Purpose::RoomInfo { room },
                result: Ok(balcony::xmpp::query::Answer::Features(Vec::new())),
            });
        }
        app
    }

    /// Applies one session event, remembering the requests it starts.
    pub fn apply(&mut self, event: SessionEvent) {
        self.at += 1;
        let at = self.at;
        self.update(Msg::Session { event, at });
    }

    fn update(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            match effect {
                Effect::Request { purpose, query } => self.pending.push_back((purpose, query)),
                Effect::Emit(event) => {
                    let line = event.to_line();
                    assert_terminal_safe(&line, "an event line");
                    let _ = event.to_json();
                }
                _ => {}
            }
        }
    }

    /// Finds the request a reply answers. The session matches by id, which
    /// the input cannot know, so a roster or disco#info payload picks the
    /// request of that kind, and anything else answers the oldest one; with
    /// none waiting it is taken as a roster result, the reply every login
    /// starts with.
    fn answer(&mut self, result: Result<Iq, RequestError>) {
        let payload = result.as_ref().ok().and_then(|iq| iq.payload.as_ref());
        let roster_get = || {
            (
                Purpose::RosterGet { versioned: false },
                Query::RosterGet { ver: None },
            )
        };
        let wanted = match payload {
            Some(p) if p.is("query", ns::ROSTER) => Some(roster_get()),
            Some(p)
                if p.is("query", ns::DISCO_INFO)
                    && p.attr("node") == Some(balcony::xmpp::query::RESERVED_NICK_NODE) =>
            {
                BareJid::new(ROOM).ok().map(|room| {
                    (
                        Purpose::ReservedNick { room: room.clone() },
                        Query::ReservedNick(room),
                    )
                })
            }
            Some(p) if p.is("query", balcony::xmpp::stanza::muc::register::NS) => {
                BareJid::new(ROOM).ok().map(|room| {
                    (
                        Purpose::RoomRegister {
                            tag: 0,
                            label: String::new(),
                            pending: balcony::app::room::register::Pending {
                                room: room.clone(),
                                nick: "juliet".into(),
                                submitted: false,
                            },
                        },
                        Query::RoomRegisterForm(room),
                    )
                })
            }
            Some(p) if p.is("query", ns::DISCO_INFO) => {
                Some((Purpose::ServerInfo, Query::ServerInfo))
            }
            Some(p) if p.is("pubsub", ns::PUBSUB) => Some((
                Purpose::Bookmarks(Step::Retrieve),
                Query::PubsubItems {
                    node: ns::BOOKMARKS.to_owned(),
                },
            )),
            Some(p) if p.is("query", ns::PRIVATE) => {
                Some((Purpose::Bookmarks(Step::Retrieve), Query::PrivateBookmarks))
            }
            // VCARD-10: a card asked for by the details pane.
            Some(p) if p.is("vCard", ns::VCARD) => BareJid::new(CARD_OF).ok().map(|jid| {
                (
                    Purpose::Vcard(balcony::app::vcard::Step::Show {
                        jid: jid.clone(),
                        tag: None,
                        label: String::new(),
                    }),
                    Query::VcardGet(Some(jid)),
                )
            }),
            _ => None,
        };
        let (purpose, query) = match wanted {
            Some(wanted) => {
                let same_kind = |(p, _): &(Purpose, Query)| {
                    std::mem::discriminant(p) == std::mem::discriminant(&wanted.0)
                };
                match self.pending.iter().position(same_kind) {
                    Some(i) => self.pending.remove(i).unwrap_or(wanted),
                    None => wanted,
                }
            }
            None => self.pending.pop_front().unwrap_or_else(roster_get),
        };
        // Decoded as the session does it, where the reply arrives.
        let result = result.and_then(|iq| query.decode(iq));
        self.update(Msg::Reply { purpose, result });
    }

    /// What the session task would make of `element` (see
    /// `xmpp::session`): events for messages, presence and pushes from our
    /// own account, replies for results and errors, notices for the rest.
    pub fn receive(&mut self, element: &Element) {
        if element.is("error", ns::STREAM) {
            let error = StreamError::from_element(element);
            let retryable = Error::Stream(error.clone()).is_retryable();
            self.apply(SessionEvent::Closed {
                error: Some(error.to_string()),
                retryable,
            });
            return;
        }
        if element.ns() != ns::CLIENT {
            return;
        }
        match element.name() {
            // PEP-03: a notification, never a message (as the session
            // decides).
            "message" if pubsub::is_event(element) => {
                match pubsub::parse_event(element, balcony::xmpp::query::MAX_ITEMS) {
                    Ok(event) => match jid_attr(element, "from") {
                        Ok(from) => self.apply(SessionEvent::Pubsub { from, event }),
                        Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
                    },
                    Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
                }
            }
            "message" => match Message::parse(element) {
                Ok(message) => self.apply(SessionEvent::Message(message)),
                Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
            },
            "presence" => match Presence::parse(element) {
                Ok(presence) => self.apply(SessionEvent::Presence(presence)),
                Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
            },
            "iq" => match Iq::parse(element) {
                Ok(iq) => self.receive_iq(iq),
                Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
            },
            other => self.apply(SessionEvent::Rejected(format!("<{other}/>"))),
        }
    }

    fn receive_iq(&mut self, iq: Iq) {
        match iq.kind {
            IqType::Result => self.answer(Ok(iq)),
            IqType::Error => {
                let error = iq.error.clone().unwrap_or_else(|| {
                    StanzaError::new(ErrorType::Cancel, StanzaCondition::UndefinedCondition)
                });
                self.answer(Err(RequestError::Stanza(error)));
            }
            IqType::Get => {}
            IqType::Set => {
                // NEW-05: only our own account may push.
                let own = iq
                    .from
                    .as_ref()
                    .is_none_or(|from| from.as_str() == OWN_BARE);
                let Some(payload) = iq.payload.as_ref().filter(|_| own) else {
                    return;
                };
                let event = match (payload.ns(), payload.name()) {
                    (ns::ROSTER, "query") => roster::parse_push(payload)
                        .map(|(item, ver)| SessionEvent::RosterPush { item, ver }),
                    (ns::PRIVACY, "query") => {
                        privacy::parse_push(payload).map(|name| SessionEvent::PrivacyPush { name })
                    }
                    (ns::BLOCKING, _) => blocking::parse_push(payload).map(SessionEvent::BlockPush),
                    _ => return,
                };
                match event {
                    Ok(event) => self.apply(event),
                    Err(error) => self.apply(SessionEvent::Rejected(error.to_string())),
                }
            }
        }
    }

    /// Draws the screen with the newest conversation open and checks that
    /// no cell holds a character that could drive the terminal (SEC-05).
    pub fn draw_and_check(&mut self) {
        if let Some(newest) = self.state.chats.windows().last().map(|c| c.id) {
            self.update(Msg::View(ViewMsg::Activate(newest)));
        }
        for line in screen(&self.state, 100, 30) {
            assert_terminal_safe(&line, "the screen");
        }
    }
}

fn result(payload: Option<Element>) -> Iq {
    let mut iq = Iq::get(Element::new("x", "urn:x"));
    iq.kind = IqType::Result;
    iq.payload = payload;
    iq
}

/// Whose card the fuzzed cards are: a contact in the roster.
const CARD_OF: &str = "romeo@example.net";

/// The `vcard` target.
pub fn vcard(data: &[u8]) {
    vcard_with(data, true);
}

/// [`vcard`], drawing the details pane only when `draw` is set.
pub fn vcard_with(data: &[u8], draw: bool) {
    use balcony::xmpp::stanza::vcard::VCard;
    let outcome = read_stream(&wrap(data), &[], ReaderLimits::default());
    let mut written = String::new();
    let mut last = None;
    for event in &outcome.events {
        if let StreamEvent::Stanza(element) = event {
            let mut stack = vec![element];
            while let Some(element) = stack.pop() {
                stack.extend(element.children());
                if let Ok(card) = VCard::parse(element) {
                    check_card(&card, &mut written);
                    last = Some(card);
                }
            }
        }
    }
    assert_rereads(&written);
    if let (true, Some(card)) = (draw, last) {
        let mut app = App::logged_in();
        let Ok(jid) = BareJid::new(CARD_OF) else {
            unreachable!("a valid JID");
        };
        app.update(Msg::View(ViewMsg::Details(jid.clone())));
        // What `/vcard` prints: a line per value, each safe (SEC-05).
        for line in balcony::app::vcard::describe(&jid, &card).lines() {
            assert_terminal_safe(line, "a card line");
        }
        app.update(Msg::Reply {
            purpose: Purpose::Vcard(balcony::app::vcard::Step::Show {
                jid: jid.clone(),
                tag: None,
                label: String::new(),
            }),
            result: Ok(balcony::xmpp::query::Answer::Vcard(card)),
        });
        let mut view = balcony::ui::View {
            overlay: Some(balcony::ui::popup::Overlay::Details { jid, scroll: 0 }),
            ..balcony::ui::View::default()
        };
        for line in screen_with(&app.state, &mut view, 100, 40) {
            assert_terminal_safe(&line, "the details pane");
        }
    }
}

/// VCARD-04, VCARD-07, VCARD-08: a card written back reads as the same
/// card; its values are capped; an edit of one field changes that field
/// and leaves every other element as it was.
fn check_card(card: &balcony::xmpp::stanza::vcard::VCard, written: &mut String) {
    use balcony::xmpp::stanza::vcard::{Field, MAX_TEXT_BYTES, VCard};
    let again = card.to_element();
    assert_eq!(
        VCard::parse(&again).as_ref(),
        Ok(card),
        "a card reads back as written"
    );
    written.push_str(&again.to_xml());
    for (label, value) in card.card().lines() {
        assert!(
            value.len() <= 2 * MAX_TEXT_BYTES,
            "{label} is not capped: {} bytes",
            value.len()
        );
    }
    let others = |card: &VCard, field: Field| -> Vec<Element> {
        card.elements()
            .iter()
            .filter(|e| !(e.ns() == ns::VCARD && e.name().eq_ignore_ascii_case(field.element())))
            .cloned()
            .collect()
    };
    for field in Field::ALL {
        let mut edited = card.clone();
        edited.set(field, Some("fuzzed value"));
        assert_eq!(
            edited.value(field).as_deref(),
            Some("fuzzed value"),
            "{field:?} reads back as set"
        );
        assert_eq!(
            others(&edited, field),
            others(card, field),
            "setting {field:?} changed another element"
        );
        written.push_str(&edited.to_element().to_xml());
        edited.set(field, None);
        assert_eq!(edited.value(field), None, "{field:?} is cleared");
        assert_eq!(
            others(&edited, field),
            others(card, field),
            "clearing {field:?} changed another element"
        );
    }
}

/// The screen drawn from `state` with `view`, one string per row.
pub fn screen_with(
    state: &State,
    view: &mut balcony::ui::View,
    width: u16,
    height: u16,
) -> Vec<String> {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(terminal) => terminal,
        Err(never) => match never {},
    };
    if let Err(error) = terminal.draw(|frame| balcony::ui::draw(frame, state, view)) {
        panic!("drawing into a test backend failed: {error}");
    }
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}

/// The screen drawn from `state` with a fresh view, one string per row.
pub fn screen(state: &State, width: u16, height: u16) -> Vec<String> {
    screen_with(state, &mut balcony::ui::View::default(), width, height)
}

/// SEC-05: the characters that must never reach a terminal: C0 controls
/// (a cell or a one-line event has no use for newline or tab either), DEL,
/// C1 controls, and the bidi embedding, override, isolate and mark
/// characters.
pub fn is_terminal_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}'
        | '\u{200e}' | '\u{200f}'
    )
}

fn assert_terminal_safe(text: &str, what: &str) {
    if let Some(c) = text.chars().find(|&c| is_terminal_unsafe(c)) {
        panic!("{what} holds U+{:04X}: {text:?}", u32::from(c));
    }
}

/// The `omemo` target.
pub fn omemo(data: &[u8]) {
    let outcome = read_stream(&wrap(data), &[], ReaderLimits::default());
    let mut written = String::new();
    for event in &outcome.events {
        if let StreamEvent::Stanza(stanza) = event {
            let mut stack = vec![stanza];
            while let Some(element) = stack.pop() {
                stack.extend(element.children());
                // `Message::parse` reads the `<encrypted/>` with `Encrypted::of`.
                let _ = Message::parse(element);
                check_omemo_element(element, &mut written);
            }
        }
    }
    assert_rereads(&written);
}

/// OMEMO-40: `element` as each OMEMO element in each namespace; what reads
/// is capped and writes back to the same value.
fn check_omemo_element(element: &Element, written: &mut String) {
    use balcony::omemo::Namespace;
    use balcony::xmpp::stanza::omemo::{
        Encrypted, MAX_DEVICES, MAX_KEYS, MAX_PRE_KEYS, bundle_element, device_list_element,
        parse_bundle, parse_device_list,
    };
    for ns in [Namespace::Legacy, Namespace::Omemo2] {
        if let Ok(devices) = parse_device_list(ns, element) {
            assert!(devices.len() <= MAX_DEVICES, "{} devices", devices.len());
            let ids: Vec<u32> = devices.iter().map(|d| d.id).collect();
            for (i, id) in ids.iter().enumerate() {
                assert!((1..=i32::MAX as u32).contains(id), "device id {id}");
                assert!(!ids[..i].contains(id), "device {id} twice");
            }
            let again = device_list_element(ns, &devices);
            let reread = parse_device_list(ns, &again);
            assert_eq!(
                reread.as_ref().map(|d| d.iter().map(|d| d.id).collect()),
                Ok(ids),
                "a device list reads back as written"
            );
            // Only OMEMO 2 has labels.
            if ns == Namespace::Omemo2 {
                assert_eq!(reread.as_ref(), Ok(&devices), "labels read back as written");
            }
            written.push_str(&again.to_xml());
        }
        if let Ok(bundle) = parse_bundle(ns, element) {
            assert_eq!(bundle.ns, ns);
            assert!(
                bundle.pre_keys.len() <= MAX_PRE_KEYS,
                "{} pre-keys",
                bundle.pre_keys.len()
            );
            assert_eq!(bundle.signature.len(), 64, "the signature's length");
            let again = bundle_element(&bundle);
            assert_eq!(
                parse_bundle(ns, &again).as_ref(),
                Ok(&bundle),
                "a bundle reads back as written"
            );
            written.push_str(&again.to_xml());
            let _ = bundle.identity_curve();
            // A bundle that verifies starts a session, which can send.
            if let Some(fixture) = wire_fixtures().iter().find(|f| f.ns == ns)
                && let Ok(mut session) =
                    balcony::omemo::session::Session::initiate(&fixture.keys, &bundle)
            {
                assert!(session.encrypt(&fixture.keys, &[7; 32]).is_ok());
            }
        }
    }
    if let Ok(encrypted) = Encrypted::parse(element) {
        assert!(
            encrypted.keys.len() <= MAX_KEYS,
            "{} keys",
            encrypted.keys.len()
        );
        assert!(
            (1..=i32::MAX as u32).contains(&encrypted.sid),
            "sid {}",
            encrypted.sid
        );
        for key in &encrypted.keys {
            assert!((1..=i32::MAX as u32).contains(&key.rid), "rid {}", key.rid);
            assert_eq!(key.jid.is_some(), encrypted.ns == Namespace::Omemo2);
        }
        let again = encrypted.to_element();
        let reread = Encrypted::parse(&again);
        // OMEMO 2 writes one `<keys/>` per JID, so keys come back grouped
        // by JID, in their order within each.
        let grouped = |mut e: Encrypted| {
            e.keys.sort_by(|a, b| a.jid.cmp(&b.jid));
            e
        };
        assert_eq!(
            reread.map(grouped),
            Ok(grouped(encrypted.clone())),
            "an <encrypted/> reads back as written"
        );
        written.push_str(&again.to_xml());
    }
    let text = element.text();
    if let Ok(envelope) = balcony::xmpp::stanza::sce::parse_envelope(text.as_bytes())
        && let (Some(body), Some(from)) = (&envelope.body, &envelope.from)
    {
        let again = balcony::xmpp::stanza::sce::envelope(body, from, "pad");
        assert_eq!(
            balcony::xmpp::stanza::sce::parse_envelope(again.as_bytes()).as_ref(),
            Ok(&envelope),
            "an envelope reads back as written"
        );
    }
}

/// The sender of the genuine messages in the `omemo_wire` fixture.
pub const ALICE: &str = "alice@example.com";
/// A device with no session with us, whose key exchange we have not read.
pub const CAROL: &str = "carol@example.com";
/// Us, in the fixture.
pub const BOB: &str = "bob@example.com";
/// What the fixture's check message decrypts to.
pub const CHECK: &[u8] = b"the next genuine message";

/// The fixture as stored: per namespace, our keys (device 2), our session
/// with Alice's device 1, and Alice's next genuine message to us (key
/// element, iv, payload). `tests/fuzz_corpus.rs` writes it with the seeds
/// that are genuine for it (`write_omemo_seeds`, ignored).
pub type StoredFixture = Vec<(
    balcony::omemo::Namespace,
    balcony::omemo::session::OwnKeys,
    balcony::omemo::session::Session,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
)>;

/// One namespace's fixed state for `omemo_wire`.
pub struct WireFixture {
    pub ns: balcony::omemo::Namespace,
    pub keys: balcony::omemo::session::OwnKeys,
    pub session: balcony::omemo::session::Session,
    check_key: Vec<u8>,
    check_iv: Vec<u8>,
    check_payload: Vec<u8>,
    /// What the session decrypts `check_key` to.
    check_material: Vec<u8>,
}

impl WireFixture {
    /// Our account as the fixture has it.
    fn account(&self) -> balcony::omemo::account::Account {
        let mut account = balcony::omemo::account::Account::new(2, self.keys.clone());
        account.insert_session((ALICE.to_owned(), self.ns, 1), self.session.clone());
        account
    }

    /// OMEMO-23: after whatever `account` went through, Alice's next
    /// genuine message decrypts.
    fn assert_check_decrypts(&self, account: &mut balcony::omemo::account::Account, what: &str) {
        let key = balcony::omemo::session::KeyData {
            data: self.check_key.clone(),
            prekey: false,
        };
        let opened = account.decrypt(
            self.ns,
            ALICE,
            1,
            &key,
            &self.check_iv,
            Some(&self.check_payload),
        );
        assert_eq!(
            opened.map(|o| o.plaintext),
            Ok(Some(CHECK.to_vec())),
            "{:?}: the next genuine message no longer decrypts after {what}",
            self.ns
        );
    }
}

/// The fixture, read once.
pub fn wire_fixtures() -> &'static [WireFixture] {
    static FIXTURES: std::sync::OnceLock<Vec<WireFixture>> = std::sync::OnceLock::new();
    FIXTURES.get_or_init(|| {
        let stored: StoredFixture =
            match serde_json::from_str(include_str!("omemo_wire_fixture.json")) {
                Ok(stored) => stored,
                Err(error) => panic!("the omemo_wire fixture does not read: {error}"),
            };
        stored
            .into_iter()
            .map(|(ns, keys, session, check_key, check_iv, check_payload)| {
                let Ok(check_material) = session.clone().decrypt(&check_key) else {
                    panic!("{ns:?}: the fixture's check message does not decrypt");
                };
                WireFixture {
                    ns,
                    keys,
                    session,
                    check_key,
                    check_iv,
                    check_payload,
                    check_material,
                }
            })
            .collect()
    })
}

/// The `omemo_wire` target.
pub fn omemo_wire(data: &[u8]) {
    use balcony::omemo::account::Changes;
    use balcony::omemo::payload;
    use balcony::omemo::session::{KeyData, KeyExchange};
    for fixture in wire_fixtures() {
        let ns = fixture.ns;
        // A key exchange, accepted with our keys.
        if let Ok(exchange) = KeyExchange::parse(ns, data) {
            let _ = exchange.accept(&fixture.keys);
            let mut session = fixture.session.clone();
            if exchange.built(&session) {
                let _ = exchange.decrypt_with(&mut session);
            }
        }
        // A ratchet message to the session, which must then still read
        // the next genuine one.
        let mut session = fixture.session.clone();
        let _ = session.decrypt(data);
        assert_eq!(
            session.decrypt(&fixture.check_key).as_ref(),
            Ok(&fixture.check_material),
            "{ns:?}: the session lost its way after a hostile message"
        );
        // OMEMO-23: and that one, once read, is refused as a replay.
        assert_eq!(
            session.decrypt(&fixture.check_key),
            Err(balcony::omemo::Error::Replay),
            "{ns:?}: a message read twice"
        );
        // The key element of a message from a device we have a session
        // with and from one we have none with, both kinds.
        for (from, sid, prekey) in [(ALICE, 1, false), (ALICE, 1, true), (CAROL, 3, true)] {
            let mut account = fixture.account();
            let key = KeyData {
                data: data.to_vec(),
                prekey,
            };
            match account.decrypt(ns, from, sid, &key, &[], None) {
                Err(_) => {
                    assert_eq!(
                        account.take_changes(),
                        Changes::default(),
                        "a failure changed state"
                    );
                    assert_eq!(
                        account.keys.pre_keys, fixture.keys.pre_keys,
                        "a failure spent a pre-key"
                    );
                    fixture.assert_check_decrypts(&mut account, "a refused key element");
                }
                // A genuine message before the check leaves it readable; a
                // genuine key exchange from Alice's device may replace
                // her session, as a device that reset its own would.
                Ok(_) if !prekey => {
                    fixture.assert_check_decrypts(&mut account, "an earlier message");
                }
                Ok(_) => {}
            }
        }
        // A payload, with the iv and key material taken from the front
        // in each size the namespaces use and one the input picks.
        let picked = match data {
            [a, b, ..] => (usize::from(a % 20), usize::from(b % 64)),
            _ => (0, 0),
        };
        for (iv, material) in [(12, 16), (12, 32), (16, 32), (0, 48), picked] {
            if data.len() >= iv + material {
                let (iv, rest) = data.split_at(iv);
                let (material, payload) = rest.split_at(material);
                let _ = payload::open(ns, payload, iv, material);
            }
        }
    }
}
