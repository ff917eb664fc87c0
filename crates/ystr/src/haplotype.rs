//! Alleles, calls and haplotypes, and the text form
//! `DYS19=14,DYS389I=12,DYS385=11-14,...`.
//!
//! Nothing unusual is dropped: an intermediate allele (`18.2`), a
//! duplication at a single-copy locus (`DYS19=14-15`), more copies than a
//! two-copy locus has (`DYS385=11-13-14`) and a null allele (`null` or `0`)
//! are kept as they are, and flagged; each computation says which loci it
//! leaves out and why.

use std::fmt;

use crate::locus::{Coordinate, Copy, Locus};

/// A repeat number in tenths: 14 is 140, the intermediate allele 18.2 is 182.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Allele(pub i32);

impl Allele {
    /// `14`, `18.2` (one decimal; 1 to 99.9 repeats).
    pub fn parse(text: &str) -> Result<Allele, String> {
        let t = text.trim();
        let bad = || format!("{t:?} is not a repeat number (such as 14 or 18.2)");
        let (whole, tenth) = match t.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (t, None),
        };
        if whole.is_empty() || whole.len() > 2 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let mut v: i32 = whole.parse().map_err(|_| bad())?;
        v *= 10;
        if let Some(f) = tenth {
            if f.len() != 1 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            v += f.parse::<i32>().map_err(|_| bad())?;
        }
        if v < 10 {
            return Err(format!("{t:?} is not a repeat number: below one repeat"));
        }
        Ok(Allele(v))
    }

    /// An intermediate allele (a partial repeat, such as 18.2).
    pub fn is_intermediate(self) -> bool {
        self.0 % 10 != 0
    }

    /// The whole repeat number, for a whole allele.
    pub fn whole(self) -> Option<i32> {
        (!self.is_intermediate()).then_some(self.0 / 10)
    }
}

impl fmt::Display for Allele {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_intermediate() {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        } else {
            write!(f, "{}", self.0 / 10)
        }
    }
}

/// What a man has at one locus.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Call {
    /// One allele at a single-copy locus.
    One(Allele),
    /// The two copies of a two-copy locus, an unordered pair kept smaller
    /// first (`DYS385=14-11` is `Two(11, 14)`; `DYS385=11` is `Two(11, 11)`,
    /// one peak for both copies).
    Two(Allele, Allele),
    /// A null allele: no product at this locus (flagged).
    Null,
    /// More alleles than the locus has copies: a duplication at a
    /// single-copy locus, or three or more at a two-copy locus (flagged),
    /// sorted.
    Extra(Vec<Allele>),
}

impl Call {
    /// A call at `locus` from its text: `14`, `18.2`, `11-14` (also `11/14`
    /// or `11,14`), `null` or `0`.
    pub fn parse(locus: Locus, text: &str) -> Result<Call, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("null") || t == "0" {
            return Ok(Call::Null);
        }
        if t.is_empty() {
            return Err("empty: no allele".into());
        }
        let mut alleles = t
            .split(['-', '/', ','])
            .map(Allele::parse)
            .collect::<Result<Vec<_>, _>>()?;
        alleles.sort();
        Ok(match (locus.copies(), alleles.as_slice()) {
            (1, [a]) => Call::One(*a),
            (2, [a]) => Call::Two(*a, *a),
            (2, [a, b]) => Call::Two(*a, *b),
            _ => Call::Extra(alleles),
        })
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Call::Null)
    }

    /// More alleles than copies.
    pub fn is_duplication(&self) -> bool {
        matches!(self, Call::Extra(_))
    }

    /// Some allele is intermediate.
    pub fn is_intermediate(&self) -> bool {
        match self {
            Call::One(a) => a.is_intermediate(),
            Call::Two(a, b) => a.is_intermediate() || b.is_intermediate(),
            Call::Null => false,
            Call::Extra(v) => v.iter().any(|a| a.is_intermediate()),
        }
    }

    /// Why the discrete Laplace model cannot take this call, if it cannot.
    pub fn unmodelled(&self) -> Option<&'static str> {
        if self.is_null() {
            Some("a null allele")
        } else if self.is_duplication() {
            Some("more alleles than the locus has copies (a duplication)")
        } else if self.is_intermediate() {
            Some("an intermediate allele (the model takes whole repeat numbers)")
        } else {
            None
        }
    }

    /// The allele at one coordinate (the locus, or a copy of it), for a
    /// single or pair call.
    pub fn at(&self, copy: Option<Copy>) -> Option<Allele> {
        match (self, copy) {
            (Call::One(a), None) => Some(*a),
            (Call::Two(a, _), Some(Copy::A)) => Some(*a),
            (Call::Two(_, b), Some(Copy::B)) => Some(*b),
            _ => None,
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::One(a) => write!(f, "{a}"),
            Call::Two(a, b) => write!(f, "{a}-{b}"),
            Call::Null => f.write_str("null"),
            Call::Extra(v) => {
                let s: Vec<String> = v.iter().map(|a| a.to_string()).collect();
                f.write_str(&s.join("-"))
            }
        }
    }
}

/// A man's calls, locus by locus, in the order given. A locus absent is untyped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Haplotype {
    calls: Vec<(Locus, Call)>,
}

impl Haplotype {
    pub fn new() -> Haplotype {
        Haplotype::default()
    }

    /// Adds a locus's call; `Err` if the locus is there already.
    pub fn insert(&mut self, locus: Locus, call: Call) -> Result<(), String> {
        if self.get(locus).is_some() {
            return Err(format!("{locus} is given twice"));
        }
        self.calls.push((locus, call));
        Ok(())
    }

    pub fn get(&self, locus: Locus) -> Option<&Call> {
        self.calls.iter().find(|(l, _)| *l == locus).map(|(_, c)| c)
    }

    pub fn calls(&self) -> &[(Locus, Call)] {
        &self.calls
    }

    /// The same calls with the loci in the catalogue's order
    /// ([`Locus::index`]): one man typed in two files that list his loci in
    /// other orders (or give a two-copy locus as its copies) is one
    /// canonical haplotype, and one text.
    pub fn canonical(&self) -> Haplotype {
        let mut calls = self.calls.clone();
        calls.sort_by_key(|(l, _)| l.index());
        Haplotype { calls }
    }

    /// The allele at a model coordinate, if typed with a single or pair call.
    pub fn at(&self, c: Coordinate) -> Option<Allele> {
        self.get(c.locus).and_then(|call| call.at(c.copy))
    }

    /// The text form `DYS19=14,DYS389I=12,DYS385=11-14,...`: loci by any
    /// known spelling, separated by commas (or semicolons); a two-copy
    /// locus as one pair (`DYS385=11-14`) or as its two copies
    /// (`DYS385a=11,DYS385b=14`, both needed); `what` names the text in errors.
    pub fn parse(text: &str, what: &str) -> Result<Haplotype, crate::LocatedError> {
        let err = |field: Option<&str>, reason: String| {
            crate::LocatedError::new(what, None, field, reason)
        };
        let mut h = Haplotype::new();
        let mut copies: Vec<(Locus, Copy, Allele, String)> = Vec::new();
        for part in text.split([',', ';']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, value)) = part.split_once('=') else {
                return Err(err(
                    None,
                    format!("{part:?} is not LOCUS=ALLELE (such as DYS19=14 or DYS385=11-14)"),
                ));
            };
            let name = name.trim();
            let Some((locus, copy)) = Locus::parse(name) else {
                return Err(err(Some(name), unknown_locus(name)));
            };
            match copy {
                None => {
                    let call = Call::parse(locus, value).map_err(|e| err(Some(name), e))?;
                    h.insert(locus, call).map_err(|e| err(Some(name), e))?;
                }
                Some(copy) => {
                    let a = Allele::parse(value).map_err(|e| err(Some(name), e))?;
                    if copies.iter().any(|(l, c, _, _)| *l == locus && *c == copy) {
                        return Err(err(Some(name), format!("{name} is given twice")));
                    }
                    copies.push((locus, copy, a, name.to_string()));
                }
            }
        }
        h.add_copies(copies).map_err(|(f, e)| err(Some(&f), e))?;
        if h.calls.is_empty() {
            return Err(err(None, "no locus: expected LOCUS=ALLELE,...".into()));
        }
        Ok(h)
    }

    /// Pairs the copies given one by one (`DYS385a`, `DYS385b`) into calls.
    fn add_copies(
        &mut self,
        copies: Vec<(Locus, Copy, Allele, String)>,
    ) -> Result<(), (String, String)> {
        let mut done: Vec<Locus> = Vec::new();
        for (locus, _, _, name) in &copies {
            if done.contains(locus) {
                continue;
            }
            done.push(*locus);
            let of: Vec<Allele> = copies
                .iter()
                .filter(|c| c.0 == *locus)
                .map(|c| c.2)
                .collect();
            if of.len() != 2 {
                return Err((
                    name.clone(),
                    format!("only one copy of {locus}: give {locus}a and {locus}b, or {locus}=A-B"),
                ));
            }
            let (a, b) = (of[0].min(of[1]), of[0].max(of[1]));
            self.insert(*locus, Call::Two(a, b))
                .map_err(|e| (name.clone(), e))?;
        }
        Ok(())
    }
}

impl fmt::Display for Haplotype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (l, c)) in self.calls.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{l}={c}")?;
        }
        Ok(())
    }
}

pub(crate) fn unknown_locus(name: &str) -> String {
    format!(
        "{name:?} is not a Y-STR locus of Yfiler, Yfiler Plus or PowerPlex Y23 \
         (such as DYS19, DYS389I, DYS385, DYS385a, YGATAH4)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_orders_the_loci_by_the_catalogue() {
        let a = Haplotype::parse("DYS458=17.2,DYS385b=11,DYS19=14,DYS385a=14", "a").unwrap();
        let b = Haplotype::parse("DYS19=14,DYS385=11-14,DYS458=17.2", "b").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(
            a.canonical().to_string(),
            "DYS19=14,DYS385=11-14,DYS458=17.2"
        );
        assert_eq!(b.canonical(), b);
    }

    fn locus(n: &str) -> Locus {
        Locus::parse(n).unwrap().0
    }

    #[test]
    fn text_form() {
        let h = Haplotype::parse("DYS19=14, DYS389I=12,DYS385=14-11,YGATAH4=11", "q").unwrap();
        assert_eq!(h.calls().len(), 4);
        assert_eq!(
            h.get(locus("DYS385")),
            Some(&Call::Two(Allele(110), Allele(140))),
            "a pair is kept smaller first"
        );
        assert_eq!(h.to_string(), "DYS19=14,DYS389I=12,DYS385=11-14,YGATAH4=11");
        let split = Haplotype::parse("DYS385b=11,DYS385a=14", "q").unwrap();
        assert_eq!(
            split.get(locus("DYS385")),
            Some(&Call::Two(Allele(110), Allele(140)))
        );
        let one_peak = Haplotype::parse("DYF387S1=36", "q").unwrap();
        assert_eq!(
            one_peak.get(locus("DYF387S1")),
            Some(&Call::Two(Allele(360), Allele(360)))
        );
    }

    #[test]
    fn unusual_calls_are_kept_and_flagged() {
        let h = Haplotype::parse(
            "DYS458=18.2,DYS19=15-14,DYS448=null,DYS385=11-13-14,DYS390=0",
            "q",
        )
        .unwrap();
        let c = h.get(locus("DYS458")).unwrap();
        assert_eq!(c, &Call::One(Allele(182)));
        assert!(c.is_intermediate() && c.unmodelled().is_some());
        assert_eq!(c.to_string(), "18.2");
        let d = h.get(locus("DYS19")).unwrap();
        assert_eq!(d, &Call::Extra(vec![Allele(140), Allele(150)]));
        assert!(d.is_duplication());
        assert!(h.get(locus("DYS448")).unwrap().is_null());
        assert!(h.get(locus("DYS390")).unwrap().is_null());
        assert!(h.get(locus("DYS385")).unwrap().is_duplication());
        assert_eq!(h.get(locus("DYS19")).unwrap().at(None), None);
    }

    #[test]
    fn refusals_say_why() {
        let e = Haplotype::parse("DYS19=14,DYS999=3", "child").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("DYS999"));
        assert!(e.to_string().starts_with("child: field DYS999: "), "{e}");
        let e = Haplotype::parse("DYS19=14,DYS19=15", "child").unwrap_err();
        assert!(e.reason.contains("twice"), "{e}");
        let e = Haplotype::parse("DYS19=1x", "child").unwrap_err();
        assert!(e.reason.contains("not a repeat number"), "{e}");
        let e = Haplotype::parse("DYS385a=11,DYS19=14", "child").unwrap_err();
        assert!(e.reason.contains("only one copy"), "{e}");
        let e = Haplotype::parse("DYS19", "child").unwrap_err();
        assert!(e.reason.contains("LOCUS=ALLELE"), "{e}");
        assert!(Haplotype::parse("", "child").is_err());
        assert!(Haplotype::parse("DYS19=18.25", "child").is_err());
        assert!(Haplotype::parse("DYS19=", "child").is_err());
    }
}
