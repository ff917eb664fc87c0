//! Y-STR loci by name: every locus of Yfiler (17 loci), Yfiler Plus (27) and
//! PowerPlex Y23 (23), with the spellings labs use. DYS385 and DYF387S1 are
//! two-copy loci: one call is an unordered pair, kept smaller first, and the
//! model sees two coordinates, `a` (the smaller) and `b`.

use std::fmt;

/// A known locus (an index into [`LOCI`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Locus(u8);

struct Info {
    name: &'static str,
    copies: u8,
    /// Other spellings, compared after [`normalise`].
    aliases: &'static [&'static str],
}

const LOCI: &[Info] = &[
    Info {
        name: "DYS19",
        copies: 1,
        aliases: &["DYS394"],
    },
    Info {
        name: "DYS385",
        copies: 2,
        aliases: &["DYS385AB"],
    },
    Info {
        name: "DYS389I",
        copies: 1,
        aliases: &["DYS3891"],
    },
    Info {
        name: "DYS389II",
        copies: 1,
        aliases: &["DYS3892"],
    },
    Info {
        name: "DYS390",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS391",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS392",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS393",
        copies: 1,
        aliases: &["DYS395"],
    },
    Info {
        name: "DYS437",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS438",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS439",
        copies: 1,
        aliases: &["YGATAA4"],
    },
    Info {
        name: "DYS448",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS449",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS456",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS458",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS460",
        copies: 1,
        aliases: &["YGATAA71", "GATAA71"],
    },
    Info {
        name: "DYS481",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS518",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS533",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS549",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS570",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS576",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS627",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYS635",
        copies: 1,
        aliases: &["YGATAC4", "GATAC4"],
    },
    Info {
        name: "DYS643",
        copies: 1,
        aliases: &[],
    },
    Info {
        name: "DYF387S1",
        copies: 2,
        aliases: &["DYF387S1AB"],
    },
    Info {
        name: "YGATAH4",
        copies: 1,
        aliases: &["GATAH4", "YGATAH41", "GATAH41"],
    },
];

/// One of the two copies of a two-copy locus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Copy {
    A,
    B,
}

/// One number of a haplotype as the model sees it: a single-copy locus, or
/// one copy (`a` smaller, `b` larger) of a two-copy locus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Coordinate {
    pub locus: Locus,
    pub copy: Option<Copy>,
}

impl fmt::Display for Coordinate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.copy {
            None => write!(f, "{}", self.locus),
            Some(Copy::A) => write!(f, "{}a", self.locus),
            Some(Copy::B) => write!(f, "{}b", self.locus),
        }
    }
}

/// Upper case without spaces, hyphens, underscores, dots and slashes:
/// `Y-GATA-H4`, `y_gata_h4` and `YGATAH4` are one name.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '/'))
        .flat_map(char::to_uppercase)
        .collect()
}

impl Locus {
    /// The canonical name (`DYS389I`, `YGATAH4`, `DYS385`).
    pub fn name(self) -> &'static str {
        LOCI[self.0 as usize].name
    }

    /// The locus's position in the catalogue (0 to [`Locus::count`] − 1).
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The number of loci in the catalogue.
    pub fn count() -> usize {
        LOCI.len()
    }

    /// 1, or 2 for DYS385 and DYF387S1.
    pub fn copies(self) -> u8 {
        LOCI[self.0 as usize].copies
    }

    /// Every known locus.
    pub fn all() -> impl Iterator<Item = Locus> {
        (0..LOCI.len() as u8).map(Locus)
    }

    /// The locus a name means, and the copy when the name picks one
    /// (`DYS385a`, `DYF387S1b`); `None` for a name this catalogue lacks.
    pub fn parse(name: &str) -> Option<(Locus, Option<Copy>)> {
        let n = normalise(name);
        if n.is_empty() {
            return None;
        }
        let find = |n: &str| {
            LOCI.iter()
                .position(|i| i.name == n || i.aliases.contains(&n))
                .map(|i| Locus(i as u8))
        };
        if let Some(l) = find(&n) {
            return Some((l, None));
        }
        // A copy of a two-copy locus: DYS385A, DYS385B (the last character
        // is ASCII, so the stem ends on a character boundary).
        let (stem, copy) = if let Some(stem) = n.strip_suffix('A') {
            (stem, Copy::A)
        } else if let Some(stem) = n.strip_suffix('B') {
            (stem, Copy::B)
        } else {
            return None;
        };
        find(stem)
            .filter(|l| l.copies() == 2)
            .map(|l| (l, Some(copy)))
    }

    /// The model's coordinates of this locus: itself, or its copies `a`, `b`.
    pub fn coordinates(self) -> Vec<Coordinate> {
        if self.copies() == 2 {
            vec![
                Coordinate {
                    locus: self,
                    copy: Some(Copy::A),
                },
                Coordinate {
                    locus: self,
                    copy: Some(Copy::B),
                },
            ]
        } else {
            vec![Coordinate {
                locus: self,
                copy: None,
            }]
        }
    }
}

impl fmt::Display for Locus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Y-STR kit and its loci (two-copy loci once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kit {
    /// Applied Biosystems AmpFlSTR Yfiler: 17 loci.
    Yfiler,
    /// Applied Biosystems Yfiler Plus: 27 loci.
    YfilerPlus,
    /// Promega PowerPlex Y23: 23 loci.
    PowerPlexY23,
}

impl Kit {
    pub fn name(self) -> &'static str {
        match self {
            Kit::Yfiler => "Yfiler",
            Kit::YfilerPlus => "Yfiler Plus",
            Kit::PowerPlexY23 => "PowerPlex Y23",
        }
    }

    /// The kit's loci, two-copy loci once (so 16, 25 and 22 names for 17,
    /// 27 and 23 loci).
    pub fn loci(self) -> Vec<Locus> {
        let names: &[&str] = match self {
            Kit::Yfiler => &[
                "DYS456", "DYS389I", "DYS390", "DYS389II", "DYS458", "DYS19", "DYS385", "DYS393",
                "DYS391", "DYS439", "DYS635", "DYS392", "YGATAH4", "DYS437", "DYS438", "DYS448",
            ],
            Kit::YfilerPlus => &[
                "DYS576", "DYS389I", "DYS635", "DYS389II", "DYS627", "DYS460", "DYS458", "DYS19",
                "YGATAH4", "DYS448", "DYS391", "DYS456", "DYS390", "DYS438", "DYS392", "DYS518",
                "DYS570", "DYS437", "DYS385", "DYS449", "DYS393", "DYS439", "DYS481", "DYF387S1",
                "DYS533",
            ],
            Kit::PowerPlexY23 => &[
                "DYS576", "DYS389I", "DYS448", "DYS389II", "DYS19", "DYS391", "DYS481", "DYS549",
                "DYS533", "DYS438", "DYS437", "DYS570", "DYS635", "DYS390", "DYS439", "DYS392",
                "DYS643", "DYS393", "DYS458", "DYS385", "DYS456", "YGATAH4",
            ],
        };
        names
            .iter()
            .map(|n| Locus::parse(n).expect("kit loci are in the catalogue").0)
            .collect()
    }

    /// The number of typed loci, two-copy loci counted twice.
    pub fn locus_count(self) -> usize {
        self.loci().iter().map(|l| l.copies() as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_ending_in_a_wide_character_is_no_locus() {
        // Found by the registry's hostile imports: a byte slice inside '𑤝'.
        assert_eq!(Locus::parse("𖭿:?*Ѩ]𐎧ὉÉ𑤝"), None);
        assert_eq!(Locus::parse("é"), None);
        assert!(Locus::parse("DYS385b").is_some());
    }

    #[test]
    fn kits_have_their_published_sizes() {
        assert_eq!(Kit::Yfiler.locus_count(), 17);
        assert_eq!(Kit::YfilerPlus.locus_count(), 27);
        assert_eq!(Kit::PowerPlexY23.locus_count(), 23);
        // Yfiler's loci are all in Yfiler Plus.
        let plus = Kit::YfilerPlus.loci();
        assert!(Kit::Yfiler.loci().iter().all(|l| plus.contains(l)));
    }

    #[test]
    fn spellings() {
        let h4 = Locus::parse("YGATAH4").unwrap();
        for n in ["Y-GATA-H4", "y_gata_h4", "GATA H4", "Y GATA H4"] {
            assert_eq!(Locus::parse(n), Some(h4), "{n}");
        }
        let (l, c) = Locus::parse("DYS385a").unwrap();
        assert_eq!((l.name(), c), ("DYS385", Some(Copy::A)));
        assert_eq!(Locus::parse("DYS385 a/b").unwrap().1, None);
        assert_eq!(Locus::parse("DYF387S1b").unwrap().1, Some(Copy::B));
        assert_eq!(Locus::parse("dys389 ii").unwrap().0.name(), "DYS389II");
        assert_eq!(Locus::parse("DYS394").unwrap().0.name(), "DYS19");
        // A copy of a single-copy locus is no locus; nor is an unknown name.
        assert_eq!(Locus::parse("DYS19a"), None);
        assert_eq!(Locus::parse("DYS999"), None);
        assert_eq!(Locus::parse(""), None);
    }
}
