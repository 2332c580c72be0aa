//! Decimal numbers parsed exactly: `99.9%` is 999/1000 and its f64 is the double
//! nearest to 0.999 (not 99.9/100). The exact value decides ties: a burn rate
//! exactly on an alert's threshold does not fire.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::fmt;

/// A decimal as written: its exact rational value and the nearest f64.
#[derive(Clone, PartialEq)]
pub struct Exact {
    pub value: f64,
    pub ratio: BigRational,
    /// The text it came from, normalised (`99.9%`, `0.999`, `14.4`).
    pub text: String,
}

impl fmt::Debug for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text)
    }
}

impl Exact {
    /// Parses `12`, `0.999`, `99.9%`, `1e-3`, `-2.5`. A trailing `%` divides by 100 exactly.
    pub fn parse(text: &str) -> Result<Exact, String> {
        let t = text.trim();
        let (body, percent) = match t.strip_suffix('%') {
            Some(b) => (b.trim_end(), true),
            None => (t, false),
        };
        let bad = || format!("`{text}` is not a number (write e.g. 99.9%, 0.999 or 14.4)");
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (body, 0),
        };
        let (neg, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if int.is_empty() && frac.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let digits = format!("{int}{frac}");
        if digits.len() > 40 || !(-300..=300).contains(&exp) {
            return Err(format!("`{text}` has too many digits"));
        }
        let scale = exp - frac.len() as i32 - if percent { 2 } else { 0 };
        let mut num: BigInt = digits.parse().map_err(|_| bad())?;
        if neg {
            num = -num;
        }
        let ten = BigInt::from(10);
        let ratio = if scale >= 0 {
            BigRational::from_integer(num * num_traits::pow(ten, scale as usize))
        } else {
            BigRational::new(num, num_traits::pow(ten, (-scale) as usize))
        };
        // The shortest decimal text of the same value, parsed by Rust: correctly rounded.
        let sign = if neg { "-" } else { "" };
        let value: f64 = format!("{sign}{digits}e{scale}")
            .parse()
            .map_err(|_| bad())?;
        if !value.is_finite() {
            return Err(bad());
        }
        Ok(Exact {
            value,
            ratio,
            text: t.to_string(),
        })
    }

    /// The decimal a YAML float stands for: Rust prints the shortest text that
    /// round-trips, which is the text written for any sane number of digits.
    pub fn from_f64(v: f64) -> Result<Exact, String> {
        if !v.is_finite() {
            return Err(format!("`{v}` is not a finite number"));
        }
        Exact::parse(&format!("{v}"))
    }

    pub fn is_zero(&self) -> bool {
        self.ratio.is_zero()
    }

    pub fn lies_in_open_unit(&self) -> bool {
        self.ratio > BigRational::zero() && self.ratio < BigRational::one()
    }
}

/// The exact rational value of a finite f64 (every f64 is a dyadic rational).
pub fn rat(v: f64) -> BigRational {
    BigRational::from_float(v).unwrap_or_else(BigRational::zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64, d: i64) -> BigRational {
        BigRational::new(n.into(), d.into())
    }

    #[test]
    fn percent_is_exact() {
        let e = Exact::parse("99.9%").unwrap();
        assert_eq!(e.value, 0.999);
        assert_ne!(e.value, 99.9 / 100.0);
        assert_eq!(e.ratio, r(999, 1000));
    }

    #[test]
    fn plain_and_exponent_forms() {
        assert_eq!(Exact::parse("0.999").unwrap().ratio, r(999, 1000));
        assert_eq!(Exact::parse("14.4").unwrap().value, 14.4);
        assert_eq!(Exact::parse("1e-3").unwrap().ratio, r(1, 1000));
        assert_eq!(Exact::parse("2").unwrap().ratio, r(2, 1));
        assert_eq!(Exact::parse("-2.5").unwrap().value, -2.5);
        assert_eq!(Exact::parse("50 %").unwrap().value, 0.5);
        assert_eq!(Exact::parse(".5").unwrap().value, 0.5);
        assert_eq!(Exact::from_f64(0.999).unwrap().ratio, r(999, 1000));
    }

    #[test]
    fn rejects_garbage() {
        for t in ["", "%", "abc", "1.2.3", "9x", "1e", "--1", "1e999"] {
            assert!(Exact::parse(t).is_err(), "{t}");
        }
    }

    #[test]
    fn open_unit_interval() {
        assert!(Exact::parse("99.9%").unwrap().lies_in_open_unit());
        assert!(!Exact::parse("100%").unwrap().lies_in_open_unit());
        assert!(!Exact::parse("0").unwrap().lies_in_open_unit());
    }
}
