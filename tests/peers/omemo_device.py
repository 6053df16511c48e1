"""A second XMPP client speaking OMEMO (XEP-0384) for balcony's tests: slixmpp with slixmpp-omemo.

Usage: omemo_device.py JID PASSWORD HOST PORT CA_FILE STATE_DIR [--carbons] [--receipts] [--caps]

Everything device.py does (same login over STARTTLS trusting only CA_FILE, same flags, same
JSON-lines control protocol and events; see its docstring), plus the slixmpp-omemo XEP-0384 plugin
with both versions, oldmemo (eu.siacs.conversations.axolotl, "legacy") and twomemo
(urn:xmpp:omemo:2, "omemo2"), trusting every device blindly. The OMEMO storage is the JSON file
STATE_DIR/omemo-<JID>.json (written on every change), so a restarted device keeps its device id,
identity and sessions. "ready" comes once the OMEMO identity is loaded or created and its bundles
and device lists are published.

More commands:

    {"op": "omemo_send", "to": JID, "body": T,    an encrypted message to the bare JID's devices
     "ns": "auto"|"legacy"|"omemo2",              (and our own other devices): "legacy" encrypts
     "type": "chat", "id": ID, "time": false,     the body; "omemo2" a SCE envelope (XEP-0420)
     "to_affix": false}                           <envelope xmlns='urn:xmpp:sce:1'><content>
                                                  <body xmlns='jabber:client'>T</body></content>
                                                  <rpad>…</rpad><from jid=OUR_BARE/></envelope>
                                                  (with <time/> and <to/> affixes when asked);
                                                  "auto" (the default) puts in both and lets each
                                                  device get the best one it announces. The stanza
                                                  also has the fallback <body/>, a store hint and
                                                  an EME <encryption/> (XEP-0380). "done" carries
                                                  "id", "namespaces" (those used), "recipients"
                                                  ([jid, device, ns] each), "errors" (non-critical
                                                  encryption errors) and "error" (null, or why
                                                  nothing was sent)
    {"op": "omemo_devices", "jid": JID,           fetches JID's device lists from its PEP (both
     "refresh": true}                             versions, unless "refresh" is false) and reports
                                                  "devices": [{"device_id", "namespaces",
                                                  "active", "fingerprint", "trust", "label"}]
    {"op": "omemo_info"}                          "device_id", "identity_key" (base64 Ed25519),
                                                  "fingerprint" (hex of the Ed25519 key, as
                                                  omemo:2 clients show it), "legacy_fingerprint"
                                                  (hex of 0x05 + the Curve25519 key, as
                                                  Conversations shows it) and "own_devices"

Every message event (device.py's fields) also carries "encrypted" (the namespaces of the OMEMO
elements it holds, [] for none), "ns" (the one decrypted: "legacy", "omemo2" or null),
"device_id" (the sender's device), "key_exchange" (our key came as a pre-key/kex message),
"empty" (an OMEMO message without payload, e.g. a session completion or heartbeat),
"fallback_body" (the plain <body/> next to the OMEMO element), "envelope" (the decrypted SCE
envelope, omemo2) and "decrypt_error" (null, or the error text). "body" is the decrypted body when
it decrypted. Failures are also printed as {"event": "decrypt_error", "from", "ns", "error"}.
Encrypted messages are decrypted one at a time, in the order they came.
"""

import asyncio
import base64
import json
import os
import random
import re
import string
import sys
import traceback
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import device as plain  # noqa: E402  the plain peer this one extends

import omemo  # noqa: E402
from omemo.storage import Just, Nothing  # noqa: E402
import oldmemo  # noqa: E402
import oldmemo.etree  # noqa: E402
import twomemo  # noqa: E402
import twomemo.etree  # noqa: E402
import xeddsa  # noqa: E402
from slixmpp.jid import JID  # noqa: E402
from slixmpp.plugins.base import register_plugin  # noqa: E402
from slixmpp_omemo import XEP_0384, TrustLevel  # noqa: E402

say = plain.say
LEGACY = oldmemo.oldmemo.NAMESPACE
OMEMO2 = twomemo.twomemo.NAMESPACE
SHORT = {LEGACY: "legacy", OMEMO2: "omemo2"}
SCE = "urn:xmpp:sce:1"
EME = "urn:xmpp:eme:0"
CLIENT = plain.CLIENT
FALLBACK = "I sent you an OMEMO encrypted message but your client doesn't seem to support that."


class JSONStorage(omemo.Storage):
    """python-omemo's key/value storage in one JSON file, written through on every change."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.data = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)

    def flush(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)

    async def _load(self, key):
        if key in self.data:
            return Just(self.data[key])
        return Nothing()

    async def _store(self, key, value):
        self.data[key] = value
        self.flush()

    async def _delete(self, key):
        self.data.pop(key, None)
        self.flush()


class XEP_0384Impl(XEP_0384):  # pylint: disable=invalid-name
    """The plugin with blind trust before verification and the JSON file storage."""

    default_config = {"fallback_message": FALLBACK, "json_file_path": None}

    def plugin_init(self):
        self._json_storage = JSONStorage(self.json_file_path)
        super().plugin_init()

    @property
    def storage(self):
        return self._json_storage

    @property
    def _btbv_enabled(self):
        return True

    async def _devices_blindly_trusted(self, blindly_trusted, identifier):
        pass

    async def _prompt_manual_trust(self, manually_trusted, identifier):
        # Never asked with BTBV unless a device was decided on by hand; trust those as well.
        session_manager = await self.get_session_manager()
        for device in manually_trusted:
            await session_manager.set_trust(
                device.bare_jid, device.identity_key, TrustLevel.BLINDLY_TRUSTED.value
            )


register_plugin(XEP_0384Impl)


def xml(element, parent_ns=None):
    """An element as a string, each namespace declared as the default one where it changes."""
    tag = element.tag
    own, name = tag[1:].split("}", 1) if tag.startswith("{") else (parent_ns, tag)
    out = "<" + name
    if own != parent_ns and own is not None:
        out += " xmlns=%s" % quoteattr(own)
    for key, value in element.attrib.items():
        out += " %s=%s" % (key, quoteattr(value))
    children = list(element)
    if not children and not element.text:
        return out + "/>"
    out += ">" + escape(element.text or "")
    for child in children:
        out += xml(child, own) + escape(child.tail or "")
    return out + "</%s>" % name


def envelope(body, sender, recipient=None, with_time=False):
    """The SCE envelope for omemo:2: content, then the affixes rpad (random, 0..200 characters),
    optionally time and to, and from. slixmpp-omemo 2.2.0 has no SCE of its own."""
    alphabet = string.ascii_letters + string.digits
    rpad = "".join(random.choice(alphabet) for _ in range(random.randint(0, 200)))
    parts = [
        "<envelope xmlns='%s'><content><body xmlns='%s'>%s</body></content>" % (SCE, CLIENT, escape(body)),
        "<rpad>%s</rpad>" % rpad,
    ]
    if with_time:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append("<time stamp=%s/>" % quoteattr(stamp))
    if recipient:
        parts.append("<to jid=%s/>" % quoteattr(recipient))
    parts.append("<from jid=%s/></envelope>" % quoteattr(sender))
    return "".join(parts)


def envelope_body(text):
    root = ET.fromstring(text)
    if root.tag != "{%s}envelope" % SCE:
        raise ValueError("not an SCE envelope: %s" % root.tag)
    body = root.find("{%s}content/{%s}body" % (SCE, CLIENT))
    return None if body is None else (body.text or "")


def describe_device(d):
    return {
        "device_id": d.device_id,
        "namespaces": sorted(SHORT.get(n, n) for n in d.namespaces),
        "active": {SHORT.get(n, n): a for n, a in d.active},
        "identity_key": base64.b64encode(d.identity_key).decode("ascii"),
        "fingerprint": d.identity_key.hex(),
        "trust": d.trust_level_name,
        "label": d.label,
    }


def error_text(error):
    text = "%s: %s" % (type(error).__name__, error)
    if error.__cause__ is not None:
        text += " (%s: %s)" % (type(error.__cause__).__name__, error.__cause__)
    return text


class OmemoDevice(plain.Device):
    def __init__(self, jid, password, ca_file, state_dir, carbons, receipts, caps=False):
        super().__init__(jid, password, ca_file, carbons, receipts, caps)
        os.makedirs(state_dir, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", jid)
        self.register_plugin("xep_0384", {
            "json_file_path": os.path.join(state_dir, "omemo-%s.json" % safe),
        })
        self.omemo = self.plugin["xep_0384"]
        self.incoming = asyncio.Queue()
        self.worker = None

    async def on_start(self, event):
        # The session manager is built on bind (plugin); wait for it so "ready" means usable.
        await self.omemo.get_session_manager()
        if self.worker is None:
            self.worker = asyncio.ensure_future(self.decrypt_worker())
        await super().on_start(event)

    def on_message(self, msg):
        # In arrival order, through one worker: sessions must see messages one at a time.
        self.incoming.put_nowait(msg)

    async def decrypt_worker(self):
        while True:
            msg = await self.incoming.get()
            try:
                await self.report(msg)
            except Exception as error:  # never lose the worker
                say({"event": "error", "error": "message report failed: %s" % error_text(error)})

    async def report(self, msg):
        wrapper = msg.xml
        event = {"event": "message", **plain.describe(wrapper)}
        target = wrapper
        for direction in ("sent", "received"):
            carbon = wrapper.find("{%s}%s" % (plain.CARBONS, direction))
            inner = None if carbon is None else carbon.find(
                "{%s}forwarded/{%s}message" % (plain.FORWARD, CLIENT)
            )
            if inner is not None:
                target = inner
                event = {
                    "event": "message",
                    **plain.describe(inner),
                    "carbon": direction,
                    "carbon_from": wrapper.get("from"),
                }
        event.update(await self.decrypt(target))
        say(event)

    async def decrypt(self, element):
        """The OMEMO fields of a message event for <message/> element (ElementTree)."""
        found = [ns for ns in (OMEMO2, LEGACY) if element.find("{%s}encrypted" % ns) is not None]
        fields = {
            "encrypted": [SHORT[ns] for ns in found],
            "ns": None,
            "device_id": None,
            "key_exchange": False,
            "empty": False,
            "envelope": None,
            "decrypt_error": None,
        }
        body = element.find("{%s}body" % CLIENT)
        fields["fallback_body"] = body.text if body is not None else None
        if not found:
            return fields
        ns = found[0]  # omemo:2 first when both are there, as slixmpp-omemo does
        fields["ns"] = SHORT[ns]
        # A message we sent, carbon-copied back, comes from our own bare JID.
        sender = JID(element.get("from") or self.boundjid.bare).bare
        fields["body"] = None
        try:
            manager = await self.omemo.get_session_manager()
            encrypted = element.find("{%s}encrypted" % ns)
            if ns == OMEMO2:
                message = twomemo.etree.parse_message(encrypted, sender)
            else:
                message = await oldmemo.etree.parse_message(
                    encrypted, sender, self.boundjid.bare, manager
                )
            own, _ = await manager.get_own_device_information()
            fields["device_id"] = message.device_id
            ours = [
                kex for key, kex in message.keys
                if key.bare_jid == self.boundjid.bare and key.device_id == own.device_id
            ]
            fields["key_exchange"] = bool(ours) and ours[0] is not None
            plaintext, sender_device, _ = await manager.decrypt(message)
            fields["device_id"] = sender_device.device_id
            if plaintext is None:
                fields["empty"] = True
            elif ns == OMEMO2:
                fields["envelope"] = plaintext.decode("utf-8")
                fields["body"] = envelope_body(fields["envelope"])
            else:
                fields["body"] = plaintext.decode("utf-8")
        except Exception as error:
            sys.stderr.write(traceback.format_exc())
            fields["decrypt_error"] = error_text(error)
            say({"event": "decrypt_error", "from": element.get("from"), "ns": SHORT[ns],
                 "error": fields["decrypt_error"]})
        return fields

    async def omemo_send(self, command):
        reply = {"event": "done", "op": "omemo_send", "id": None, "namespaces": [],
                 "recipients": [], "errors": [], "error": None}
        try:
            to = JID(command["to"]).bare
            kind = command.get("ns", "auto")
            if kind not in ("auto", "legacy", "omemo2"):
                raise ValueError("ns is auto, legacy or omemo2, not %r" % (kind,))
            body = command["body"]
            await self.omemo.refresh_device_lists({JID(to)})
            plaintexts = {}
            if kind in ("auto", "omemo2"):
                plaintexts[OMEMO2] = envelope(
                    body, self.boundjid.bare, to if command.get("to_affix") else None,
                    bool(command.get("time")),
                ).encode("utf-8")
            if kind in ("auto", "legacy"):
                plaintexts[LEGACY] = body.encode("utf-8")
            manager = await self.omemo.get_session_manager()
            messages, errors = await manager.encrypt(
                frozenset({to}),
                plaintexts,
                backend_priority_order=[ns for ns in (OMEMO2, LEGACY) if ns in plaintexts],
            )
            msg = self.make_message(mto=to, mbody=FALLBACK, mtype=command.get("type", "chat"))
            if command.get("id"):
                msg["id"] = command["id"]
            used = []
            for message in sorted(messages, key=lambda m: m.namespace != OMEMO2):
                module = twomemo.etree if message.namespace == OMEMO2 else oldmemo.etree
                msg.xml.append(module.serialize_message(message))
                used.append(message.namespace)
                for key, _ in message.keys:
                    reply["recipients"].append(
                        [key.bare_jid, key.device_id, SHORT[message.namespace]]
                    )
            if not used:
                raise ValueError("nothing to send: no device took any of %s" % kind)
            for ns in used:
                msg.xml.append(ET.Element("{%s}encryption" % EME, {
                    "namespace": ns, "name": "OMEMO" if ns == LEGACY else "OMEMO 2",
                }))
            msg.enable("store")
            msg.send()
            reply.update({
                "id": msg["id"],
                "namespaces": [SHORT[ns] for ns in used],
                "errors": [repr(e) for e in errors],
            })
        except Exception as error:
            sys.stderr.write(traceback.format_exc())
            reply["error"] = error_text(error)
        say(reply)

    async def omemo_devices(self, command):
        reply = {"event": "done", "op": "omemo_devices", "jid": None, "devices": [], "error": None}
        try:
            jid = JID(command["jid"]).bare
            reply["jid"] = jid
            manager = await self.omemo.get_session_manager()
            if command.get("refresh", True):
                for ns in (OMEMO2, LEGACY):
                    try:
                        await manager.refresh_device_list(ns, jid)
                    except omemo.DeviceListDownloadFailed as error:
                        reply.setdefault("refresh_errors", []).append(error_text(error))
            devices = await manager.get_device_information(jid)
            reply["devices"] = [describe_device(d) for d in sorted(devices, key=lambda d: d.device_id)]
        except Exception as error:
            sys.stderr.write(traceback.format_exc())
            reply["error"] = error_text(error)
        say(reply)

    async def omemo_info(self, _command):
        reply = {"event": "done", "op": "omemo_info", "error": None}
        try:
            manager = await self.omemo.get_session_manager()
            own, others = await manager.get_own_device_information()
            key = own.identity_key
            curve = xeddsa.ed25519_pub_to_curve25519_pub(key)
            reply.update({
                "jid": self.boundjid.bare,
                "device_id": own.device_id,
                "identity_key": base64.b64encode(key).decode("ascii"),
                "fingerprint": key.hex(),
                "legacy_fingerprint": (b"\x05" + curve).hex(),
                "own_devices": [describe_device(d) for d in sorted(others, key=lambda d: d.device_id)],
            })
        except Exception as error:
            sys.stderr.write(traceback.format_exc())
            reply["error"] = error_text(error)
        say(reply)

    def perform(self, command):
        op = command.get("op")
        if op == "omemo_send":
            return self.omemo_send(command)
        if op == "omemo_devices":
            return self.omemo_devices(command)
        if op == "omemo_info":
            return self.omemo_info(command)
        return super().perform(command)


def main():
    if len(sys.argv) < 7:
        sys.stderr.write(__doc__)
        sys.exit(2)
    jid, password, host, port, ca_file, state_dir = sys.argv[1:7]
    flags = sys.argv[7:]
    device = OmemoDevice(
        jid, password, ca_file, state_dir,
        "--carbons" in flags, "--receipts" in flags, "--caps" in flags,
    )
    try:
        device.connect(host, int(port))
    except TypeError:
        device.connect((host, int(port)))
    device.loop.run_until_complete(plain.run(device))


if __name__ == "__main__":
    main()
