"""An OMEMO (XEP-0384) oracle for balcony's tests, with no XMPP server: python-omemo itself.

Usage: omemo_oracle.py [--state PATH]

Runs one omemo.SessionManager with both backends, oldmemo (eu.siacs.conversations.axolotl, "legacy")
and twomemo (urn:xmpp:omemo:2, "omemo2"), from the PyPI packages omemo, oldmemo[xml] and twomemo[xml].
Its PEP is a dictionary in this process: what the manager publishes lands there, and what another
party publishes is put there with "add_peer". Every device is trusted blindly. With --state the
manager's storage and the fake PEP are kept in the JSON file PATH, written after every request, so a
second run with the same file continues the same identity and sessions.

It reads one JSON object a line on stdin and writes exactly one JSON line on stdout for each (a bad
request gets {"ok": false, "error": "..."}; nothing else is ever printed on stdout):

    {"op": "init", "jid": "bob@example.org"}
        -> {"ok": true, "device_id": N, "fingerprint": "hex of the Ed25519 identity key",
            "identity_key": base64 (Ed25519),
            "legacy": {"bundle": "<bundle xmlns='eu.siacs.conversations.axolotl'>…",
                       "device_list": "<list xmlns='eu.siacs.conversations.axolotl'>…"},
            "omemo2": {"bundle": "<bundle xmlns='urn:xmpp:omemo:2'>…",
                       "device_list": "<devices xmlns='urn:xmpp:omemo:2'>…"}}
        the PEP item payloads as the library publishes them. Must come first; with --state and a
        saved identity "jid" may be left out (and must match when given).
    {"op": "add_peer", "jid": J, "ns": "legacy"|"omemo2", "device_list": XML,
     "bundles": {"1234": XML, ...}}
        -> {"ok": true, "devices": [device ids the manager now knows for J, all namespaces]}
        puts J's device list (and bundles) in the fake PEP and makes the manager refresh J's list.
    {"op": "encrypt", "to": J, "ns": NS, "plaintext": "hi",
     "time": false, "to_affix": false, "rpad": null}
        -> {"ok": true, "encrypted": "<encrypted xmlns=…>…</encrypted>", "envelope": ... (omemo2),
            "errors": [non-critical encryption errors], "sent": [...]}
        legacy: the UTF-8 body is the plaintext. omemo2: the plaintext is the SCE envelope
        <envelope xmlns='urn:xmpp:sce:1'><content><body xmlns='jabber:client'>hi</body></content>
        <rpad>…</rpad><from jid='bob@example.org'/></envelope>, with <time stamp=…/> when "time"
        and <to jid=J/> when "to_affix"; "rpad" fixes the padding (random 0..200 chars otherwise).
        "envelope": XML instead of "plaintext" encrypts that envelope string as it is.
    {"op": "decrypt", "from": J, "encrypted": XML}
        -> {"ok": true, "ns": NS, "plaintext": "hi" (null for an empty/heartbeat message),
            "device_id": sender's, "key_exchange": bool (our key carried prekey/kex),
            "envelope": raw SCE envelope (omemo2 only), "sent": [...]}
    {"op": "bundle", "ns": NS}  -> {"ok": true, "bundle": XML, "device_list": XML, "pre_keys": n}
        the own bundle as now published (a used pre key is replaced by a new one).
    {"op": "devices", "jid": J} -> {"ok": true, "devices": [{"device_id", "namespaces",
                                     "active", "identity_key", "fingerprint", "trust"}]}
    {"op": "quit"}              -> {"ok": true}, saves the state and exits (as stdin closing does).

"sent" lists what the library itself sent meanwhile, each {"to": bare JID, "ns": NS,
"encrypted": XML}: after a key exchange is decrypted, python-omemo answers at once with an empty
OMEMO message (a key/iv with no payload) that completes the session on the sender's side.

Example, two oracles talking (the driver used to test this file, /tmp/omemo_drive.py):

    bob = spawn("omemo_oracle.py --state /tmp/bob.json"); alice = spawn("omemo_oracle.py")
    b = bob({"op": "init", "jid": "bob@example.org"})
    a = alice({"op": "init", "jid": "alice@example.org"})
    for ns in ("legacy", "omemo2"):
        bob({"op": "add_peer", "jid": "alice@example.org", "ns": ns,
             "device_list": a[ns]["device_list"], "bundles": {str(a["device_id"]): a[ns]["bundle"]}})
        alice({... the same with b ...})
        e = bob({"op": "encrypt", "to": "alice@example.org", "ns": ns, "plaintext": "hi"})
        d = alice({"op": "decrypt", "from": "bob@example.org", "encrypted": e["encrypted"]})
        # d["plaintext"] == "hi", d["key_exchange"] is True, d["device_id"] == b["device_id"]
        for s in d["sent"]:           # alice's empty message completing the session
            bob({"op": "decrypt", "from": "alice@example.org", "encrypted": s["encrypted"]})
        e = alice({"op": "encrypt", "to": "bob@example.org", "ns": ns, "plaintext": "hello"})
        bob({"op": "decrypt", "from": "alice@example.org", ...})   # key_exchange False now
    bob({"op": "quit"}); bob = spawn("omemo_oracle.py --state /tmp/bob.json")
    bob({"op": "init"})               # same device_id; alice and bob keep their sessions
"""

import asyncio
import base64
import json
import os
import random
import string
import sys
import traceback
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

import omemo
from omemo.storage import Just, Nothing
from omemo.types import TrustLevel

import oldmemo
import oldmemo.etree
import twomemo
import twomemo.etree

LEGACY = oldmemo.oldmemo.NAMESPACE  # eu.siacs.conversations.axolotl
OMEMO2 = twomemo.twomemo.NAMESPACE  # urn:xmpp:omemo:2
NAMES = {"legacy": LEGACY, "omemo2": OMEMO2}
SHORT = {LEGACY: "legacy", OMEMO2: "omemo2"}
SCE = "urn:xmpp:sce:1"
CLIENT = "jabber:client"
TRUST = "BLINDLY_TRUSTED"


def namespace(name):
    if name in NAMES:
        return NAMES[name]
    if name in SHORT:
        return name
    raise ValueError("unknown ns %r (legacy or omemo2)" % (name,))


def xml(element, ns=None, parent_ns=None):
    """An element as a string, each namespace declared as the default one where it changes (no
    ns0: prefixes). An unqualified child (the libraries make some) inherits its parent's."""
    tag = element.tag
    if tag.startswith("{"):
        own, name = tag[1:].split("}", 1)
    else:
        own, name = (parent_ns or ns), tag
    out = "<" + name
    if own != parent_ns and own is not None:
        out += " xmlns=%s" % quoteattr(own)
    for key, value in element.attrib.items():
        out += " %s=%s" % (key, quoteattr(value))
    children = list(element)
    if not children and not element.text:
        out += "/>"
    else:
        out += ">" + escape(element.text or "")
        for child in children:
            out += xml(child, parent_ns=own) + escape(child.tail or "")
        out += "</%s>" % name
    return out


class State:
    """The manager's key/value storage and the fake PEP, optionally mirrored in a JSON file."""

    def __init__(self, path):
        self.path = path
        self.data = {"storage": {}, "pep": {}, "jid": None}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)

    # The fake PEP: "devices NS JID" -> device list XML, "bundle NS JID ID" -> bundle XML.
    def pep_get(self, *key):
        return self.data["pep"].get(" ".join(str(k) for k in key))

    def pep_put(self, value, *key):
        self.data["pep"][" ".join(str(k) for k in key)] = value

    def pep_delete(self, *key):
        self.data["pep"].pop(" ".join(str(k) for k in key), None)


class Storage(omemo.Storage):
    def __init__(self, state):
        super().__init__(disable_cache=True)
        self.state = state

    async def _load(self, key):
        values = self.state.data["storage"]
        if key in values:
            return Just(json.loads(json.dumps(values[key])))
        return Nothing()

    async def _store(self, key, value):
        self.state.data["storage"][key] = json.loads(json.dumps(value))

    async def _delete(self, key):
        self.state.data["storage"].pop(key, None)


def make_manager_class(state, jid_box, outbox):
    class Manager(omemo.SessionManager):
        @staticmethod
        async def _upload_bundle(bundle):
            if isinstance(bundle, twomemo.twomemo.BundleImpl):
                text = xml(twomemo.etree.serialize_bundle(bundle), OMEMO2)
            else:
                text = xml(oldmemo.etree.serialize_bundle(bundle), LEGACY)
            state.pep_put(text, "bundle", bundle.namespace, bundle.bare_jid, bundle.device_id)

        @staticmethod
        async def _download_bundle(ns, bare_jid, device_id):
            text = state.pep_get("bundle", ns, bare_jid, device_id)
            if text is None:
                raise omemo.BundleNotFound("no bundle %s %s %s" % (ns, bare_jid, device_id))
            try:
                element = ET.fromstring(text)
                if ns == OMEMO2:
                    return twomemo.etree.parse_bundle(element, bare_jid, device_id)
                return oldmemo.etree.parse_bundle(element, bare_jid, device_id)
            except Exception as error:
                raise omemo.BundleDownloadFailed("bad bundle: %s" % error) from error

        @staticmethod
        async def _delete_bundle(ns, device_id):
            state.pep_delete("bundle", ns, jid_box[0], device_id)

        @staticmethod
        async def _upload_device_list(ns, device_list):
            if ns == OMEMO2:
                text = xml(twomemo.etree.serialize_device_list(device_list), OMEMO2)
            else:
                text = xml(oldmemo.etree.serialize_device_list(device_list), LEGACY)
            state.pep_put(text, "devices", ns, jid_box[0])

        @staticmethod
        async def _download_device_list(ns, bare_jid):
            text = state.pep_get("devices", ns, bare_jid)
            if text is None:
                return {}
            try:
                element = ET.fromstring(text)
                if ns == OMEMO2:
                    return twomemo.etree.parse_device_list(element)
                return oldmemo.etree.parse_device_list(element)
            except Exception as error:
                raise omemo.DeviceListDownloadFailed("bad device list: %s" % error) from error

        async def _evaluate_custom_trust_level(self, device):
            return TrustLevel.TRUSTED

        async def _make_trust_decision(self, undecided, identifier):
            for device in undecided:
                await self.set_trust(device.bare_jid, device.identity_key, TRUST)

        @staticmethod
        async def _send_message(message, bare_jid):
            if message.namespace == OMEMO2:
                text = xml(twomemo.etree.serialize_message(message), OMEMO2)
            else:
                text = xml(oldmemo.etree.serialize_message(message), LEGACY)
            outbox.append({"to": bare_jid, "ns": SHORT[message.namespace], "encrypted": text})

    return Manager


def envelope(body, sender, recipient=None, rpad=None, with_time=False):
    """An SCE (XEP-0420) envelope as XEP-0384 v0.8 wants it: the body in <content/>, then the
    affixes <rpad/> (random 0..200 characters), optionally <time/>, optionally <to/>, and <from/>."""
    if rpad is None:
        alphabet = string.ascii_letters + string.digits
        rpad = "".join(random.choice(alphabet) for _ in range(random.randint(0, 200)))
    parts = [
        "<envelope xmlns='%s'><content><body xmlns='%s'>%s</body></content>" % (SCE, CLIENT, escape(body)),
        "<rpad>%s</rpad>" % escape(rpad),
    ]
    if with_time:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts.append("<time stamp=%s/>" % quoteattr(stamp))
    if recipient:
        parts.append("<to jid=%s/>" % quoteattr(recipient))
    parts.append("<from jid=%s/>" % quoteattr(sender))
    parts.append("</envelope>")
    return "".join(parts)


def envelope_body(text):
    root = ET.fromstring(text)
    if root.tag != "{%s}envelope" % SCE:
        raise ValueError("not an SCE envelope: %s" % root.tag)
    body = root.find("{%s}content/{%s}body" % (SCE, CLIENT))
    return None if body is None else (body.text or "")


def fingerprint(identity_key):
    return identity_key.hex()


class Oracle:
    def __init__(self, state_path):
        self.state = State(state_path)
        self.jid_box = [self.state.data.get("jid")]
        self.outbox = []
        self.manager = None

    def need(self):
        if self.manager is None:
            raise ValueError("init first")
        return self.manager

    async def own(self, ns):
        manager = self.need()
        info, _ = await manager.get_own_device_information()
        jid = self.jid_box[0]
        return {
            "bundle": self.state.pep_get("bundle", ns, jid, info.device_id),
            "device_list": self.state.pep_get("devices", ns, jid),
        }

    async def init(self, command):
        jid = command.get("jid") or self.state.data.get("jid")
        if not jid:
            raise ValueError("init needs a jid")
        if self.state.data.get("jid") not in (None, jid):
            raise ValueError("the state belongs to %s" % self.state.data["jid"])
        if self.manager is not None:
            raise ValueError("already initialised")
        self.state.data["jid"] = jid
        self.jid_box[0] = jid
        storage = Storage(self.state)
        cls = make_manager_class(self.state, self.jid_box, self.outbox)
        self.manager = await cls.create(
            [twomemo.Twomemo(storage), oldmemo.Oldmemo(storage)],
            storage,
            jid,
            initial_own_label=None,
            undecided_trust_level_name=TRUST,
            pre_key_refill_threshold=99,
        )
        await self.manager.ensure_data_consistency()
        # Out of history synchronisation mode, as slixmpp-omemo does: a used pre key is replaced
        # and the bundle republished at once, and a key exchange is answered at once.
        await self.manager.after_history_sync()
        info, _ = await self.manager.get_own_device_information()
        return {
            "device_id": info.device_id,
            "identity_key": base64.b64encode(info.identity_key).decode("ascii"),
            "fingerprint": fingerprint(info.identity_key),
            "legacy": await self.own(LEGACY),
            "omemo2": await self.own(OMEMO2),
        }

    async def add_peer(self, command):
        manager = self.need()
        jid, ns = command["jid"], namespace(command["ns"])
        device_list = command["device_list"]
        ET.fromstring(device_list)  # refuse what is not XML before it goes in
        for device_id, bundle in (command.get("bundles") or {}).items():
            ET.fromstring(bundle)
            self.state.pep_put(bundle, "bundle", ns, jid, int(device_id))
        self.state.pep_put(device_list, "devices", ns, jid)
        await manager.refresh_device_list(ns, jid)
        devices = await manager.get_device_information(jid)
        return {"devices": sorted(d.device_id for d in devices)}

    async def encrypt(self, command):
        manager = self.need()
        to, ns = command["to"], namespace(command["ns"])
        sce = None
        if ns == OMEMO2:
            sce = command.get("envelope") or envelope(
                command["plaintext"],
                self.jid_box[0],
                recipient=to if command.get("to_affix") else None,
                rpad=command.get("rpad"),
                with_time=bool(command.get("time")),
            )
            plaintext = sce.encode("utf-8")
        else:
            plaintext = command["plaintext"].encode("utf-8")
        messages, errors = await manager.encrypt(
            frozenset({to}), {ns: plaintext}, backend_priority_order=[ns]
        )
        message = next((m for m in messages if m.namespace == ns), None)
        if message is None:
            raise ValueError("nothing encrypted for %s under %s" % (to, ns))
        element = (twomemo.etree if ns == OMEMO2 else oldmemo.etree).serialize_message(message)
        reply = {
            "encrypted": xml(element, ns),
            "errors": [repr(e) for e in errors],
            "recipients": sorted([k[0].bare_jid, k[0].device_id] for k in message.keys),
        }
        if sce is not None:
            reply["envelope"] = sce
        return reply

    async def decrypt(self, command):
        manager = self.need()
        sender = command["from"]
        element = ET.fromstring(command["encrypted"])
        if element.tag == "{%s}encrypted" % OMEMO2:
            ns = OMEMO2
            message = twomemo.etree.parse_message(element, sender)
        elif element.tag == "{%s}encrypted" % LEGACY:
            ns = LEGACY
            message = await oldmemo.etree.parse_message(element, sender, self.jid_box[0], manager)
        else:
            raise ValueError("not an OMEMO <encrypted/>: %s" % element.tag)
        info, _ = await manager.get_own_device_information()
        ours = [
            kex for key, kex in message.keys
            if key.bare_jid == self.jid_box[0] and key.device_id == info.device_id
        ]
        plaintext, device, _ = await manager.decrypt(message)
        reply = {
            "ns": SHORT[ns],
            "device_id": device.device_id,
            "key_exchange": bool(ours) and ours[0] is not None,
            "plaintext": None,
        }
        if plaintext is not None:
            text = plaintext.decode("utf-8")
            if ns == OMEMO2:
                reply["envelope"] = text
                reply["plaintext"] = envelope_body(text)
            else:
                reply["plaintext"] = text
        return reply

    async def bundle(self, command):
        ns = namespace(command["ns"])
        own = await self.own(ns)
        element = ET.fromstring(own["bundle"])
        own["pre_keys"] = sum(
            1 for e in element.iter() if e.tag in ("{%s}pk" % OMEMO2, "{%s}preKeyPublic" % LEGACY)
        )
        return own

    async def devices(self, command):
        manager = self.need()
        out = []
        for d in sorted(await manager.get_device_information(command["jid"]), key=lambda d: d.device_id):
            out.append({
                "device_id": d.device_id,
                "namespaces": sorted(SHORT.get(n, n) for n in d.namespaces),
                "active": {SHORT.get(n, n): a for n, a in d.active},
                "identity_key": base64.b64encode(d.identity_key).decode("ascii"),
                "fingerprint": fingerprint(d.identity_key),
                "trust": d.trust_level_name,
            })
        return {"devices": out}

    async def handle(self, line):
        try:
            command = json.loads(line)
            if not isinstance(command, dict):
                raise ValueError("a request is a JSON object")
            op = command.get("op")
            handlers = {
                "init": self.init,
                "add_peer": self.add_peer,
                "encrypt": self.encrypt,
                "decrypt": self.decrypt,
                "bundle": self.bundle,
                "devices": self.devices,
            }
            if op == "quit":
                return {"ok": True}, True
            if op not in handlers:
                raise ValueError("unknown op %r" % (op,))
            del self.outbox[:]
            reply = await handlers[op](command)
            if self.outbox:
                reply["sent"] = list(self.outbox)
            elif op in ("encrypt", "decrypt"):
                reply["sent"] = []
            del self.outbox[:]
            return {"ok": True, **reply}, False
        except Exception as error:  # every failure is an answer, never a crash
            sys.stderr.write(traceback.format_exc())
            text = "%s: %s" % (type(error).__name__, error)
            cause = error.__cause__
            if cause is not None:
                text += " (%s: %s)" % (type(cause).__name__, cause)
            return {"ok": False, "error": text}, False
        finally:
            try:
                self.state.save()
            except OSError as error:
                sys.stderr.write("state not saved: %s\n" % error)

    async def shutdown(self):
        if self.manager is not None:
            try:
                await self.manager.shutdown()
            except Exception:
                pass
        self.state.save()


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main():
    args = sys.argv[1:]
    path = None
    if args[:1] == ["--state"] and len(args) >= 2:
        path = args[1]
    elif args:
        sys.stderr.write(__doc__)
        sys.exit(2)
    oracle = Oracle(path)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        if not line.strip():
            continue
        reply, done = await oracle.handle(line)
        say(reply)
        if done:
            break
    await oracle.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
