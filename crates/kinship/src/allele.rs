//! STR alleles: a repeat number, possibly with a microvariant fraction ("9.3").

use std::fmt;
use std::str::FromStr;

/// An STR allele, stored as tenths of a repeat: "9.3" is 93, "10" is 100.
///
/// Only names of the form `N` or `N.d` (one to three digits, then at most one
/// decimal digit) are alleles. Off-ladder calls (`OL`), inequalities (`<8`),
/// empty strings and anything else are rejected: they have no frequency and no
/// place in a stepwise mutation model.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Allele(u32);

/// Why a text is not an allele name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlleleError {
    #[error("empty allele")]
    Empty,
    #[error("off-ladder allele {0:?} (OL) cannot be used; resolve it to a sized allele first")]
    OffLadder(String),
    #[error(
        "{0:?} is not an allele: expected a repeat number such as \"12\" or a microvariant such as \"9.3\""
    )]
    Invalid(String),
}

impl Allele {
    /// The allele `tenths / 10`.
    pub const fn from_tenths(tenths: u32) -> Allele {
        Allele(tenths)
    }

    /// Repeat number times ten.
    pub const fn tenths(self) -> u32 {
        self.0
    }

    /// Whole repeats (the integer part).
    pub const fn repeats(self) -> u32 {
        self.0 / 10
    }

    /// The microvariant fraction in tenths (0 for a whole-repeat allele).
    pub const fn fraction(self) -> u32 {
        self.0 % 10
    }

    /// The repeat number as a float (for display and distances).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl FromStr for Allele {
    type Err = AlleleError;

    fn from_str(s: &str) -> Result<Allele, AlleleError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(AlleleError::Empty);
        }
        if t.eq_ignore_ascii_case("OL") || t.to_ascii_uppercase().starts_with("OL") {
            return Err(AlleleError::OffLadder(t.to_string()));
        }
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
        };
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || int.len() > 3 {
            return Err(AlleleError::Invalid(t.to_string()));
        }
        let whole: u32 = int
            .parse()
            .map_err(|_| AlleleError::Invalid(t.to_string()))?;
        let tenth = match frac {
            None => 0,
            Some(f) if f.len() == 1 && digits(f) => u32::from(f.as_bytes()[0] - b'0'),
            Some(_) => return Err(AlleleError::Invalid(t.to_string())),
        };
        Ok(Allele(whole * 10 + tenth))
    }
}

impl fmt::Display for Allele {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fraction() == 0 {
            write!(f, "{}", self.repeats())
        } else {
            write!(f, "{}.{}", self.repeats(), self.fraction())
        }
    }
}

impl fmt::Debug for Allele {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Allele({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_and_microvariants() {
        assert_eq!("12".parse::<Allele>().unwrap().tenths(), 120);
        assert_eq!("9.3".parse::<Allele>().unwrap().tenths(), 93);
        assert_eq!(" 2.2 ".parse::<Allele>().unwrap().to_string(), "2.2");
        assert_eq!("10.0".parse::<Allele>().unwrap().to_string(), "10");
        assert!("9.3".parse::<Allele>().unwrap() < "10".parse().unwrap());
    }

    #[test]
    fn rejects_off_ladder_and_garbage() {
        assert_eq!(
            "OL".parse::<Allele>(),
            Err(AlleleError::OffLadder("OL".into()))
        );
        assert_eq!("".parse::<Allele>(), Err(AlleleError::Empty));
        for bad in ["<8", ">30", "9.33", "x", "-1", "1e3", "9.", ".3", "1000"] {
            assert!(
                matches!(bad.parse::<Allele>(), Err(AlleleError::Invalid(_))),
                "{bad}"
            );
        }
    }
}
