//! Text from outside (SLO names, descriptions, CloudWatch messages, file names)
//! on its way to a terminal: control characters are shown escaped, never sent
//! raw, so a name cannot move the cursor, recolour or clear the screen.

use std::borrow::Cow;

/// Characters a terminal would act on: C0 and C1 controls, DEL, and the
/// Unicode bidirectional overrides that reorder what is shown.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as `\u{1b}`; `keep_newlines`
/// leaves `\n` as it is (multi-line messages with a hint).
pub fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if !keep_newlines => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// One line for a terminal table or list: newlines become spaces, then
/// everything else unsafe is escaped.
/// `s` without its ANSI colour sequences (`ESC [ ... m`): what a terminal
/// shows of it.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains('\x1b') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // Skip to the end of the sequence (a letter).
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

pub fn line(s: &str) -> String {
    escape(&s.replace(['\r', '\n'], " "), false).into_owned()
}

/// At most `max` characters of `s`, with `…` where it was cut: a value
/// quoted in a message stays readable however long it is.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_acts_on() {
        assert_eq!(escape("plain name", false), "plain name");
        assert_eq!(escape("a\x1b[2Jb", false), "a\\u{1b}[2Jb");
        assert_eq!(escape("x\ny", true), "x\ny");
        assert_eq!(escape("x\ny", false), "x\\ny");
        assert_eq!(escape("\u{202E}evil", false), "\\u{202e}evil");
        assert_eq!(escape("\u{9b}31m", false), "\\u{9b}31m");
        assert_eq!(line("a\nb\x07"), "a b\\u{7}");
        assert_eq!(escape("é ✅ 漢字", false), "é ✅ 漢字");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("éééé", 2), "éé…");
    }
}
