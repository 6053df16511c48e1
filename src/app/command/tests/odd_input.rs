//! Parsing, help and completion on hostile and random input.

use super::*;

/// Parsing, help and completion never panic, whatever is typed.
#[test]
fn no_panics_on_odd_input() {
    let groups = strings(&["Friends", "Ünïcode"]);
    let jids = strings(&["josé@example.net/móvil", ROMEO]);
    let ctx = CompletionContext {
        jids: &jids,
        groups: &groups,
    };
    let mut lines: Vec<String> = [
        "/msg josé@example.net/móvil hola | ¿qué tal? ",
        "/group xmpp://a@b/c@d?x#y a, ,b,,\t-, ",
        "/normal im:@/ | | |",
        "/presence pres:ü@ö/ä unavailable \u{0}\u{1b}[31m",
        "//\u{202e}/priority -99999999999999999999999",
        "/status DND \r\n tab\there",
        "/add xmpp:%%%25%C3%28@example.net",
        "/\u{feff}help \u{200b}",
        "/msg [::1] /msg 127.0.0.1/x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.push(format!("/msg {}@example.net", "a".repeat(5000)));
    lines.push(format!("/{}", "q".repeat(20_000)));
    lines.push(format!("/group {ROMEO} {}", "g,".repeat(10_000)));
    // A tiny xorshift gives varied unicode and control input without a
    // dependency.
    let mut seed: u32 = 0x9e37_79b9;
    for _ in 0..200 {
        let mut line = String::from("/");
        for _ in 0..(seed % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let c = match seed % 4 {
                0 => char::from_u32(seed % 0x80),
                1 => char::from_u32(seed % 0x3000),
                2 => [' ', '@', '/', '|', ',', ':', '%']
                    .get((seed % 7) as usize)
                    .copied(),
                _ => char::from_u32(seed % 0x11_0000),
            };
            line.push(c.unwrap_or('\u{fffd}'));
        }
        lines.push(line);
    }
    for line in &lines {
        let boundaries = line
            .char_indices()
            .map(|(i, _)| i)
            .chain([line.len()])
            .step_by(if line.len() > 1000 { 997 } else { 1 });
        for end in boundaries {
            let prefix = &line[..end];
            if let Err(e) = parse(prefix) {
                let _ = e.to_string();
            }
            let _ = complete(prefix, &ctx);
            if let Err(e) = help(Some(prefix)) {
                let _ = e.to_string();
            }
            for rest in ["", "/"] {
                let _ = parse(&format!("{rest}{prefix}"));
            }
        }
    }
}
