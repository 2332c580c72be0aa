//! The metric-math expressions of slo.yaml: `+ - * / ( )`, numbers and metric names.

use crate::model::{BinOp, Expr};

/// The longest expression, in characters (CloudWatch's limit for metric math).
pub const MAX_LEN: usize = 1024;
/// The deepest nesting of parentheses and unary signs. Every walk of the
/// expression tree recurses, so depth is bounded here, once.
pub const MAX_DEPTH: usize = 32;

/// Parses an expression; the error says what was expected and at which column.
pub fn parse(text: &str) -> Result<Expr, String> {
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(format!(
            "the expression is {len} characters long; at most {MAX_LEN} are allowed (as in CloudWatch)"
        ));
    }
    let tokens = tokenize(text)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let e = p.sum()?;
    match p.peek() {
        None => Ok(e),
        Some((col, t)) => Err(format!("unexpected `{}` at column {}", t.text(), col + 1)),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(char),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Num(n) => n.to_string(),
            Tok::Ident(s) => s.clone(),
            Tok::Sym(c) => c.to_string(),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Tok)>, String> {
    let b: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if "+-*/()".contains(c) {
            out.push((i, Tok::Sym(c)));
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == '.') {
                i += 1;
            }
            if i < b.len() && (b[i] == 'e' || b[i] == 'E') {
                i += 1;
                if i < b.len() && (b[i] == '+' || b[i] == '-') {
                    i += 1;
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let s: String = b[start..i].iter().collect();
            let n: f64 = s
                .parse()
                .map_err(|_| format!("`{s}` at column {} is not a number", start + 1))?;
            out.push((start, Tok::Num(n)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push((start, Tok::Ident(b[start..i].iter().collect())));
        } else {
            return Err(format!(
                "`{c}` at column {} is not allowed (use + - * / ( ), numbers and metric names)",
                i + 1
            ));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    /// Parentheses and unary signs open around the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&(usize, Tok)> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if matches!(self.peek(), Some((_, Tok::Sym(s))) if *s == c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut e = self.product()?;
        loop {
            let op = if self.eat('+') {
                BinOp::Add
            } else if self.eat('-') {
                BinOp::Sub
            } else {
                return Ok(e);
            };
            e = Expr::Bin(Box::new(e), op, Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        loop {
            let op = if self.eat('*') {
                BinOp::Mul
            } else if self.eat('/') {
                BinOp::Div
            } else {
                return Ok(e);
            };
            e = Expr::Bin(Box::new(e), op, Box::new(self.unary()?));
        }
    }

    /// Enters one level of nesting at column `col`.
    fn deeper(&mut self, col: usize) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "nested more than {MAX_DEPTH} levels deep at column {}",
                col + 1
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let col = self.peek().map(|(c, _)| *c).unwrap_or(0);
        let e = if self.eat('-') {
            self.deeper(col)?;
            Expr::Neg(Box::new(self.unary()?))
        } else if self.eat('+') {
            self.deeper(col)?;
            self.unary()?
        } else {
            return self.atom();
        };
        self.depth -= 1;
        Ok(e)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let Some((col, tok)) = self.peek().cloned() else {
            return Err("the expression ends where a metric or a number was expected".into());
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Ident(s) => {
                if matches!(self.peek(), Some((_, Tok::Sym('(')))) {
                    return Err(format!(
                        "`{s}(` at column {}: functions are not supported (only + - * / and parentheses)",
                        col + 1
                    ));
                }
                Ok(Expr::Metric(s))
            }
            Tok::Sym('(') => {
                self.deeper(col)?;
                let e = self.sum()?;
                if !self.eat(')') {
                    return Err(format!("the `(` at column {} is never closed", col + 1));
                }
                self.depth -= 1;
                Ok(e)
            }
            Tok::Sym(c) => Err(format!(
                "unexpected `{c}` at column {}: a metric or a number was expected",
                col + 1
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Box<Expr> {
        Box::new(Expr::Metric(s.into()))
    }

    #[test]
    fn precedence_and_parentheses() {
        assert_eq!(
            parse("a - b * 2").unwrap(),
            Expr::Bin(
                m("a"),
                BinOp::Sub,
                Box::new(Expr::Bin(m("b"), BinOp::Mul, Box::new(Expr::Num(2.0))))
            )
        );
        assert_eq!(
            parse("(a - b) / a").unwrap(),
            Expr::Bin(
                Box::new(Expr::Bin(m("a"), BinOp::Sub, m("b"))),
                BinOp::Div,
                m("a")
            )
        );
        assert_eq!(parse("a - b - c").unwrap().operands(), vec!["a", "b", "c"]);
        assert_eq!(parse("-a").unwrap(), Expr::Neg(m("a")));
    }

    #[test]
    fn errors_name_the_column() {
        assert!(parse("a +").unwrap_err().contains("ends"));
        assert!(parse("(a + b").unwrap_err().contains("never closed"));
        assert!(parse("a $ b").unwrap_err().contains("column 3"));
        assert!(parse("FILL(a)").unwrap_err().contains("functions"));
        assert!(parse("a b").unwrap_err().contains("unexpected `b`"));
    }

    #[test]
    fn depth_and_length_are_bounded() {
        let deep = format!("{}a{}", "(".repeat(20_000), ")".repeat(20_000));
        assert!(parse(&deep).unwrap_err().contains("at most 1024"));
        let deep = format!("{}a{}", "(".repeat(33), ")".repeat(33));
        assert!(parse(&deep).unwrap_err().contains("more than 32 levels"));
        let ok = format!("{}a{}", "(".repeat(32), ")".repeat(32));
        assert!(parse(&ok).is_ok());
        assert!(parse(&"-".repeat(50)).unwrap_err().contains("levels"));
        assert!(parse(&format!("{}a", "-".repeat(32))).is_ok());
        // Long flat chains stay within the length bound.
        let flat = vec!["a"; 500].join("+");
        assert_eq!(parse(&flat).unwrap().operands(), vec!["a"]);
    }
}
