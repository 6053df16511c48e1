//! Tests of `vcard.rs`, with the checklist's example stanzas (§5).
#![allow(clippy::unwrap_used)]

use super::*;
use crate::xmpp::stanza::test_xml;

fn card(xml: &str) -> VCard {
    VCard::parse(&test_xml::parse(xml)).unwrap()
}

const JULIET: &str = "<vCard xmlns='vcard-temp'>\
    <FN>Juliet Capulet</FN><NICKNAME>jules</NICKNAME>\
    <N><FAMILY>Capulet</FAMILY><GIVEN>Juliet</GIVEN><MIDDLE>I</MIDDLE></N>\
    <EMAIL><INTERNET/><PREF/><USERID>juliet@example.org</USERID></EMAIL>\
    <EMAIL><INTERNET/><USERID>jc@example.com</USERID></EMAIL>\
    <TEL><HOME/><VOICE/><NUMBER>+39 045 000</NUMBER></TEL>\
    <ADR><HOME/><STREET>Via Cappello 23</STREET><LOCALITY>Verona</LOCALITY><CTRY>Italy</CTRY></ADR>\
    <ORG><ORGNAME>House Capulet</ORGNAME><ORGUNIT>Balcony</ORGUNIT></ORG>\
    <TITLE>Heiress</TITLE><ROLE>Lover</ROLE><URL>https://example.org/juliet</URL>\
    <BDAY>1583-07-31</BDAY><NOTE>Wherefore art thou</NOTE><DESC>A Capulet</DESC>\
    <JABBERID>juliet@example.com</JABBERID>\
    <X-HOROSCOPE xmlns='vcard-temp'>Leo</X-HOROSCOPE><x xmlns='urn:example:x'><y/></x>\
    </vCard>";

/// VCARD-07: the common fields are read, repeated ones in order.
#[test]
fn vcard_07_common_fields_are_read() {
    let read = card(JULIET).card();
    assert_eq!(read.full_name.as_deref(), Some("Juliet Capulet"));
    assert_eq!(read.nickname.as_deref(), Some("jules"));
    assert_eq!(read.given.as_deref(), Some("Juliet"));
    assert_eq!(read.family.as_deref(), Some("Capulet"));
    assert_eq!(read.middle.as_deref(), Some("I"));
    assert_eq!(read.emails, ["juliet@example.org", "jc@example.com"]);
    assert_eq!(read.phones[0].number, "+39 045 000");
    assert_eq!(read.phones[0].kinds, ["home", "voice"]);
    assert_eq!(read.addresses, ["Via Cappello 23, Verona, Italy"]);
    assert_eq!(read.org.as_deref(), Some("House Capulet"));
    assert_eq!(read.org_units, ["Balcony"]);
    assert_eq!(read.title.as_deref(), Some("Heiress"));
    assert_eq!(read.role.as_deref(), Some("Lover"));
    assert_eq!(read.urls, ["https://example.org/juliet"]);
    assert_eq!(read.birthday.as_deref(), Some("1583-07-31"));
    assert_eq!(read.note.as_deref(), Some("Wherefore art thou"));
    assert_eq!(read.desc.as_deref(), Some("A Capulet"));
    assert_eq!(read.jabber_ids, ["juliet@example.com"]);
    let lines = read.lines();
    assert_eq!(lines[0], ("name", "Juliet Capulet".to_owned()));
    assert!(lines.contains(&("phone", "+39 045 000 (home, voice)".to_owned())));
}

/// VCARD-02: an empty `<vCard/>`, or a result without one, is an
/// empty card; a card of blank fields is empty too.
#[test]
fn vcard_02_empty_shapes_read_as_an_empty_card() {
    assert!(card("<vCard xmlns='vcard-temp'/>").is_empty());
    assert_eq!(VCard::from_result(None), Ok(VCard::default()));
    assert!(card("<vCard xmlns='vcard-temp'><FN> </FN><N/></vCard>").is_empty());
    assert!(!card(JULIET).is_empty());
    assert!(matches!(
        VCard::parse(&test_xml::parse("<query xmlns='jabber:iq:roster'/>")),
        Err(VcardError::NotACard(_))
    ));
}

/// VCARD-05: names in any case are read; a `<vCard/>` in another
/// namespace is not a card.
#[test]
fn vcard_05_lower_case_names_are_read() {
    let read = card(
        "<vcard xmlns='vcard-temp'><fn>Romeo</fn><email><userid>r@example.net</userid></email></vcard>",
    )
    .card();
    assert_eq!(read.full_name.as_deref(), Some("Romeo"));
    assert_eq!(read.emails, ["r@example.net"]);
    assert!(VCard::parse(&test_xml::parse("<vCard xmlns='urn:other'/>")).is_err());
}

/// VCARD-04: a card read and written back is the same card, unknown
/// elements included, byte for byte.
#[test]
fn vcard_04_a_card_is_written_back_whole() {
    let read = card(JULIET);
    let again = read.to_element();
    assert_eq!(again.to_xml(), test_xml::parse(JULIET).to_xml());
    assert_eq!(VCard::parse(&again).unwrap(), read);
}

/// VCARD-04, VCARD-05: an edit changes one field where it stands and
/// keeps everything else, unknown elements too; new fields are written
/// in the checklist's format.
#[test]
fn vcard_04_05_an_edit_changes_only_its_field() {
    let mut edited = card(JULIET);
    edited.set(Field::FullName, Some("Juliet Montague"));
    edited.set(Field::Email, Some("jm@example.org"));
    edited.set(Field::Org, Some("House Montague"));
    edited.set(Field::Family, Some("Montague"));
    let xml = edited.to_element().to_xml();
    assert!(xml.starts_with("<vCard xmlns='vcard-temp'><FN>Juliet Montague</FN>"));
    assert!(
        xml.contains("<EMAIL><INTERNET/><PREF/><USERID>jm@example.org</USERID></EMAIL>"),
        "{xml}"
    );
    assert!(xml.contains("<EMAIL><INTERNET/><USERID>jc@example.com</USERID></EMAIL>"));
    assert!(
        xml.contains("<ORG><ORGNAME>House Montague</ORGNAME><ORGUNIT>Balcony</ORGUNIT></ORG>"),
        "{xml}"
    );
    assert!(
        xml.contains("<N><FAMILY>Montague</FAMILY><GIVEN>Juliet</GIVEN><MIDDLE>I</MIDDLE></N>"),
        "{xml}"
    );
    assert!(xml.contains("<X-HOROSCOPE>Leo</X-HOROSCOPE><x xmlns='urn:example:x'><y/></x>"));
    assert!(xml.contains("<TEL><HOME/><VOICE/><NUMBER>+39 045 000</NUMBER></TEL>"));

    let mut fresh = VCard::default();
    fresh.set(Field::Email, Some("romeo@example.net"));
    fresh.set(Field::Tel, Some("+39 045 111"));
    fresh.set(Field::Given, Some("Romeo"));
    fresh.set(Field::Nickname, Some("  Romy "));
    assert_eq!(
        fresh.to_element().to_xml(),
        "<vCard xmlns='vcard-temp'>\
         <EMAIL><INTERNET/><USERID>romeo@example.net</USERID></EMAIL>\
         <TEL><VOICE/><NUMBER>+39 045 111</NUMBER></TEL>\
         <N><GIVEN>Romeo</GIVEN></N><NICKNAME>Romy</NICKNAME></vCard>"
    );
}

/// VCARD-04: clearing removes the field and nothing else; clearing
/// the last part of `N` removes `N`.
#[test]
fn vcard_04_clearing_a_field() {
    let mut edited = card(JULIET);
    edited.set(Field::Email, None);
    edited.set(Field::Note, Some("  "));
    edited.set(Field::Middle, None);
    let read = edited.card();
    assert!(read.emails.is_empty());
    assert_eq!(read.note, None);
    assert_eq!(read.middle, None);
    assert_eq!(read.given.as_deref(), Some("Juliet"));
    assert_eq!(read.nickname.as_deref(), Some("jules"));
    let mut only_given = VCard::default();
    only_given.set(Field::Given, Some("Romeo"));
    only_given.set(Field::Given, None);
    assert_eq!(only_given.elements().len(), 0);
    only_given.set(Field::Url, None);
    assert_eq!(only_given, VCard::default());
}

/// VCARD-09: the value of a field, as the server stored it, can be
/// compared with what was set.
#[test]
fn vcard_09_value_of_a_field() {
    let read = card(JULIET);
    assert_eq!(read.value(Field::Tel).as_deref(), Some("+39 045 000"));
    assert_eq!(
        read.value(Field::Email).as_deref(),
        Some("juliet@example.org")
    );
    assert_eq!(read.value(Field::Desc).as_deref(), Some("A Capulet"));
    assert_eq!(VCard::default().value(Field::FullName), None);
}

/// VCARD-08: a photo is its type and size, never its bytes; a card
/// over the cap is refused.
#[test]
fn vcard_08_photo_is_type_and_size_and_cards_are_capped() {
    let binval = "QUJD".repeat(4096); // 16 KiB of base64: 12 KiB of image.
    let read = card(&format!(
        "<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>{binval}\n</BINVAL></PHOTO></vCard>"
    ))
    .card();
    let photo = read.photo.unwrap();
    assert_eq!(photo.bytes, Some(12 * 1024));
    assert_eq!(photo.describe(), "image/png, 12 KiB");
    let padded = card(
        "<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/gif</TYPE><BINVAL>QQ==</BINVAL></PHOTO></vCard>",
    );
    assert_eq!(padded.card().photo.unwrap().bytes, Some(1));
    let external = card(
        "<vCard xmlns='vcard-temp'><PHOTO><EXTVAL>https://example.org/j.png</EXTVAL></PHOTO></vCard>",
    );
    assert_eq!(
        external.card().photo.unwrap().describe(),
        "an image at https://example.org/j.png"
    );
    let huge = format!(
        "<vCard xmlns='vcard-temp'><PHOTO><BINVAL>{}</BINVAL></PHOTO></vCard>",
        "A".repeat(MAX_CARD_BYTES + 1)
    );
    assert_eq!(
        VCard::parse(&test_xml::parse(&huge)),
        Err(VcardError::TooLarge)
    );
}

/// VCARD-07: every value is capped, and repeated fields are counted.
#[test]
fn vcard_07_values_are_capped() {
    let long = "x".repeat(10_000);
    let emails = "<EMAIL><USERID>a@b</USERID></EMAIL>".repeat(100);
    let read = card(&format!(
        "<vCard xmlns='vcard-temp'><FN>{long}</FN><NOTE>{long}</NOTE>{emails}</vCard>"
    ))
    .card();
    assert!(read.full_name.unwrap().len() <= MAX_FIELD_BYTES);
    assert!(read.note.unwrap().len() <= MAX_TEXT_BYTES);
    assert_eq!(read.emails.len(), MAX_REPEATED);
}

#[test]
fn fields_are_typed_by_name() {
    for field in Field::ALL {
        assert_eq!(Field::parse(field.as_str()), Some(field));
    }
    assert_eq!(Field::parse("FN"), Some(Field::FullName));
    assert_eq!(Field::parse("phone"), Some(Field::Tel));
    assert_eq!(Field::parse("avatar"), None);
}
