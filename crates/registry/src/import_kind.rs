//! The kinds of file the registry imports, listed once: the command line's
//! `reunite import KIND`, the API's `POST /api/v1/import/KIND`, the import
//! page's choice, who may bring each kind, and the words an import's summary
//! counts in all come from here.

use crate::Role;

/// A kind of file the registry imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// Missing-child cases (CSV).
    Cases,
    /// The relatives of cases who gave DNA (CSV).
    References,
    /// Found children (CSV).
    Found,
    /// Genotype profiles from a laboratory (GeneMapper table).
    Profiles,
    /// A CODIS CMF XML file: references of registered cases and
    /// unidentified children, with their genotypes.
    Cmf,
    /// An allele frequency database.
    Frequencies,
    /// A population Y-STR haplotype database (one row per man, one column
    /// per locus).
    Haplotypes,
    /// PFIF person records from a people-finder site (command line only).
    Pfif,
    /// Clan volunteers: men who give a Y sample for their paternal lineage
    /// (CSV).
    Volunteers,
}

impl ImportKind {
    pub const ALL: [ImportKind; 9] = [
        ImportKind::Cases,
        ImportKind::References,
        ImportKind::Found,
        ImportKind::Volunteers,
        ImportKind::Profiles,
        ImportKind::Frequencies,
        ImportKind::Haplotypes,
        ImportKind::Cmf,
        ImportKind::Pfif,
    ];

    /// The code of the kind: `reunite import CODE`, `/api/v1/import/CODE`,
    /// an import report's `kind`, the `imports` table's `kind`.
    pub const fn name(self) -> &'static str {
        match self {
            ImportKind::Cases => "cases",
            ImportKind::References => "references",
            ImportKind::Found => "found",
            ImportKind::Profiles => "profiles",
            ImportKind::Cmf => "cmf",
            ImportKind::Frequencies => "frequencies",
            ImportKind::Haplotypes => "haplotypes",
            ImportKind::Pfif => "pfif",
            ImportKind::Volunteers => "volunteers",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The roles that may import the kind through the server (the API and
    /// the import page); empty for a kind imported on the command line only.
    /// Case facts come from case workers, genotypes, frequencies and
    /// population haplotypes from laboratories; an administrator may bring
    /// either.
    pub const fn roles(self) -> &'static [Role] {
        match self {
            ImportKind::Cases
            | ImportKind::References
            | ImportKind::Found
            | ImportKind::Volunteers => &[Role::Admin, Role::Caseworker],
            ImportKind::Profiles
            | ImportKind::Cmf
            | ImportKind::Frequencies
            | ImportKind::Haplotypes => &[Role::Admin, Role::Lab],
            ImportKind::Pfif => &[],
        }
    }

    /// The kinds the server imports (every kind with a role that may).
    pub fn on_the_web() -> impl Iterator<Item = ImportKind> {
        ImportKind::ALL
            .into_iter()
            .filter(|k| !k.roles().is_empty())
    }

    /// What the kind's files count, one and many: a frequency table counts
    /// markers, a CMF file specimens.
    pub const fn counts(self) -> (&'static str, &'static str) {
        match self {
            ImportKind::Cases => ("case", "cases"),
            ImportKind::References => ("reference", "references"),
            ImportKind::Found => ("found child", "found children"),
            ImportKind::Profiles => ("profile", "profiles"),
            ImportKind::Cmf => ("specimen", "specimens"),
            ImportKind::Frequencies => ("marker", "markers"),
            ImportKind::Haplotypes => ("man", "men"),
            ImportKind::Pfif => ("PFIF person record", "PFIF person records"),
            ImportKind::Volunteers => ("clan volunteer", "clan volunteers"),
        }
    }

    /// `n` things of a file of the kind, in words: "48 markers", "1 found
    /// child".
    pub fn counted(self, n: usize) -> String {
        let (one, many) = self.counts();
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for ImportKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_from_its_name() {
        for k in ImportKind::ALL {
            assert_eq!(ImportKind::parse(k.name()), Some(k));
        }
        assert_eq!(ImportKind::parse("PFIF person records"), None);
        assert_eq!(
            ImportKind::on_the_web()
                .map(ImportKind::name)
                .collect::<Vec<_>>(),
            [
                "cases",
                "references",
                "found",
                "volunteers",
                "profiles",
                "frequencies",
                "haplotypes",
                "cmf"
            ]
        );
        assert_eq!(ImportKind::Found.counted(1), "1 found child");
        assert_eq!(ImportKind::Frequencies.counted(48), "48 markers");
        assert_eq!(ImportKind::Haplotypes.counted(1), "1 man");
    }
}
