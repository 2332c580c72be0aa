//! Finds the line of a key path (`slos[2].sli.total`) in slo.yaml's text, so that
//! errors found after parsing still point at a line. Block-style YAML is walked by
//! indentation; inside flow style (`{ a: b }`) it stops at the deepest key it found.

/// The 1-based line where `key` appears a second time, the first being on
/// `first`: on the same line (flow style), or further down at the same
/// indentation (block style).
pub fn repeated_key(text: &str, first: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(first.checked_sub(1)?)?;
    let is_key_at = |s: &str| {
        s.strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    };
    let flow_hits = line
        .match_indices(key)
        .filter(|(i, _)| {
            let before = line[..*i].trim_end();
            (before.ends_with('{') || before.ends_with(',')) && is_key_at(&line[*i..])
        })
        .count();
    if flow_hits > 1 {
        return Some(first);
    }
    let indent = line.len() - line.trim_start().len();
    for (i, l) in lines.iter().enumerate().skip(first) {
        let body = l.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let ind = l.len() - body.len();
        if ind < indent {
            return None;
        }
        if ind == indent && is_key_at(body) {
            return Some(i + 1);
        }
    }
    None
}

/// 1-based line of `path`, or of its deepest ancestor that could be found.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut best = None;
    // (first line to search, the indentation of the parent: children are deeper)
    let mut from = 0usize;
    let mut parent_indent: isize = -1;
    for seg in segments(path) {
        let found = match seg {
            Seg::Key(k) => find_key(&lines, from, parent_indent, &k),
            Seg::Index(i) => find_item(&lines, from, parent_indent, i),
        };
        match found {
            Some((line, indent)) => {
                best = Some(line + 1);
                from = line;
                parent_indent = indent;
            }
            None => break,
        }
    }
    best
}

enum Seg {
    Key(String),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else { break };
                if let Ok(n) = r[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &r[end + 1..];
            }
        } else if !rest.is_empty() {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

fn content(line: &str) -> Option<(isize, &str)> {
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    Some(((line.len() - trimmed.len()) as isize, trimmed))
}

/// A key at a deeper indentation than the parent; the key of a list item's first
/// entry (`- name: x`) sits two columns in from its dash.
fn find_key(lines: &[&str], from: usize, parent: isize, key: &str) -> Option<(usize, isize)> {
    for (n, line) in lines.iter().enumerate().skip(from) {
        let Some((mut indent, mut body)) = content(line) else {
            continue;
        };
        if n > from && indent <= parent {
            return None;
        }
        while let Some(rest) = body.strip_prefix("- ") {
            indent += 2;
            body = rest.trim_start();
        }
        let k = body
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if k == key && body.contains(':') && (n > from || parent < 0) {
            return Some((n, indent));
        }
    }
    None
}

/// The i-th `- ` item below the parent.
fn find_item(lines: &[&str], from: usize, parent: isize, i: usize) -> Option<(usize, isize)> {
    let mut seen = 0;
    let mut item_indent = None;
    for (n, line) in lines.iter().enumerate().skip(from + 1) {
        let Some((indent, body)) = content(line) else {
            continue;
        };
        if indent <= parent && !(body.starts_with("- ") && indent == parent) {
            return None;
        }
        if body.starts_with('-') {
            let level = *item_indent.get_or_insert(indent);
            if indent == level {
                if seen == i {
                    // The item's keys sit two columns in from its dash.
                    return Some((n, indent + 1));
                }
                seen += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "version: 1\nservice: x\nmetrics:\n  requests:\n    stat: Sum\n  errors:\n    stat: Sum\nslos:\n  - name: a\n    objective: 99%\n    sli:\n      total: requests\n  - name: b\n    sli:\n      good: nope\n      total: requests\n";

    #[test]
    fn finds_nested_keys_and_items() {
        assert_eq!(line_of(DOC, "service"), Some(2));
        assert_eq!(line_of(DOC, "metrics.errors.stat"), Some(7));
        assert_eq!(line_of(DOC, "slos[0].objective"), Some(10));
        assert_eq!(line_of(DOC, "slos[1].sli.good"), Some(15));
        assert_eq!(line_of(DOC, "slos[1]"), Some(13));
        assert_eq!(line_of(DOC, "slos[1].name"), Some(13));
    }

    #[test]
    fn falls_back_to_the_deepest_ancestor() {
        assert_eq!(line_of(DOC, "slos[1].sli.timeslice"), Some(14));
        assert_eq!(line_of(DOC, "nothing"), None);
    }
}
