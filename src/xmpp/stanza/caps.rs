//! Entity capabilities (XEP-0115; checklist §3 CAPS). Ours: the `ver`
//! string computed from our identity and features, and the `<c/>` every
//! available presence carries (CAPS-01, CAPS-02, CAPS-04, CAPS-05). Servers
//! learn our `+notify` interests from it (PEP-10): without it Prosody and
//! ejabberd send no PEP notifications, bookmark pushes included.
//!
//! Others': the `<c/>` a contact's presence carries ([`Announced`], bounded)
//! and the check of a disco#info answer against the `ver` it claims
//! ([`verify`], CAPS-02, CAPS-03, CAPS-09), extended forms (XEP-0128)
//! included. Which JIDs are asked and what is cached is the store's.
//!
//! Syntax only: which features we have is the session's (`answer.rs`).
//! Must not import `crate::app`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::digest;

use super::disco::Info;
use crate::xmpp::element::Element;
use crate::xmpp::ns;

/// Longest `hash` name kept from a received `<c/>` (the IANA names are
/// short: `sha-1`, `sha-512`, `sha3-256`…).
pub const MAX_HASH_BYTES: usize = 32;
/// Longest `ver` kept: a base64 SHA-512 is 88 characters; legacy `ver`s
/// (CAPS-07) are version numbers.
pub const MAX_VER_BYTES: usize = 128;
/// Longest `node` kept.
pub const MAX_NODE_BYTES: usize = 512;

/// The `<c/>` of a received available presence: who the entity's client
/// is (`node`) and a name for its feature set (`ver`), hashed with `hash`
/// (none: the legacy format, CAPS-07).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Announced {
    pub hash: Option<String>,
    pub node: String,
    pub ver: String,
}

impl Announced {
    /// Reads the `<c xmlns='http://jabber.org/protocol/caps'/>` among
    /// `stanza`'s children. `None` without one, without `node` or `ver`,
    /// or when a value is empty or over its bound: a hostile peer cannot
    /// make us keep (or ask about) long strings.
    pub fn of(stanza: &Element) -> Option<Announced> {
        let c = stanza.child("c", ns::CAPS)?;
        let bounded = |name: &str, max: usize| {
            c.attr(name)
                .filter(|value| !value.is_empty() && value.len() <= max)
                .map(str::to_owned)
        };
        let hash = match c.attr("hash") {
            None => None,
            Some(_) => Some(bounded("hash", MAX_HASH_BYTES)?),
        };
        Some(Announced {
            hash,
            node: bounded("node", MAX_NODE_BYTES)?,
            ver: bounded("ver", MAX_VER_BYTES)?,
        })
    }

    /// The `<c/>` again, as read.
    pub fn to_element(&self) -> Element {
        Element::new("c", ns::CAPS)
            .with_opt_attr("hash", self.hash.clone())
            .with_attr("node", self.node.clone())
            .with_attr("ver", self.ver.clone())
    }

    /// CAPS-09: the disco#info node to ask, `node#ver`.
    pub fn disco_node(&self) -> String {
        format!("{}#{}", self.node, self.ver)
    }

    /// The hash algorithm, when it is one we compute (CAPS-08).
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.hash.as_deref().and_then(Algorithm::from_name)
    }
}

/// The hash functions we verify (CAPS-08: `sha-1` is a MUST, the others
/// come free with the same library).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    /// The algorithm named by a `<c/>`'s `hash` (IANA hash function
    /// textual names).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "sha-1" => Some(Algorithm::Sha1),
            "sha-256" => Some(Algorithm::Sha256),
            "sha-384" => Some(Algorithm::Sha384),
            "sha-512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// CAPS-02: the base64 (with padding) digest of `text`'s UTF-8 bytes.
    pub fn digest(self, text: &str) -> String {
        let algorithm = match self {
            Algorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Algorithm::Sha256 => &digest::SHA256,
            Algorithm::Sha384 => &digest::SHA384,
            Algorithm::Sha512 => &digest::SHA512,
        };
        BASE64.encode(digest::digest(algorithm, text.as_bytes()).as_ref())
    }
}

/// Why a disco#info answer cannot stand for a `ver` (CAPS-09).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IllFormed {
    #[error("two identical identities")]
    DuplicateIdentity,
    #[error("two identical features")]
    DuplicateFeature,
    #[error("two forms with one FORM_TYPE")]
    DuplicateForm,
    #[error("a FORM_TYPE with differing values")]
    FormTypeValues,
}

/// CAPS-02, CAPS-03: the verification string `S` of a disco#info answer:
/// identities sorted by category, type, `xml:lang` (then name), each
/// `category/type/lang/name<`; the sorted features, each `feature<`; then
/// the extended forms (only those named by a hidden `FORM_TYPE`, as
/// [`super::disco::parse_info`] keeps them) sorted by `FORM_TYPE`, each the
/// `FORM_TYPE<`, then its other fields sorted by `var`, each `var<` and its
/// sorted values `value<`. The parsed text goes in as it is: `&lt;` stays
/// four characters. CAPS-09: an answer with two identical identities, two
/// identical features, two forms of one `FORM_TYPE` or a `FORM_TYPE` with
/// differing values is ill-formed.
pub fn verification_string(info: &Info) -> Result<String, IllFormed> {
    let mut identities: Vec<(&str, &str, &str, &str)> = info
        .identities
        .iter()
        .map(|i| {
            (
                i.category.as_str(),
                i.kind.as_str(),
                i.lang.as_deref().unwrap_or(""),
                i.name.as_deref().unwrap_or(""),
            )
        })
        .collect();
    identities.sort_unstable();
    if identities.windows(2).any(|w| w[0] == w[1]) {
        return Err(IllFormed::DuplicateIdentity);
    }
    let mut features: Vec<&str> = info.features.iter().map(String::as_str).collect();
    features.sort_unstable();
    if features.windows(2).any(|w| w[0] == w[1]) {
        return Err(IllFormed::DuplicateFeature);
    }
    let mut forms = Vec::with_capacity(info.forms.len());
    for form in &info.forms {
        let Some(form_type) = form.form_type() else {
            continue;
        };
        let values = form
            .field("FORM_TYPE")
            .map(|f| &f.values[..])
            .unwrap_or(&[]);
        if values.iter().any(|v| v != form_type) {
            return Err(IllFormed::FormTypeValues);
        }
        forms.push((form_type, form));
    }
    forms.sort_unstable_by_key(|(form_type, _)| *form_type);
    if forms.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(IllFormed::DuplicateForm);
    }
    let mut s = String::new();
    for (category, kind, lang, name) in identities {
        s.push_str(&format!("{category}/{kind}/{lang}/{name}<"));
    }
    for feature in features {
        s.push_str(feature);
        s.push('<');
    }
    for (form_type, form) in forms {
        s.push_str(form_type);
        s.push('<');
        let mut fields: Vec<(&str, Vec<&str>)> = form
            .fields
            .iter()
            .filter_map(|field| {
                let var = field.var.as_deref().filter(|var| *var != "FORM_TYPE")?;
                let mut values: Vec<&str> = field.values.iter().map(String::as_str).collect();
                values.sort_unstable();
                Some((var, values))
            })
            .collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        for (var, values) in fields {
            s.push_str(var);
            s.push('<');
            for value in values {
                s.push_str(value);
                s.push('<');
            }
        }
    }
    Ok(s)
}

/// What checking an answer against the `ver` it was asked for found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The answer hashes to `ver`: it may stand for every entity that
    /// announces the same `(hash, ver)` (CAPS-09, CAPS-10).
    Verified,
    /// A well-formed answer that hashes to something else: good for the
    /// entity asked only.
    Mismatch,
    /// An ill-formed answer (CAPS-09).
    IllFormed(IllFormed),
}

/// CAPS-09: checks `info`, the answer to `node#ver`, against `ver`.
pub fn verify(algorithm: Algorithm, ver: &str, info: &Info) -> Verdict {
    match verification_string(info) {
        Ok(s) if algorithm.digest(&s) == ver => Verdict::Verified,
        Ok(_) => Verdict::Mismatch,
        Err(error) => Verdict::IllFormed(error),
    }
}

/// CAPS-04: a constant URI naming balcony.
pub const NODE: &str = "https://balcony.example/caps";

/// One `<identity/>`: category, type, `xml:lang` and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity<'a> {
    pub category: &'a str,
    pub kind: &'a str,
    pub lang: &'a str,
    pub name: &'a str,
}

/// CAPS-02: the `sha-1` verification string of `identities` and
/// `features` (no extended forms): identities sorted by category, type and
/// lang, each `category/type/lang/name<`, then the sorted features, each
/// `feature<`, hashed and written in base64 with padding.
pub fn ver(identities: &[Identity<'_>], features: &[&str]) -> String {
    let mut identities = identities.to_vec();
    identities.sort_by(|a, b| (a.category, a.kind, a.lang).cmp(&(b.category, b.kind, b.lang)));
    let mut features = features.to_vec();
    features.sort_unstable();
    let mut s = String::new();
    for identity in &identities {
        s.push_str(&format!(
            "{}/{}/{}/{}<",
            identity.category, identity.kind, identity.lang, identity.name
        ));
    }
    for feature in &features {
        s.push_str(feature);
        s.push('<');
    }
    Algorithm::Sha1.digest(&s)
}

/// CAPS-01: `<c xmlns='http://jabber.org/protocol/caps' hash='sha-1'
/// node ver/>`.
pub fn element(ver: &str) -> Element {
    Element::new("c", ns::CAPS)
        .with_attr("hash", "sha-1")
        .with_attr("node", NODE)
        .with_attr("ver", ver)
}

/// CAPS-01: adds our `<c/>` to an available presence (no `type`) that has
/// none; every other stanza is left as it is.
pub fn stamp(stanza: &mut Element, ver: &str) {
    if stanza.name() == "presence"
        && stanza.ns() == ns::CLIENT
        && stanza.attr("type").is_none()
        && !stanza.has_child("c", ns::CAPS)
    {
        stanza.push_child(element(ver));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// CAPS-02: the XEP's simple example and the checklist's vector.
    #[test]
    fn caps_02_ver_vectors() {
        let exodus = Identity {
            category: "client",
            kind: "pc",
            lang: "",
            name: "Exodus 0.9.1",
        };
        assert_eq!(
            ver(
                &[exodus],
                &[
                    "http://jabber.org/protocol/muc",
                    "http://jabber.org/protocol/caps",
                    "http://jabber.org/protocol/disco#items",
                    "http://jabber.org/protocol/disco#info",
                ]
            ),
            "QgayPKawpkPSDYmwT/WM94uAlu0="
        );
        let balcony = Identity {
            category: "client",
            kind: "console",
            lang: "",
            name: "balcony",
        };
        assert_eq!(
            ver(
                &[balcony],
                &[
                    "urn:xmpp:receipts",
                    "http://jabber.org/protocol/caps",
                    "http://jabber.org/protocol/disco#info",
                    "http://jabber.org/protocol/disco#items",
                    "urn:xmpp:bookmarks:1+notify",
                ]
            ),
            "HJpxRx4022QQrDAuc4c3V3fqhvc="
        );
    }

    /// CAPS-01: available presence gets the `<c/>`, once; unavailable and
    /// other stanzas do not. CAPS-04: always with `hash`, and the one
    /// constant node.
    #[test]
    fn caps_01_stamp_available_presence_only() {
        let mut presence = Element::new("presence", ns::CLIENT);
        stamp(&mut presence, "V=");
        stamp(&mut presence, "V=");
        assert_eq!(
            presence.to_xml(),
            "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' \
             node='https://balcony.example/caps' ver='V='/></presence>"
        );
        let mut gone = Element::new("presence", ns::CLIENT).with_attr("type", "unavailable");
        stamp(&mut gone, "V=");
        assert_eq!(gone.to_xml(), "<presence type='unavailable'/>");
        let mut message = Element::new("message", ns::CLIENT);
        stamp(&mut message, "V=");
        assert_eq!(message.to_xml(), "<message/>");
    }

    fn info(xml: &str) -> Info {
        super::super::disco::parse_info(Some(&crate::xmpp::stanza::test_xml::parse(xml)))
    }

    const COMPLEX: &str = "<query xmlns='http://jabber.org/protocol/disco#info' \
         node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>\
         <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>\
         <identity xml:lang='el' category='client' name='\u{3a8} 0.11' type='pc'/>\
         <feature var='http://jabber.org/protocol/caps'/>\
         <feature var='http://jabber.org/protocol/disco#info'/>\
         <feature var='http://jabber.org/protocol/disco#items'/>\
         <feature var='http://jabber.org/protocol/muc'/>\
         <x xmlns='jabber:x:data' type='result'>\
         <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>\
         <field var='ip_version' type='text-multi'><value>ipv6</value><value>ipv4</value></field>\
         <field var='os'><value>Mac</value></field>\
         <field var='software_version'><value>0.11</value></field>\
         <field var='os_version'><value>10.5.1</value></field>\
         <field var='software'><value>Psi</value></field></x></query>";

    /// CAPS-02, CAPS-09: the XEP's complex example, two identities in
    /// two languages and a software-info form, verifies; so does the
    /// simple one.
    #[test]
    fn caps_02_verify_xep_vectors_with_forms() {
        let complex = info(COMPLEX);
        assert_eq!(
            verify(Algorithm::Sha1, "q07IKJEyjvHSyhy//CH0CxmKi8w=", &complex),
            Verdict::Verified
        );
        let simple = info(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='client' name='Exodus 0.9.1' type='pc'/>\
             <feature var='http://jabber.org/protocol/caps'/>\
             <feature var='http://jabber.org/protocol/disco#info'/>\
             <feature var='http://jabber.org/protocol/disco#items'/>\
             <feature var='http://jabber.org/protocol/muc'/></query>",
        );
        assert_eq!(
            verify(Algorithm::Sha1, "QgayPKawpkPSDYmwT/WM94uAlu0=", &simple),
            Verdict::Verified
        );
        assert_eq!(
            verify(Algorithm::Sha1, "q07IKJEyjvHSyhy//CH0CxmKi8w=", &simple),
            Verdict::Mismatch
        );
        // The same S under another hash.
        let s = verification_string(&simple).unwrap();
        let v256 = Algorithm::Sha256.digest(&s);
        assert_eq!(verify(Algorithm::Sha256, &v256, &simple), Verdict::Verified);
        assert_eq!(v256.len(), 44);
    }

    /// CAPS-09: duplicate identities, features or form types, and a
    /// FORM_TYPE with two different values, are ill-formed; a form
    /// without a hidden FORM_TYPE is left out of S.
    #[test]
    fn caps_09_ill_formed_answers() {
        let base = "<query xmlns='http://jabber.org/protocol/disco#info'>\
                    <identity category='client' type='pc' name='A'/>";
        let form = |form_type: &str| {
            format!(
                "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>\
                 {form_type}</field><field var='a'><value>1</value></field></x>"
            )
        };
        let cases = [
            (
                "<identity category='client' type='pc' name='A'/><feature var='f'/>".to_owned(),
                IllFormed::DuplicateIdentity,
            ),
            (
                "<feature var='f'/><feature var='f'/>".to_owned(),
                IllFormed::DuplicateFeature,
            ),
            (
                format!("{}{}", form("<value>t</value>"), form("<value>t</value>")),
                IllFormed::DuplicateForm,
            ),
            (
                form("<value>t</value><value>u</value>"),
                IllFormed::FormTypeValues,
            ),
        ];
        for (rest, error) in cases {
            let answer = info(&format!("{base}{rest}</query>"));
            assert_eq!(
                verify(Algorithm::Sha1, "x", &answer),
                Verdict::IllFormed(error),
                "{rest}"
            );
        }
        // Same category/type, other lang: fine.
        let two_langs = info(&format!(
            "{base}<identity category='client' type='pc' xml:lang='de' name='A'/></query>"
        ));
        assert!(verification_string(&two_langs).is_ok());
        // A form without a hidden FORM_TYPE is ignored, not fatal.
        let plain = info(&format!("{base}<feature var='f'/></query>"));
        let extra = info(&format!(
            "{base}<feature var='f'/><x xmlns='jabber:x:data' type='result'>\
             <field var='FORM_TYPE'><value>t</value></field></x></query>"
        ));
        assert_eq!(verification_string(&plain), verification_string(&extra));
    }

    /// CAPS-03: `&amp;lt;` on the wire is the four characters `&lt;` in
    /// S, never `<`.
    #[test]
    fn caps_03_escaped_text_is_hashed_as_parsed() {
        let answer = info(
            "<query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='client' type='pc' name='Foo&amp;lt;bar'/></query>",
        );
        assert_eq!(
            verification_string(&answer).unwrap(),
            "client/pc//Foo&lt;bar<"
        );
    }

    /// CAPS-07, CAPS-08: a received `<c/>`: with a hash, without one
    /// (legacy), with one we do not compute; fields over their bounds or
    /// missing make no caps.
    #[test]
    fn caps_07_08_announced_caps_are_read_and_bounded() {
        let presence = |c: &str| {
            crate::xmpp::stanza::test_xml::parse(&format!(
                "<presence xmlns='jabber:client'>{c}</presence>"
            ))
        };
        let sha1 = Announced::of(&presence(
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' \
             node='http://code.google.com/p/exodus' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>",
        ))
        .unwrap();
        assert_eq!(sha1.algorithm(), Some(Algorithm::Sha1));
        assert_eq!(
            sha1.disco_node(),
            "http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0="
        );
        assert_eq!(Announced::of(&wrap_in_presence(&sha1)), Some(sha1.clone()));
        let legacy = Announced::of(&presence(
            "<c xmlns='http://jabber.org/protocol/caps' node='http://old.example' ver='1.0'/>",
        ))
        .unwrap();
        assert_eq!(legacy.hash, None);
        assert_eq!(legacy.algorithm(), None);
        let md2 = Announced::of(&presence(
            "<c xmlns='http://jabber.org/protocol/caps' hash='md2' node='n' ver='v'/>",
        ))
        .unwrap();
        assert_eq!(md2.algorithm(), None);
        let long = "v".repeat(MAX_VER_BYTES + 1);
        for c in [
            format!(
                "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='{long}'/>"
            ),
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' ver='v'/>".to_owned(),
            "<c xmlns='http://jabber.org/protocol/caps' hash='' node='n' ver='v'/>".to_owned(),
            "<c xmlns='urn:other' hash='sha-1' node='n' ver='v'/>".to_owned(),
        ] {
            assert_eq!(Announced::of(&presence(&c)), None, "{c}");
        }
    }

    fn wrap_in_presence(caps: &Announced) -> Element {
        Element::new("presence", ns::CLIENT).with_child(caps.to_element())
    }
}
