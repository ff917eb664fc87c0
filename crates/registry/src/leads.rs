//! What the two kinds of paternal-line lead share (`lineage.rs`'s family
//! leads, `volunteers.rs`'s clan volunteer leads): the kinds, the review
//! statuses, and how a page of them is read back.

use std::collections::HashMap;

/// Where the review of a lead stands. A Y match cannot say which man of
/// the line a boy descends from: the family is contacted, an autosomal
/// test is asked for, and its outcome closes the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    /// The family of the case was contacted about the lead.
    FamilyContacted,
    /// An autosomal test of the boy and the family was asked for.
    AutosomalRequested,
    /// The autosomal test says the boy is of this family.
    Confirmed,
    /// The test (or the family) rules the lead out.
    RuledOut,
}

impl LeadStatus {
    /// Every status, in the order of the review.
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::FamilyContacted,
        LeadStatus::AutosomalRequested,
        LeadStatus::Confirmed,
        LeadStatus::RuledOut,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::FamilyContacted => "family_contacted",
            LeadStatus::AutosomalRequested => "autosomal_requested",
            LeadStatus::Confirmed => "confirmed",
            LeadStatus::RuledOut => "ruled_out",
        }
    }

    pub fn parse(name: &str) -> Option<LeadStatus> {
        LeadStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the review is over.
    pub fn closed(self) -> bool {
        matches!(self, LeadStatus::Confirmed | LeadStatus::RuledOut)
    }

    /// The statuses a lead in this one may be moved to: forward along the
    /// review, or ruled out at any step; a closed lead moves no more. An
    /// outcome needs the autosomal test asked for first.
    pub fn next(self) -> &'static [LeadStatus] {
        use LeadStatus::*;
        match self {
            New => &[FamilyContacted, AutosomalRequested, RuledOut],
            FamilyContacted => &[AutosomalRequested, RuledOut],
            AutosomalRequested => &[Confirmed, RuledOut],
            Confirmed | RuledOut => &[],
        }
    }
}

/// The two kinds of paternal-line lead: a man of a registered family's
/// paternal line (`lineage_leads`), or a clan volunteer
/// (`volunteer_leads`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadKind {
    Family,
    Volunteer,
}

/// Rows read by id put in the order of the page's ids.
pub(crate) fn in_page_order<T>(rows: &mut [T], ids: &[i64], id: impl Fn(&T) -> i64) {
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    rows.sort_by_key(|r| at.get(&id(r)).copied().unwrap_or(usize::MAX));
}

/// The differing loci as stored (comma-separated) as a list.
pub(crate) fn split_loci(differing: &str) -> Vec<String> {
    differing
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
