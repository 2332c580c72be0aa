//! Durations as slo.yaml and the reports write them: `30s`, `5m`, `1h`, `1d`, `4w`.

use std::fmt;

/// A whole number of seconds, parsed from and printed as `30s`, `62m`, `6h`, `3d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dur(pub i64);

const UNITS: [(char, i64); 5] = [
    ('w', 604_800),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

impl Dur {
    pub fn secs(self) -> i64 {
        self.0
    }

    /// Parses `<positive integer><unit>` with unit one of `s m h d w`.
    pub fn parse(text: &str) -> Result<Dur, String> {
        let t = text.trim();
        let Some(unit) = t.chars().last() else {
            return Err("empty duration; write e.g. 30d, 6h, 5m".into());
        };
        let Some(&(_, mult)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            let lower = unit.to_ascii_lowercase();
            return Err(if unit.is_ascii_digit() {
                format!("`{text}` has no unit; write a whole number followed by s, m, h, d or w (e.g. 30d)")
            } else if UNITS.iter().any(|(u, _)| *u == lower) {
                format!(
                    "`{text}`: units are lowercase; write `{}{lower}`",
                    &t[..t.len() - unit.len_utf8()]
                )
            } else {
                format!("`{text}`: `{unit}` is not a unit; write a whole number followed by s, m, h, d or w (e.g. 30d)")
            });
        };
        let digits = &t[..t.len() - 1];
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; write e.g. 30d, 6h, 5m"))?;
        if n <= 0 {
            return Err(format!("`{text}`: a duration must be positive"));
        }
        n.checked_mul(mult)
            .filter(|s| *s <= 100 * 366 * 86_400)
            .map(Dur)
            .ok_or_else(|| format!("`{text}` is too long (at most 100 years)"))
    }
}

impl fmt::Display for Dur {
    /// The largest of `d h m s` that divides the duration: `62m`, `6h`, `3d`, `14d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        for (u, m) in UNITS.iter().skip(1) {
            if s != 0 && s % m == 0 {
                return write!(f, "{}{}", s / m, u);
            }
        }
        write!(f, "{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(Dur::parse("30s").unwrap().0, 30);
        assert_eq!(Dur::parse("5m").unwrap().0, 300);
        assert_eq!(Dur::parse("6h").unwrap().0, 21_600);
        assert_eq!(Dur::parse("30d").unwrap().0, 2_592_000);
        assert_eq!(Dur::parse("4w").unwrap().0, 2_419_200);
    }

    #[test]
    fn rejects_bad_text() {
        assert!(Dur::parse("").is_err());
        assert!(Dur::parse("30").is_err());
        assert!(Dur::parse("0m").is_err());
        assert!(Dur::parse("-5m").is_err());
        assert!(Dur::parse("1.5h").is_err());
        assert!(Dur::parse("99999999999999w").is_err());
        assert_eq!(
            Dur::parse("30D").unwrap_err(),
            "`30D`: units are lowercase; write `30d`"
        );
        assert!(Dur::parse("30").unwrap_err().contains("has no unit"));
        assert!(Dur::parse("30x").unwrap_err().contains("`x` is not a unit"));
        assert!(Dur::parse("30é").unwrap_err().contains("`é` is not a unit"));
    }

    #[test]
    fn prints_the_largest_whole_unit() {
        assert_eq!(Dur(3_720).to_string(), "62m");
        assert_eq!(Dur(21_600).to_string(), "6h");
        assert_eq!(Dur(259_200).to_string(), "3d");
        assert_eq!(Dur(60_480).to_string(), "1008m");
        assert_eq!(Dur(90).to_string(), "90s");
        assert_eq!(Dur(604_800).to_string(), "7d");
    }
}
