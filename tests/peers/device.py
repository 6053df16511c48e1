"""A second XMPP client for balcony's integration tests, independent of balcony: slixmpp.

Usage: device.py JID PASSWORD HOST PORT CA_FILE [--carbons] [--receipts] [--caps]

Logs in as JID (a full JID: the resource is the device) over STARTTLS to HOST:PORT, trusting
only CA_FILE, and is driven one JSON object a line on stdin:

    {"op": "send", "to": JID, "body": TEXT, "type": "chat", "id": ID, "origin_id": ID,
     "request": true, "state": STATE,             "request" asks for a receipt (XEP-0184);
     "markable": true, "replace": ID}             "state" adds a chat state (XEP-0085), and
                                                  without "body" it is a standalone one;
                                                  "markable" asks for a displayed marker
                                                  (XEP-0333); "replace" corrects message ID
                                                  (XEP-0308)
    {"op": "displayed", "to": JID, "id": ID}      a displayed marker for message ID (XEP-0333)
    {"op": "raw", "xml": "<message .../>"}        sent as it is (for hostile stanzas)
    {"op": "send", ..., "oob_url": URL}           also carries a jabber:x:oob <x/> (XEP-0066)
    {"op": "fetch", "url": URL}                   downloads URL over HTTPS trusting only CA_FILE;
                                                  "done" carries "status", "size", "sha256" and
                                                  "content_type", or "error"
    {"op": "join", "room": ROOM, "nick": NICK}    enters a room (XEP-0045) and waits for its own
                                                  presence back (status 110); a room it created
                                                  (201) is opened as an instant room first
    {"op": "try_join", "room": ROOM,             enters a room as join does, but leaves a room it
     "nick": NICK}                                created as it is; "done" carries "error" (the
                                                  condition of a refused join, or null)
    {"op": "groupchat", "room": ROOM, "body": T,  a message to the room, with an origin-id when
     "origin_id": ID}                             given
    {"op": "subject", "room": ROOM, "subject": T} sets the room's subject
    {"op": "nick", "room": ROOM, "nick": NICK}    changes its nick in the room
    {"op": "leave", "room": ROOM, "nick": NICK}   leaves the room
    {"op": "pm", "to": ROOM/NICK, "body": TEXT}   a private message to an occupant, with the empty
                                                  muc#user <x/>
    {"op": "publish_bookmark", "room": JID,       publishes a XEP-0402 bookmark (the
     "xml": "<conference .../>"}                  payload as given) with private options
    {"op": "retract_bookmark", "room": JID}       retracts it, with notify
    {"op": "bookmarks"}                           the items of urn:xmpp:bookmarks:1
    {"op": "set_private_bookmarks",               stores a XEP-0048 <storage/> in private
     "xml": "<storage .../>"}                     storage (XEP-0049)
    {"op": "private_bookmarks"}                   reads it back
    {"op": "open_bookmarks_node"}                 creates urn:xmpp:bookmarks:1 with the open
                                                  access model (for precondition-not-met)
    {"op": "publish_vcard",                       stores its own vcard-temp card (XEP-0054), the
     "xml": "<vCard xmlns='vcard-temp'>…"}        XML as given
    {"op": "get_vcard", "jid": JID}               reads JID's card (its own without "jid")
    {"op": "admin", "room": ROOM, "nick": NICK,   a muc#admin set (XEP-0045 §8, §9): a role by
     "role": ROLE, "reason": T}                   nick, or an affiliation by bare JID; waits for
    {"op": "admin", "room": ROOM, "jid": JID,     the answer: "done" carries "error" (the
     "affiliation": AFF, "reason": T}             condition, or null)
    {"op": "destroy", "room": ROOM, "reason": T}  destroys the room (muc#owner); "done" as admin
    {"op": "invite", "room": ROOM, "to": JID,     a mediated invitation through the room; with
     "reason": T, "thread": TH}                   "thread", one continuing that 1:1 chat
    {"op": "direct_invite", "to": JID,            a direct invitation (XEP-0249); with "thread",
     "room": ROOM, "reason": T, "password": P,    continue='true' and that thread
     "thread": TH}
    {"op": "decline", "room": ROOM, "to": JID,    declines a mediated invitation through the room
     "reason": T}
    {"op": "caps_query", "to": JID,               disco#info of JID at NODE (XEP-0030, XEP-0115
     "node": NODE}                                §6.3); "done" carries "node" (the result's),
                                                  "features", "identities", "forms" (how many
                                                  extended forms), "ver" (the sha-1 verification
                                                  string of the answer, computed here with
                                                  hashlib) or "error"
    {"op": "quit"}

It prints one JSON object a line on stdout: {"event": "ready", "jid": ...} once online (its
own initial presence came back from the server, and carbons are enabled when --carbons is
given), {"event": "done", "op": ...} after each command, and {"event": "message", ...} for
every <message/> that arrives: from, to, type, id, body, origin_id, stanza_ids, "receipt" (the id a XEP-0184 <received/> names, or null),
"receipt_request" (it carries a <request/>), "chat_state" (the name of its XEP-0085 state
element, or null), "replace" (the id a XEP-0308 <replace/> names, or null), "markable" (it
carries a XEP-0333 <markable/>), "displayed" (the id a <displayed/> names, or null), and for a
carbon copy "carbon" ("sent" or "received"), "carbon_from"
(the wrapper's sender) and the forwarded message's fields; "oob_url" the url of a jabber:x:oob
<x/> (or null); "subject" (the <subject/> text, or
null) and "delay" (a XEP-0203 stamp, or null); a message's "invite_from" and "decline_from"
name the inviter or decliner of a muc#user <invite/> or <decline/> (with "muc_reason"), and
"direct_invite" the room of a jabber:x:conference <x/> ("direct_continues" its thread when it
has continue='true'); "thread" is the message's <thread/>
and "continue_thread" the thread of an invitation's <continue/> ("" without one, null when
absent). Every presence from a room prints
{"event": "presence", "from", "type", "codes", "role", "affiliation", "nick", "jid"} (the
muc#user status codes and item). The bookmark IQ ops answer {"event": "done", "op": ...,
"type": "result" or "error", "xml": the reply's payload}. It exits when stdin closes, on
"quit", or after a fixed lifetime, so a test that dies leaves nothing running.

With --receipts, slixmpp's own XEP-0184 plugin answers every request for a receipt.

With --caps, slixmpp's XEP-0115 plugin puts a sha-1 <c/> in every available presence and answers
disco#info of its node#ver (receipts and chat states announced too); every presence with a <c/>
that is not a room's prints {"event": "caps", "from", "hash", "node", "ver"}.
"""

import asyncio
import hashlib
import json
import ssl
import urllib.request
import sys
import xml.etree.ElementTree as ET

import slixmpp
import slixmpp.exceptions
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

CLIENT = "jabber:client"
CARBONS = "urn:xmpp:carbons:2"
FORWARD = "urn:xmpp:forward:0"
SID = "urn:xmpp:sid:0"
RECEIPTS = "urn:xmpp:receipts"
CHAT_STATES = "http://jabber.org/protocol/chatstates"
CORRECTION = "urn:xmpp:message-correct:0"
MARKERS = "urn:xmpp:chat-markers:0"
MUC = "http://jabber.org/protocol/muc"
MUC_USER = "http://jabber.org/protocol/muc#user"
MUC_OWNER = "http://jabber.org/protocol/muc#owner"
MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
DATA_FORMS = "jabber:x:data"
DELAY = "urn:xmpp:delay"
PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_OWNER = "http://jabber.org/protocol/pubsub#owner"
BOOKMARKS = "urn:xmpp:bookmarks:1"
PRIVATE = "jabber:iq:private"
DATA = "jabber:x:data"
LOGIN_TIMEOUT = 30
SELF_PRESENCE_WAIT = 10
LIFETIME = 600
CAPS = "http://jabber.org/protocol/caps"
DISCO_INFO = "http://jabber.org/protocol/disco#info"


def caps_ver(query):
    """XEP-0115 §5.1 over a disco#info <query/> (ElementTree), written here from the XEP rather
    than taken from any XMPP library: identities, features, then extended forms, sha-1, base64."""
    import base64

    identities = sorted(
        "%s/%s/%s/%s" % (
            i.get("category", ""),
            i.get("type", ""),
            i.get("{http://www.w3.org/XML/1998/namespace}lang", ""),
            i.get("name", ""),
        )
        for i in query.findall("{%s}identity" % DISCO_INFO)
    )
    features = sorted(f.get("var", "") for f in query.findall("{%s}feature" % DISCO_INFO))
    s = "".join(i + "<" for i in identities) + "".join(f + "<" for f in features)
    forms = []
    for x in query.findall("{%s}x" % DATA):
        fields = {}
        form_type = None
        for field in x.findall("{%s}field" % DATA):
            values = sorted(v.text or "" for v in field.findall("{%s}value" % DATA))
            if field.get("var") == "FORM_TYPE":
                if field.get("type") == "hidden" and values:
                    form_type = values[0]
            elif field.get("var"):
                fields[field.get("var")] = values
        if form_type is not None:
            forms.append((form_type, fields))
    for form_type, fields in sorted(forms, key=lambda f: f[0]):
        s += form_type + "<"
        for var in sorted(fields):
            s += var + "<" + "".join(v + "<" for v in fields[var])
    return base64.b64encode(hashlib.sha1(s.encode("utf-8")).digest()).decode("ascii")


def form(form_type, fields, kind="submit"):
    """A jabber:x:data form with a hidden FORM_TYPE and (var, value) fields."""
    x = ET.Element("{%s}x" % DATA, {"type": kind})
    hidden = ET.SubElement(x, "{%s}field" % DATA, {"var": "FORM_TYPE", "type": "hidden"})
    ET.SubElement(hidden, "{%s}value" % DATA).text = form_type
    for var, value in fields:
        field = ET.SubElement(x, "{%s}field" % DATA, {"var": var})
        ET.SubElement(field, "{%s}value" % DATA).text = value
    return x


def fetch(url, ca_file):
    """GETs url over HTTPS trusting only ca_file, as the other side of an upload does."""
    context = ssl.create_default_context(cafile=ca_file)
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, context=context, timeout=LOGIN_TIMEOUT) as reply:
            while True:
                chunk = reply.read(65536)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
            return {
                "status": reply.status,
                "size": size,
                "sha256": digest.hexdigest(),
                "content_type": reply.headers.get("Content-Type"),
            }
    except (OSError, ValueError) as error:
        return {"error": str(error)}


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def describe(message):
    """The fields of a <message/> element (ElementTree) that the tests look at."""
    body = message.find("{%s}body" % CLIENT)
    origin = message.find("{%s}origin-id" % SID)
    receipt = message.find("{%s}received" % RECEIPTS)
    states = [c.tag.split("}", 1)[1] for c in message if c.tag.startswith("{%s}" % CHAT_STATES)]
    replace = message.find("{%s}replace" % CORRECTION)
    displayed = message.find("{%s}displayed" % MARKERS)
    subject = message.find("{%s}subject" % CLIENT)
    delay = message.find("{%s}delay" % DELAY)
    user = message.find("{%s}x" % MUC_USER)
    invite = user.find("{%s}invite" % MUC_USER) if user is not None else None
    decline = user.find("{%s}decline" % MUC_USER) if user is not None else None
    muc_reason = None
    for element in (invite, decline):
        if element is not None and element.find("{%s}reason" % MUC_USER) is not None:
            muc_reason = element.find("{%s}reason" % MUC_USER).text
    direct = message.find("{jabber:x:conference}x")
    thread = message.find("{%s}thread" % CLIENT)
    oob_url = message.find("{jabber:x:oob}x/{jabber:x:oob}url")
    continued = invite.find("{%s}continue" % MUC_USER) if invite is not None else None
    return {
        "oob_url": oob_url.text if oob_url is not None else None,
        "thread": thread.text if thread is not None else None,
        "continue_thread": continued.get("thread", "") if continued is not None else None,
        "invite_from": invite.get("from") if invite is not None else None,
        "decline_from": decline.get("from") if decline is not None else None,
        "muc_reason": muc_reason,
        "direct_invite": direct.get("jid") if direct is not None else None,
        "direct_continues": direct.get("thread")
        if direct is not None and direct.get("continue") in ("true", "1")
        else None,
        "subject": (subject.text or "") if subject is not None else None,
        "delay": delay.get("stamp") if delay is not None else None,
        "from": message.get("from"),
        "to": message.get("to"),
        "type": message.get("type", "normal"),
        "id": message.get("id"),
        "body": body.text if body is not None else None,
        "origin_id": origin.get("id") if origin is not None else None,
        "receipt": receipt.get("id") if receipt is not None else None,
        "receipt_request": message.find("{%s}request" % RECEIPTS) is not None,
        "chat_state": states[0] if len(states) == 1 else None,
        "replace": replace.get("id") if replace is not None else None,
        "markable": message.find("{%s}markable" % MARKERS) is not None,
        "displayed": displayed.get("id") if displayed is not None else None,
        "stanza_ids": [
            {"id": s.get("id"), "by": s.get("by")} for s in message.findall("{%s}stanza-id" % SID)
        ],
    }


class Device(slixmpp.ClientXMPP):
    def __init__(self, jid, password, ca_file, carbons, receipts, caps=False):
        super().__init__(jid, password)
        if receipts or caps:
            self.register_plugin("xep_0184", {"auto_ack": True, "auto_request": False})
        self.caps = caps
        if caps:
            self.register_plugin("xep_0030")
            self.register_plugin("xep_0085")
            self.register_plugin("xep_0115")
        self.register_handler(
            Callback(
                "caps presence",
                MatchXPath("{%s}presence/{%s}c" % (CLIENT, CAPS)),
                self.on_caps_presence,
            )
        )
        self.ca_certs = ca_file
        self.want_carbons = carbons
        self.ready = asyncio.Event()
        self.available = asyncio.Event()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("presence_available", self.on_presence)
        self.add_event_handler("presence_error", self.on_presence_error)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.register_handler(
            Callback("every message", MatchXPath("{%s}message" % CLIENT), self.on_message)
        )
        self.register_handler(
            Callback(
                "room presence",
                MatchXPath("{%s}presence/{%s}x" % (CLIENT, MUC_USER)),
                self.on_room_presence,
            )
        )
        # Rooms being joined: room JID -> future of the status codes of our own presence.
        self.joining = {}

    def fail(self, why):
        say({"event": "error", "error": why})
        sys.exit(1)

    def on_presence(self, presence):
        if presence["from"] == self.boundjid:
            self.available.set()

    def on_caps_presence(self, presence):
        stanza = presence.xml
        if stanza.find("{%s}x" % MUC_USER) is not None:
            return
        c = stanza.find("{%s}c" % CAPS)
        say({
            "event": "caps",
            "from": stanza.get("from"),
            "hash": c.get("hash"),
            "node": c.get("node"),
            "ver": c.get("ver"),
        })

    async def caps_query(self, command):
        iq = self.make_iq_get(ito=command["to"])
        query = ET.Element("{%s}query" % DISCO_INFO)
        if command.get("node"):
            query.set("node", command["node"])
        iq.xml.append(query)
        try:
            reply = await iq.send(timeout=LOGIN_TIMEOUT)
        except IqError as failure:
            say({"event": "done", "op": "caps_query",
                 "error": failure.iq["error"]["condition"]})
            return
        except IqTimeout:
            say({"event": "done", "op": "caps_query", "error": "timeout"})
            return
        answer = reply.xml.find("{%s}query" % DISCO_INFO)
        if answer is None:
            say({"event": "done", "op": "caps_query", "error": "no query"})
            return
        say({
            "event": "done",
            "op": "caps_query",
            "error": None,
            "node": answer.get("node"),
            "features": sorted(f.get("var") for f in answer.findall("{%s}feature" % DISCO_INFO)),
            "identities": [
                [i.get("category"), i.get("type"), i.get("name")]
                for i in answer.findall("{%s}identity" % DISCO_INFO)
            ],
            "forms": len(answer.findall("{%s}x" % DATA)),
            "ver": caps_ver(answer),
        })

    async def on_start(self, _):
        if self.caps:
            # The ver must be known before the first presence goes out, or it carries no <c/>.
            await self.plugin["xep_0115"].update_caps(broadcast=False)
        self.send_presence()
        # The server sends our initial presence back once it has made this
        # resource available; a message to the bare JID sent before that may
        # go to offline storage or to another resource instead.
        try:
            await asyncio.wait_for(self.available.wait(), SELF_PRESENCE_WAIT)
        except asyncio.TimeoutError:
            pass
        if self.want_carbons:
            iq = self.make_iq_set()
            iq.xml.append(ET.Element("{%s}enable" % CARBONS))
            await iq.send(timeout=LOGIN_TIMEOUT)
        say({"event": "ready", "jid": str(self.boundjid)})
        self.ready.set()

    def on_message(self, msg):
        wrapper = msg.xml
        event = {"event": "message", **describe(wrapper)}
        for direction in ("sent", "received"):
            carbon = wrapper.find("{%s}%s" % (CARBONS, direction))
            inner = None if carbon is None else carbon.find(
                "{%s}forwarded/{%s}message" % (FORWARD, CLIENT)
            )
            if inner is not None:
                event = {
                    "event": "message",
                    **describe(inner),
                    "carbon": direction,
                    "carbon_from": wrapper.get("from"),
                }
        say(event)

    def on_room_presence(self, presence):
        stanza = presence.xml
        x = stanza.find("{%s}x" % MUC_USER)
        item = x.find("{%s}item" % MUC_USER)
        codes = [s.get("code") for s in x.findall("{%s}status" % MUC_USER)]
        sender = stanza.get("from") or ""
        say({
            "event": "presence",
            "from": sender,
            "type": stanza.get("type", "available"),
            "codes": codes,
            "role": item.get("role") if item is not None else None,
            "affiliation": item.get("affiliation") if item is not None else None,
            "nick": item.get("nick") if item is not None else None,
            "jid": item.get("jid") if item is not None else None,
        })
        waiter = self.joining.get(sender.split("/", 1)[0])
        if "110" in codes and waiter is not None and not waiter.done():
            waiter.set_result(codes)

    async def join(self, command):
        room, nick = command["room"], command["nick"]
        waiter = asyncio.get_running_loop().create_future()
        self.joining[room] = waiter
        presence = self.make_presence(pto="%s/%s" % (room, nick))
        presence.xml.append(ET.Element("{%s}x" % MUC))
        presence.send()
        codes = await asyncio.wait_for(waiter, LOGIN_TIMEOUT)
        del self.joining[room]
        if "201" in codes:
            iq = self.make_iq_set(ito=room)
            query = ET.Element("{%s}query" % MUC_OWNER)
            query.append(ET.Element("{%s}x" % DATA_FORMS, {"type": "submit"}))
            iq.xml.append(query)
            await iq.send(timeout=LOGIN_TIMEOUT)
        say({"event": "done", "op": "join"})

    def on_presence_error(self, presence):
        room = (presence.xml.get("from") or "").split("/", 1)[0]
        waiter = self.joining.get(room)
        if waiter is not None and not waiter.done():
            waiter.set_result({"error": presence["error"]["condition"]})

    async def try_join(self, command):
        room, nick = command["room"], command["nick"]
        waiter = asyncio.get_running_loop().create_future()
        self.joining[room] = waiter
        presence = self.make_presence(pto="%s/%s" % (room, nick))
        presence.xml.append(ET.Element("{%s}x" % MUC))
        presence.send()
        outcome = await asyncio.wait_for(waiter, LOGIN_TIMEOUT)
        del self.joining[room]
        error = outcome.get("error") if isinstance(outcome, dict) else None
        say({"event": "done", "op": "try_join", "error": error})

    async def send_and_report(self, op, iq):
        error = None
        try:
            await iq.send(timeout=LOGIN_TIMEOUT)
        except IqError as failure:
            error = failure.iq["error"]["condition"]
        except IqTimeout:
            error = "timeout"
        say({"event": "done", "op": op, "error": error})

    async def admin(self, command):
        iq = self.make_iq_set(ito=command["room"])
        query = ET.Element("{%s}query" % MUC_ADMIN)
        attrs = {k: command[k] for k in ("nick", "role", "jid", "affiliation") if command.get(k)}
        item = ET.SubElement(query, "{%s}item" % MUC_ADMIN, attrs)
        if command.get("reason"):
            ET.SubElement(item, "{%s}reason" % MUC_ADMIN).text = command["reason"]
        iq.xml.append(query)
        await self.send_and_report("admin", iq)

    async def destroy(self, command):
        iq = self.make_iq_set(ito=command["room"])
        query = ET.Element("{%s}query" % MUC_OWNER)
        destroy = ET.SubElement(query, "{%s}destroy" % MUC_OWNER)
        if command.get("reason"):
            ET.SubElement(destroy, "{%s}reason" % MUC_OWNER).text = command["reason"]
        iq.xml.append(query)
        await self.send_and_report("destroy", iq)

    def invite(self, command):
        msg = self.make_message(mto=command["room"])
        x = ET.SubElement(msg.xml, "{%s}x" % MUC_USER)
        invite = ET.SubElement(x, "{%s}invite" % MUC_USER, {"to": command["to"]})
        if command.get("reason"):
            ET.SubElement(invite, "{%s}reason" % MUC_USER).text = command["reason"]
        if command.get("thread"):
            ET.SubElement(invite, "{%s}continue" % MUC_USER, {"thread": command["thread"]})
        msg.send()

    def direct_invite(self, command):
        msg = self.make_message(mto=command["to"])
        attrs = {"jid": command["room"]}
        for key in ("reason", "password", "thread"):
            if command.get(key):
                attrs[key] = command[key]
        if command.get("thread"):
            attrs["continue"] = "true"
        ET.SubElement(msg.xml, "{jabber:x:conference}x", attrs)
        msg.send()

    def decline(self, command):
        msg = self.make_message(mto=command["room"])
        x = ET.SubElement(msg.xml, "{%s}x" % MUC_USER)
        decline = ET.SubElement(x, "{%s}decline" % MUC_USER, {"to": command["to"]})
        if command.get("reason"):
            ET.SubElement(decline, "{%s}reason" % MUC_USER).text = command["reason"]
        msg.send()

    def room_presence(self, to, kind=None):
        presence = self.make_presence(pto=to, ptype=kind)
        presence.send()

    def perform(self, command):
        op = command.get("op")
        if op == "send":
            msg = self.make_message(
                mto=command["to"], mbody=command.get("body"), mtype=command.get("type", "chat")
            )
            if command.get("id"):
                msg["id"] = command["id"]
            if command.get("origin_id"):
                msg.xml.append(ET.Element("{%s}origin-id" % SID, {"id": command["origin_id"]}))
            if command.get("request"):
                msg.xml.append(ET.Element("{%s}request" % RECEIPTS))
            if command.get("state"):
                msg.xml.append(ET.Element("{%s}%s" % (CHAT_STATES, command["state"])))
            if command.get("replace"):
                msg.xml.append(ET.Element("{%s}replace" % CORRECTION, {"id": command["replace"]}))
            if command.get("markable"):
                msg.xml.append(ET.Element("{%s}markable" % MARKERS))
            if command.get("oob_url"):
                x = ET.SubElement(msg.xml, "{jabber:x:oob}x")
                ET.SubElement(x, "{jabber:x:oob}url").text = command["oob_url"]
            msg.send()
        elif op == "displayed":
            msg = self.make_message(mto=command["to"], mtype=command.get("type", "chat"))
            msg.xml.append(ET.Element("{%s}displayed" % MARKERS, {"id": command["id"]}))
            msg.send()
        elif op == "raw":
            self.send_raw(command["xml"])
        elif op == "invite":
            self.invite(command)
        elif op == "direct_invite":
            self.direct_invite(command)
        elif op == "decline":
            self.decline(command)
        elif op == "groupchat":
            msg = self.make_message(mto=command["room"], mbody=command["body"], mtype="groupchat")
            if command.get("origin_id"):
                msg["id"] = command["origin_id"]
                msg.xml.append(ET.Element("{%s}origin-id" % SID, {"id": command["origin_id"]}))
            msg.send()
        elif op == "subject":
            msg = self.make_message(mto=command["room"], mtype="groupchat")
            subject = ET.Element("{%s}subject" % CLIENT)
            subject.text = command["subject"]
            msg.xml.append(subject)
            msg.send()
        elif op == "nick":
            self.room_presence("%s/%s" % (command["room"], command["nick"]))
        elif op == "leave":
            self.room_presence("%s/%s" % (command["room"], command["nick"]), "unavailable")
        elif op == "pm":
            msg = self.make_message(mto=command["to"], mbody=command["body"], mtype="chat")
            msg.xml.append(ET.Element("{%s}x" % MUC_USER))
            msg.send()
        elif op in IQ_OPS:
            return IQ_OPS[op](self, command)
        else:
            raise ValueError("unknown op %r" % op)
        say({"event": "done", "op": op})
        return None

    async def iq(self, op, kind, payload, to=None):
        """Sends an IQ of `kind` with `payload` to `to`, else to our own account; says how it
        was answered."""
        iq = self.make_iq_set(ito=to) if kind == "set" else self.make_iq_get(ito=to)
        iq.xml.append(payload)
        try:
            reply = await iq.send(timeout=LOGIN_TIMEOUT)
            answer = "result"
        except slixmpp.exceptions.IqError as error:
            reply = error.iq
            answer = "error"
        children = list(reply.xml)
        say({
            "event": "done",
            "op": op,
            "type": answer,
            "xml": "".join(ET.tostring(c, encoding="unicode") for c in children),
        })


def publish_bookmark(device, command):
    pubsub = ET.Element("{%s}pubsub" % PUBSUB)
    publish = ET.SubElement(pubsub, "{%s}publish" % PUBSUB, {"node": BOOKMARKS})
    item = ET.SubElement(publish, "{%s}item" % PUBSUB, {"id": command["room"]})
    item.append(ET.fromstring(command["xml"]))
    options = ET.SubElement(pubsub, "{%s}publish-options" % PUBSUB)
    options.append(form("http://jabber.org/protocol/pubsub#publish-options", [
        ("pubsub#persist_items", "true"),
        ("pubsub#max_items", "max"),
        ("pubsub#send_last_published_item", "never"),
        ("pubsub#access_model", "whitelist"),
    ]))
    return device.iq("publish_bookmark", "set", pubsub)


def retract_bookmark(device, command):
    pubsub = ET.Element("{%s}pubsub" % PUBSUB)
    retract = ET.SubElement(pubsub, "{%s}retract" % PUBSUB, {"node": BOOKMARKS, "notify": "true"})
    ET.SubElement(retract, "{%s}item" % PUBSUB, {"id": command["room"]})
    return device.iq("retract_bookmark", "set", pubsub)


def bookmarks(device, _command):
    pubsub = ET.Element("{%s}pubsub" % PUBSUB)
    ET.SubElement(pubsub, "{%s}items" % PUBSUB, {"node": BOOKMARKS})
    return device.iq("bookmarks", "get", pubsub)


def set_private_bookmarks(device, command):
    query = ET.Element("{%s}query" % PRIVATE)
    query.append(ET.fromstring(command["xml"]))
    return device.iq("set_private_bookmarks", "set", query)


def private_bookmarks(device, _command):
    query = ET.Element("{%s}query" % PRIVATE)
    ET.SubElement(query, "{storage:bookmarks}storage")
    return device.iq("private_bookmarks", "get", query)


def open_bookmarks_node(device, _command):
    pubsub = ET.Element("{%s}pubsub" % PUBSUB)
    ET.SubElement(pubsub, "{%s}create" % PUBSUB, {"node": BOOKMARKS})
    configure = ET.SubElement(pubsub, "{%s}configure" % PUBSUB)
    configure.append(form("http://jabber.org/protocol/pubsub#node_config", [
        ("pubsub#access_model", "open"),
    ]))
    return device.iq("open_bookmarks_node", "set", pubsub)


def publish_vcard(device, command):
    return device.iq("publish_vcard", "set", ET.fromstring(command["xml"]))


def get_vcard(device, command):
    card = ET.Element("{vcard-temp}vCard")
    return device.iq("get_vcard", "get", card, to=command.get("jid"))


IQ_OPS = {
    "publish_bookmark": publish_bookmark,
    "retract_bookmark": retract_bookmark,
    "bookmarks": bookmarks,
    "set_private_bookmarks": set_private_bookmarks,
    "private_bookmarks": private_bookmarks,
    "open_bookmarks_node": open_bookmarks_node,
    "publish_vcard": publish_vcard,
    "get_vcard": get_vcard,
}


async def drive(device):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(device.ready.wait(), LOGIN_TIMEOUT)
    except asyncio.TimeoutError:
        device.fail("not online within %ss" % LOGIN_TIMEOUT)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        try:
            command = json.loads(line)
        except ValueError as error:
            say({"event": "error", "error": "bad line: %s" % error})
            continue
        if command.get("op") == "quit":
            break
        try:
            if command.get("op") == "join":
                await device.join(command)
                continue
            if command.get("op") == "try_join":
                await device.try_join(command)
                continue
            if command.get("op") == "admin":
                await device.admin(command)
                continue
            if command.get("op") == "destroy":
                await device.destroy(command)
                continue
            if command.get("op") == "caps_query":
                await device.caps_query(command)
                continue
            if command.get("op") == "fetch":
                result = await loop.run_in_executor(None, fetch, command["url"], device.ca_certs)
                say({"event": "done", "op": "fetch", **result})
                continue
            pending = device.perform(command)
            if pending is not None:
                await pending
        except (KeyError, ValueError) as error:
            say({"event": "error", "error": str(error)})


async def run(device):
    try:
        await asyncio.wait_for(drive(device), LIFETIME)
    except asyncio.TimeoutError:
        pass
    try:
        await asyncio.wait_for(asyncio.ensure_future(device.disconnect()), 5)
    except (asyncio.TimeoutError, TypeError):
        pass
    # Stop what slixmpp leaves running, so the loop closes quietly.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


def main():
    if len(sys.argv) < 6:
        sys.stderr.write(__doc__)
        sys.exit(2)
    jid, password, host, port, ca_file = sys.argv[1:6]
    flags = sys.argv[6:]
    device = Device(
        jid, password, ca_file, "--carbons" in flags, "--receipts" in flags, "--caps" in flags
    )
    try:
        device.connect(host, int(port))
    except TypeError:
        # slixmpp before 1.9 took the address as one tuple.
        device.connect((host, int(port)))
    device.loop.run_until_complete(run(device))


if __name__ == "__main__":
    main()
