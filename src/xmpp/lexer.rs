//! Splits the bytes of an XML stream into tokens (tags, text runs, CDATA
//! sections and the constructs XMPP forbids) without copying or allocating.
//!
//! The lexer only finds where each token ends; the reader has checked
//! UTF-8 once per read, and names, attributes, references and nesting are
//! checked by its tree builder. A token cut off by the end of the buffer is reported as
//! incomplete, and the lexer remembers how far it has already looked, so a
//! token arriving one byte per read is still scanned once.

use memchr::{memchr, memchr3, memmem};

use super::reader::XmlError;

/// The slice of `input` between two ASCII delimiters, which are always on
/// character boundaries.
fn cut(input: &str, from: usize, to: usize) -> &str {
    input.get(from..to).unwrap_or_default()
}

/// One complete token, borrowing from the input.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// `<name attrs>` or `<name attrs/>`; `attrs` is the raw text after the
    /// name, without the closing `/`.
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    /// `</name>`.
    End { name: &'a str },
    /// Character data up to the next `<`, references not yet resolved.
    Text(&'a str),
    /// The content of `<![CDATA[…]]>`.
    CData(&'a str),
    /// `<?xml …?>`.
    Decl,
    /// Any other processing instruction.
    Pi { target: &'a str },
    /// The start of a comment: reported at once, since XMPP forbids them.
    Comment,
    /// The start of a DTD: reported at once, since XMPP forbids them.
    DocType,
}

const CDATA_OPEN: &[u8] = b"<![CDATA[";
const COMMENT_OPEN: &[u8] = b"<!--";
const DOCTYPE_OPEN: &[u8] = b"<!DOCTYPE";

/// Scanning progress inside the token at the front of the input.
#[derive(Debug, Default)]
pub(super) struct Lexer {
    /// Bytes of the current token already searched for its end.
    scanned: usize,
    /// Inside a start tag: the quote of the attribute value being scanned.
    quote: Option<u8>,
}

impl Lexer {
    /// The token at the front of `input` and its length, or `None` when
    /// `input` ends inside it. Call again with the same front (and more
    /// bytes after it) to continue.
    pub(super) fn next<'a>(
        &mut self,
        input: &'a str,
    ) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        let Some(&first) = input.as_bytes().first() else {
            return Ok(None);
        };
        let found = if first != b'<' {
            self.text(input)?
        } else {
            match input.as_bytes().get(1) {
                None => None,
                Some(b'/') => self.end_tag(input)?,
                Some(b'?') => self.processing_instruction(input)?,
                Some(b'!') => self.bang(input)?,
                Some(_) => self.start_tag(input)?,
            }
        };
        if found.is_some() {
            *self = Lexer::default();
        }
        Ok(found)
    }

    /// The text run at the front, when the input ends inside it because the
    /// stream ended: what a closed connection leaves behind.
    pub(super) fn trailing_text(input: &str) -> Option<Token<'_>> {
        match input.as_bytes().first() {
            Some(&b) if b != b'<' => Some(Token::Text(input)),
            _ => None,
        }
    }

    fn text<'a>(&mut self, input: &'a str) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        match memchr(b'<', &input.as_bytes()[self.scanned..]) {
            Some(at) => {
                let len = self.scanned + at;
                Ok(Some((Token::Text(cut(input, 0, len)), len)))
            }
            None => {
                self.scanned = input.len();
                Ok(None)
            }
        }
    }

    fn end_tag<'a>(&mut self, input: &'a str) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        let from = self.scanned.max(2);
        match memchr(b'>', &input.as_bytes()[from..]) {
            Some(at) => {
                let gt = from + at;
                let name = cut(input, 2, gt).trim_end_matches(is_xml_space_char);
                Ok(Some((Token::End { name }, gt + 1)))
            }
            None => {
                self.scanned = input.len();
                Ok(None)
            }
        }
    }

    fn start_tag<'a>(&mut self, input: &'a str) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        // A `>` inside a quoted attribute value does not end the tag.
        let bytes = input.as_bytes();
        let mut at = self.scanned.max(1);
        let gt = loop {
            match self.quote {
                Some(quote) => match memchr(quote, &bytes[at..]) {
                    Some(i) => {
                        at += i + 1;
                        self.quote = None;
                    }
                    None => {
                        self.scanned = input.len();
                        return Ok(None);
                    }
                },
                None => match memchr3(b'>', b'\'', b'"', &bytes[at..]) {
                    Some(i) if bytes[at + i] == b'>' => break at + i,
                    Some(i) => {
                        self.quote = Some(bytes[at + i]);
                        at += i + 1;
                    }
                    None => {
                        self.scanned = input.len();
                        return Ok(None);
                    }
                },
            }
        };
        let mut content = cut(input, 1, gt);
        let empty = content.ends_with('/');
        if empty {
            content = &content[..content.len() - 1];
        }
        let name_len = content
            .bytes()
            .position(is_xml_space)
            .unwrap_or(content.len());
        let (name, attrs) = content.split_at(name_len);
        Ok(Some((Token::Start { name, attrs, empty }, gt + 1)))
    }

    fn processing_instruction<'a>(
        &mut self,
        input: &'a str,
    ) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        // `?>` may straddle the previous scan's end.
        let from = self.scanned.saturating_sub(1).max(2);
        match memmem::find(&input.as_bytes()[from..], b"?>") {
            Some(at) => {
                let close = from + at;
                let body = cut(input, 2, close);
                let target_len = body.bytes().position(is_xml_space).unwrap_or(body.len());
                let target = &body[..target_len];
                let token = if target == "xml" {
                    Token::Decl
                } else {
                    Token::Pi { target }
                };
                Ok(Some((token, close + 2)))
            }
            None => {
                self.scanned = input.len();
                Ok(None)
            }
        }
    }

    fn bang<'a>(&mut self, input: &'a str) -> Result<Option<(Token<'a>, usize)>, XmlError> {
        let bytes = input.as_bytes();
        if bytes.starts_with(COMMENT_OPEN) {
            return Ok(Some((Token::Comment, COMMENT_OPEN.len())));
        }
        if bytes.starts_with(DOCTYPE_OPEN) {
            return Ok(Some((Token::DocType, DOCTYPE_OPEN.len())));
        }
        if bytes.starts_with(CDATA_OPEN) {
            let from = self.scanned.saturating_sub(2).max(CDATA_OPEN.len());
            return match memmem::find(&bytes[from..], b"]]>") {
                Some(at) => {
                    let close = from + at;
                    let data = cut(input, CDATA_OPEN.len(), close);
                    Ok(Some((Token::CData(data), close + 3)))
                }
                None => {
                    self.scanned = input.len();
                    Ok(None)
                }
            };
        }
        let could_become = [COMMENT_OPEN, DOCTYPE_OPEN, CDATA_OPEN]
            .iter()
            .any(|open| open.starts_with(bytes));
        if could_become {
            return Ok(None);
        }
        Err(XmlError::NotWellFormed(
            "`<!` that starts no CDATA section, comment or DTD".into(),
        ))
    }
}

pub(super) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_xml_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tokens(input: &str) -> Vec<Token<'_>> {
        let mut lexer = Lexer::default();
        let mut rest = input;
        let mut out = Vec::new();
        while let Some((token, len)) = lexer.next(rest).unwrap() {
            out.push(token);
            rest = &rest[len..];
        }
        out
    }

    #[test]
    fn splits_tags_text_and_cdata() {
        assert_eq!(
            tokens("<a x='1>2' y=\"'\">t&amp;<b/><![CDATA[<]]]></a >z"),
            [
                Token::Start {
                    name: "a",
                    attrs: " x='1>2' y=\"'\"",
                    empty: false
                },
                Token::Text("t&amp;"),
                Token::Start {
                    name: "b",
                    attrs: "",
                    empty: true
                },
                Token::CData("<]"),
                Token::End { name: "a" },
            ]
        );
    }

    #[test]
    fn forbidden_constructs_are_reported_at_their_start() {
        assert_eq!(tokens("<!-- never closed"), [Token::Comment]);
        assert_eq!(
            Lexer::default().next("<!DOCTYPE x [<!ENTITY").unwrap(),
            Some((Token::DocType, 9))
        );
        assert_eq!(
            tokens("<?xml version='1.0'?><?evil x?>"),
            [Token::Decl, Token::Pi { target: "evil" }]
        );
        assert!(Lexer::default().next("<!x").is_err());
        assert_eq!(Lexer::default().next("<![CD").unwrap(), None);
    }

    #[test]
    fn a_token_fed_one_byte_at_a_time_completes_once() {
        let input = "<message to='a>b' id=\"q\"><body>hi</body></message>";
        let mut lexer = Lexer::default();
        let mut start = 0;
        let mut seen = Vec::new();
        for end in 1..=input.len() {
            while let Some((token, len)) = lexer.next(&input[start..end]).unwrap() {
                seen.push(format!("{token:?}"));
                start += len;
            }
        }
        assert_eq!(seen.len(), 5, "{seen:?}");
        assert!(seen[0].contains("a>b"), "{seen:?}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod measure {
    use super::*;

    /// Not a gate: `THROUGHPUT_FILE=… cargo test --release --lib lexer_only -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn lexer_only() {
        let input = std::fs::read_to_string(std::env::var("THROUGHPUT_FILE").unwrap()).unwrap();
        let started = std::time::Instant::now();
        let mut tokens = 0;
        for _ in 0..30 {
            let mut lexer = Lexer::default();
            let mut rest = &input[..];
            while let Some((token, len)) = lexer.next(rest).unwrap() {
                std::hint::black_box(token);
                tokens += 1;
                rest = &rest[len..];
            }
        }
        let elapsed = started.elapsed();
        println!(
            "{tokens} tokens: {:.0} MB/s",
            (input.len() * 30) as f64 / elapsed.as_secs_f64() / 1e6
        );
    }
}
