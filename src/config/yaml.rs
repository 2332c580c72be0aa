//! A bound on YAML nesting, checked on the text before the YAML parser
//! (which recurses per level) sees it.

/// The deepest YAML nesting read. slo.yaml nests about six levels; the YAML
/// parser recurses per level, so a hostile file is refused before parsing.
pub const MAX_YAML_DEPTH: usize = 64;

/// The deepest nesting of `text`, flow (`[ {`) and block (indentation, `- `)
/// together, and the line where it is reached; strings and comments are
/// skipped. An estimate that never undercounts what the parser will recurse.
pub(crate) fn yaml_depth(text: &str) -> (usize, usize) {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut worst = (0, 0);
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let mut indent = line.len() - body.len();
        if flow == 0 {
            // Block nesting: every deeper indentation opens a level, and so
            // does every `- ` that starts a sequence item on this line.
            let mut rest = body;
            loop {
                while indents.last().is_some_and(|t| *t >= indent) {
                    indents.pop();
                }
                indents.push(indent);
                match rest
                    .strip_prefix("- ")
                    .or(if rest == "-" { Some("") } else { None })
                {
                    Some(r) => {
                        let r2 = r.trim_start_matches(' ');
                        indent += 2 + (r.len() - r2.len());
                        rest = r2;
                        if rest.is_empty() {
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for c in body.chars() {
            match quote {
                Some(q) => {
                    if c == q && prev != '\\' {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if prev == ' ' => break,
                    '"' | '\'' => quote = Some(c),
                    '[' | '{' => flow += 1,
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            prev = c;
            let d = indents.len() + flow;
            if d > worst.0 {
                worst = (d, i + 1);
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_depth_counts_flow_and_block_levels() {
        assert_eq!(yaml_depth("a: 1\nb:\n  c: 2\n").0, 2);
        assert_eq!(yaml_depth("a: [[[1]]]\n").0, 4);
        assert_eq!(yaml_depth("a: \"[[[[\"  # [[[\n").0, 1);
        assert_eq!(yaml_depth("- - - x\n").0, 4);
        let repo = include_str!("../../slo.yaml");
        assert!(yaml_depth(repo).0 <= 8, "{}", yaml_depth(repo).0);
        let deep: String = (0..100)
            .map(|i| format!("{}- \n", " ".repeat(i * 2)))
            .collect();
        assert!(yaml_depth(&deep).0 >= 100);
    }
}
