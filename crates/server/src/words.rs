//! What the pages show for the registry's codes and numbers: words for
//! statuses, categories, relationships, family shapes, facts and sexes; an
//! LR as a number a case worker reads (`3.4 × 10³²`); ages in days, months
//! or years; timestamps as a date and time in UTC. The codes stay in the
//! JSON API, the forms and the links.
//!
//! Every function that returns words takes the page's [`Lang`] first and
//! says them in that language only, from the `words` area of the message
//! catalogue (`i18n/{en,zh-CN}/words.ftl`).

use std::borrow::Borrow;

use registry::{Category, FamilyStatus, ImportKind, ReviewAction, ReviewState};

use crate::Lang;

/// A code without words of its own, as it is ("left_hand" → "left hand").
fn as_is(code: &str) -> String {
    code.replace('_', " ")
}

/// A candidate's review state.
pub fn review(lang: Lang, state: impl Borrow<ReviewState>) -> String {
    match state.borrow() {
        ReviewState::New => lang.t("words-review-new"),
        ReviewState::UnderReview => lang.t("words-review-under-review"),
        ReviewState::TestRequested => lang.t("words-review-test-requested"),
        ReviewState::Confirmed => lang.t("words-review-confirmed"),
        ReviewState::Reunited => lang.t("words-review-reunited"),
        ReviewState::Rejected => lang.t("words-review-rejected"),
    }
}

/// A review action, as its button says it.
pub fn action(lang: Lang, action: ReviewAction) -> String {
    match action {
        ReviewAction::StartReview => lang.t("words-action-start-review"),
        ReviewAction::RequestTest => lang.t("words-action-request-test"),
        ReviewAction::Confirm => lang.t("words-action-confirm"),
        ReviewAction::Reunite => lang.t("words-action-reunite"),
        ReviewAction::Reject => lang.t("words-action-reject"),
        ReviewAction::Reopen => lang.t("words-action-reopen"),
    }
}

/// The label of the reason a step needs.
pub fn reason_label(lang: Lang, action: ReviewAction) -> String {
    match action {
        ReviewAction::Reopen => lang.t("words-reason-reopen"),
        _ => lang.t("words-reason-reject"),
    }
}

/// The four-eyes rule, said before anyone tries: who may confirm this
/// candidate. `None` where no confirmation lies ahead.
pub fn four_eyes(
    lang: Lang,
    state: ReviewState,
    user: &str,
    test_requested_by: Option<&str>,
) -> Option<String> {
    match (state, test_requested_by) {
        (ReviewState::New | ReviewState::UnderReview, _) => Some(lang.t("words-four-eyes-ahead")),
        (ReviewState::TestRequested, Some(who)) if who == user => {
            Some(lang.t("words-four-eyes-you"))
        }
        (ReviewState::TestRequested, Some(who)) => {
            Some(lang.t1("words-four-eyes-other", "who", who))
        }
        _ => None,
    }
}

/// Why a candidate page is shown again after a decision: someone else
/// changed the candidate since the page was opened.
pub fn changed_meanwhile(lang: Lang, now: ReviewState) -> String {
    lang.t1("words-changed-meanwhile", "state", review(lang, now))
}

/// What a family account is told about its case.
pub fn family(lang: Lang, status: impl Borrow<FamilyStatus>) -> String {
    match status.borrow() {
        FamilyStatus::Searching => lang.t("words-family-searching"),
        FamilyStatus::BeingChecked => lang.t("words-family-being-checked"),
        FamilyStatus::Confirmed => lang.t("words-family-confirmed"),
        FamilyStatus::Reunited => lang.t("words-family-reunited"),
        FamilyStatus::Closed => lang.t("words-family-closed"),
    }
}

/// A case's or a found child's status (or a review state by its name).
pub fn status(lang: Lang, code: &str) -> String {
    if let Some(state) = ReviewState::parse(code) {
        return review(lang, state);
    }
    match code {
        "open" => lang.t("words-status-open"),
        "candidate_found" => lang.t("words-status-candidate-found"),
        "unidentified" => lang.t("words-status-unidentified"),
        "closed" => lang.t("words-status-closed"),
        _ => as_is(code),
    }
}

/// An age in whole years, at least and at most: "now 3 years old", "现年3岁".
pub fn years_old(lang: Lang, min: i64, max: i64) -> String {
    if min == max {
        lang.tn("words-years-old", min)
    } else {
        lang.t2("words-years-old-range", "min", min, "max", max)
    }
}

/// Which field of a row a search matched.
pub fn matched(lang: Lang, field: &str) -> String {
    match field {
        "name" => lang.t("words-matched-name"),
        "place" => lang.t("words-matched-place"),
        "relative" => lang.t("words-matched-relative"),
        "id" => lang.t("words-matched-id"),
        "institution" => lang.t("words-matched-institution"),
        _ => lang.t("words-matched-other"),
    }
}

/// A candidate's category (README: "Case facts and the posterior").
pub fn category(lang: Lang, category: impl Borrow<Category>) -> String {
    match category.borrow() {
        Category::Undisputed => lang.t("words-category-undisputed"),
        Category::Probable => lang.t("words-category-probable"),
        Category::Inconclusive => lang.t("words-category-inconclusive"),
        Category::Excluded => lang.t("words-category-excluded"),
    }
}

/// A reference's relationship to the missing child.
pub fn relationship(lang: Lang, code: &str) -> String {
    match code {
        "mother" => lang.t("words-relationship-mother"),
        "father" => lang.t("words-relationship-father"),
        "full_sibling" => lang.t("words-relationship-full-sibling"),
        "maternal_half_sibling" => lang.t("words-relationship-maternal-half-sibling"),
        "paternal_half_sibling" => lang.t("words-relationship-paternal-half-sibling"),
        "maternal_grandmother" => lang.t("words-relationship-maternal-grandmother"),
        "maternal_grandfather" => lang.t("words-relationship-maternal-grandfather"),
        "paternal_grandmother" => lang.t("words-relationship-paternal-grandmother"),
        "paternal_grandfather" => lang.t("words-relationship-paternal-grandfather"),
        "maternal_aunt" => lang.t("words-relationship-maternal-aunt"),
        "maternal_uncle" => lang.t("words-relationship-maternal-uncle"),
        "paternal_aunt" => lang.t("words-relationship-paternal-aunt"),
        "paternal_uncle" => lang.t("words-relationship-paternal-uncle"),
        "paternal_great_uncle" => lang.t("words-relationship-paternal-great-uncle"),
        "paternal_first_cousin" => lang.t("words-relationship-paternal-first-cousin"),
        _ => as_is(code),
    }
}

/// Who in the family gave DNA (the search's family shape).
pub fn shape(lang: Lang, code: &str) -> String {
    match code {
        "both_parents" => lang.t("words-shape-both-parents"),
        "one_parent" => lang.t("words-shape-one-parent"),
        "grandparents" => lang.t("words-shape-grandparents"),
        "parent_and_siblings" => lang.t("words-shape-parent-and-siblings"),
        "general" => lang.t("words-shape-general"),
        _ => as_is(code),
    }
}

/// A fact compared.
pub fn fact(lang: Lang, code: &str) -> String {
    match code {
        "sex" => lang.t("words-fact-sex"),
        "age" => lang.t("words-fact-age"),
        "time" => lang.t("words-fact-time"),
        "place" => lang.t("words-fact-place"),
        _ => as_is(code),
    }
}

/// The verdict on a fact.
pub fn verdict(lang: Lang, code: &str) -> String {
    match code {
        "compatible" => lang.t("words-verdict-compatible"),
        "excludes" => lang.t("words-verdict-excludes"),
        "unknown" => lang.t("words-verdict-unknown"),
        _ => as_is(code),
    }
}

/// A sex.
pub fn sex(lang: Lang, code: &str) -> String {
    match code {
        "male" => lang.t("words-sex-male"),
        "female" => lang.t("words-sex-female"),
        "unknown" => lang.t("words-sex-unknown"),
        _ => as_is(code),
    }
}

/// An account's role.
pub fn role(lang: Lang, code: &str) -> String {
    match code {
        "admin" => lang.t("words-role-admin"),
        "lab" => lang.t("words-role-lab"),
        "caseworker" => lang.t("words-role-caseworker"),
        "family" => lang.t("words-role-family"),
        _ => as_is(code),
    }
}

/// `n` things of a file of a kind, with its count: "3 DNA profiles",
/// "1 missing-child case"; in Chinese with its measure word ("3份DNA分型").
pub fn import_count(lang: Lang, kind: ImportKind, n: usize) -> String {
    let args: [(&str, &dyn std::fmt::Display); 2] = [("n", &n), ("count", &count(n))];
    match kind {
        ImportKind::Cases => lang.ta("words-import-count-cases", &args),
        ImportKind::References => lang.ta("words-import-count-references", &args),
        ImportKind::Found => lang.ta("words-import-count-found", &args),
        ImportKind::Profiles => lang.ta("words-import-count-profiles", &args),
        ImportKind::Cmf => lang.ta("words-import-count-cmf", &args),
        ImportKind::Frequencies => lang.ta("words-import-count-frequencies", &args),
        ImportKind::Haplotypes => lang.ta("words-import-count-haplotypes", &args),
        ImportKind::Pfif => lang.ta("words-import-count-pfif", &args),
        ImportKind::Volunteers => lang.ta("words-import-count-volunteers", &args),
    }
}

/// A kind of file of the import page.
pub fn import_kind(lang: Lang, kind: &ImportKind) -> String {
    match kind {
        ImportKind::Cases => lang.t("words-import-kind-cases"),
        ImportKind::References => lang.t("words-import-kind-references"),
        ImportKind::Found => lang.t("words-import-kind-found"),
        ImportKind::Profiles => lang.t("words-import-kind-profiles"),
        ImportKind::Frequencies => lang.t("words-import-kind-frequencies"),
        ImportKind::Haplotypes => lang.t("words-import-kind-haplotypes"),
        ImportKind::Cmf => lang.t("words-import-kind-cmf"),
        ImportKind::Pfif => lang.t("words-import-kind-pfif"),
        ImportKind::Volunteers => lang.t("words-import-kind-volunteers"),
    }
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `10` and a whole exponent in superscript digits: `10³²`, `10⁻⁴`.
pub fn power_of_ten(exp: i64) -> String {
    let mut s = String::from("10");
    if exp < 0 {
        s.push('⁻');
    }
    for d in exp.unsigned_abs().to_string().bytes() {
        s.push(SUPERSCRIPT[(d - b'0') as usize]);
    }
    s
}

/// An LR as a case worker reads it: `0.52`, `1,234`, `3.4 × 10³²`; `0` for
/// an exclusion and `infinite` when the DNA leaves no other explanation.
pub fn lr(lang: Lang, lr: f64, log10: f64) -> String {
    if log10 == f64::NEG_INFINITY || lr == 0.0 {
        return "0".into();
    }
    if log10 == f64::INFINITY || log10.is_nan() {
        return lang.t("words-lr-infinite");
    }
    if (1e-2..1e6).contains(&lr) {
        if lr >= 100.0 {
            return thousands(lr.round() as u64);
        }
        return format!("{lr:.2}");
    }
    let mut exp = log10.floor();
    let mut mantissa = 10f64.powf(log10 - exp);
    if (mantissa * 10.0).round() >= 100.0 {
        mantissa /= 10.0;
        exp += 1.0;
    }
    format!("{mantissa:.1} × {}", power_of_ten(exp as i64))
}

/// The ENFSI scale's steps: the lowest LR of each.
const ENFSI: [f64; 6] = [2.0, 10.0, 100.0, 1_000.0, 10_000.0, 1_000_000.0];

/// An LR's verbal equivalent on the ENFSI scale (ENFSI Guideline for
/// Evaluative Reporting in Forensic Science, 2015: 2-10 weak, 10-100
/// moderate, 100-1,000 moderately strong, 1,000-10,000 strong,
/// 10,000-1,000,000 very strong, above extremely strong support), as one
/// sentence. The first hypothesis is that the child is the family's; an LR
/// below 1 supports the second by 1/LR; from 1/2 to 2 the findings support
/// neither.
pub fn enfsi(lang: Lang, lr: f64) -> String {
    let (strength, first) = if lr >= 1.0 {
        (lr, true)
    } else {
        (1.0 / lr, false)
    };
    let words = match ENFSI.iter().rposition(|from| strength >= *from) {
        None => return lang.t("words-enfsi-neither"),
        Some(0) => lang.t("words-enfsi-weak"),
        Some(1) => lang.t("words-enfsi-moderate"),
        Some(2) => lang.t("words-enfsi-moderately-strong"),
        Some(3) => lang.t("words-enfsi-strong"),
        Some(4) => lang.t("words-enfsi-very-strong"),
        Some(_) => lang.t("words-enfsi-extremely-strong"),
    };
    if first {
        lang.t1("words-enfsi-first", "strength", words)
    } else {
        lang.t1("words-enfsi-second", "strength", words)
    }
}

/// A candidate's LR, as [`lr`].
pub fn lr_of(lang: Lang, c: &registry::CandidateSummary) -> String {
    lr(lang, c.lr, c.log10_lr)
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators: 1,000,000.
pub fn count(n: usize) -> String {
    thousands(n as u64)
}

/// Under a child's chart in a large registry: which families it draws (those
/// whose LR reaches the candidate's floor, `floor_log10`) and why the others
/// are left out.
pub fn chart_floor(lang: Lang, shown: usize, floor_log10: f64) -> String {
    lang.ta(
        "words-chart-floor",
        &[
            ("shown", &shown),
            ("count", &count(shown)),
            ("lr", &lr(lang, 10f64.powf(floor_log10), floor_log10)),
        ],
    )
}

/// A posterior probability as a percentage.
pub fn percent(lang: Lang, p: f64) -> String {
    if (0.9999..1.0).contains(&p) {
        return lang.t("words-percent-above");
    }
    if p > 0.0 && p < 0.0001 {
        return lang.t("words-percent-below");
    }
    let s = format!("{:.2}", p * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// An age as people say it: days up to two months, then months up to two
/// years, then years and months.
enum Age {
    Days(i64),
    Months(i64),
    Years(i64, i64),
}

impl Age {
    fn of(days: i64) -> Age {
        let days = days.max(0);
        if days < 61 {
            return Age::Days(days);
        }
        let months = (days as f64 / 30.4375).floor() as i64;
        if months < 24 {
            Age::Months(months)
        } else {
            Age::Years(months / 12, months % 12)
        }
    }
}

/// An age in days, in words: "4 years 1 month", "4 岁 1 个月".
pub fn age(lang: Lang, days: i64) -> String {
    match Age::of(days) {
        Age::Days(d) => lang.tn("words-age-days", d),
        Age::Months(m) => lang.tn("words-age-months", m),
        Age::Years(y, 0) => lang.t1("words-age-years", "years", y),
        Age::Years(y, m) => lang.t2("words-age-years-months", "years", y, "months", m),
    }
}

/// A range of ages: one age when both ends say the same.
pub fn age_range(lang: Lang, lo: i64, hi: i64) -> String {
    let (a, b) = (age(lang, lo.min(hi)), age(lang, lo.max(hi)));
    if a == b {
        a
    } else {
        lang.t2("words-age-range", "from", a, "to", b)
    }
}

/// Days since 1970-01-01 of the `YYYY-MM-DD` date that starts `date` (a
/// date, or a stored timestamp); `None` when it is not a real date.
pub fn day_number(date: &str) -> Option<i64> {
    let day: formats::registry_csv::Date = date.get(..10)?.parse().ok()?;
    Some(day.unix_days())
}

/// A stored timestamp (RFC 3339 in UTC, `2026-11-20T10:11:12Z`) as
/// `2026-11-20 10:11 UTC`; anything else as it is.
pub fn timestamp(at: &str) -> String {
    let b = at.as_bytes();
    if b.len() >= 16 && b[10] == b'T' && at.ends_with('Z') && day_number(at).is_some() {
        format!("{} {} UTC", &at[..10], &at[11..16])
    } else {
        at.to_string()
    }
}

/// The age check of a candidate's facts, in words: how old the missing
/// child would be on the found date, and the found child's estimated age.
pub fn age_detail(
    lang: Lang,
    birth_from: Option<&str>,
    birth_to: Option<&str>,
    found_date: Option<&str>,
    age_min_days: Option<i64>,
    age_max_days: Option<i64>,
    tolerance_days: i64,
) -> Option<String> {
    let found = day_number(found_date?)?;
    let b1 = day_number(birth_from?)?;
    let b2 = birth_to.and_then(day_number).unwrap_or(b1);
    let (lo, hi) = (age_min_days?, age_max_days?);
    let (young, old) = (found - b2, found - b1);
    Some(lang.ta(
        "words-age-detail",
        &[
            ("missing", &age_range(lang, young, old)),
            ("found", &age_range(lang, lo, hi)),
            ("tolerance", &tolerance_days),
        ],
    ))
}

/// The heading and the plain explanation of an error page, by HTTP status.
pub fn error(lang: Lang, status: u16) -> (String, String) {
    match status {
        400 => (
            lang.t("words-error-400-heading"),
            lang.t("words-error-400-text"),
        ),
        401 => (
            lang.t("words-error-401-heading"),
            lang.t("words-error-401-text"),
        ),
        403 => (
            lang.t("words-error-403-heading"),
            lang.t("words-error-403-text"),
        ),
        404 => (
            lang.t("words-error-404-heading"),
            lang.t("words-error-404-text"),
        ),
        409 => (
            lang.t("words-error-409-heading"),
            lang.t("words-error-409-text"),
        ),
        413 => (
            lang.t("words-error-413-heading"),
            lang.t("words-error-413-text"),
        ),
        422 => (
            lang.t("words-error-422-heading"),
            lang.t("words-error-422-text"),
        ),
        429 => (
            lang.t("words-error-429-heading"),
            lang.t("words-error-429-text"),
        ),
        _ => (
            lang.t("words-error-other-heading"),
            lang.t("words-error-other-text"),
        ),
    }
}

/// The warning a case worker reads about two profiles with the same DNA: a
/// sentence with a link to the other found child or the other reference's
/// case in its middle (`before`, the link, `after`).
#[derive(Debug, Clone)]
pub struct SameDnaWarning {
    pub before: String,
    pub after: String,
    /// The other found child's or the other reference's case page.
    pub href: String,
    pub link: String,
}

/// [`SameDnaWarning`] of a pair, told from `pair.this`'s side. Marker
/// names and counts only, never a genotype.
pub fn same_dna(lang: Lang, pair: &registry::SameDnaPair) -> SameDnaWarning {
    // The link's place in the sentence: the message is said with this in
    // the link's place, then cut there, so a language may put it anywhere.
    const LINK: &str = "\u{E000}";
    let markers = match &pair.differing {
        None => lang.t1("words-same-dna-all-equal", "shared", pair.shared),
        Some(m) => lang.t2(
            "words-same-dna-all-but-one",
            "shared",
            pair.shared,
            "marker",
            m,
        ),
    };
    let check = lang.t("words-same-dna-check");
    let this = &pair.this;
    let other = &pair.other;
    let (sentence, href, link) = match pair.kind {
        registry::SameDnaKind::Found => {
            let link = other
                .found_id
                .clone()
                .unwrap_or_else(|| other.sample.clone());
            let me = this.found_id.clone().unwrap_or_else(|| this.sample.clone());
            let sentence = lang.ta(
                "words-same-dna-found",
                &[
                    ("me", &me),
                    ("other", &LINK),
                    ("markers", &markers),
                    ("check", &check),
                ],
            );
            (
                sentence,
                format!("/found/{}", crate::api::encode(&link)),
                link,
            )
        }
        registry::SameDnaKind::Reference => {
            let rel = |s: &registry::SameDnaSide| {
                relationship(lang, s.relationship.as_deref().unwrap_or(""))
            };
            let link = other.case_id.clone().unwrap_or_default();
            let this_case = this.case_id.clone().unwrap_or_default();
            let sentence = lang.ta(
                "words-same-dna-reference",
                &[
                    ("sample", &this.sample),
                    ("relationship", &rel(this)),
                    ("case", &this_case),
                    ("other_sample", &other.sample),
                    ("other_relationship", &rel(other)),
                    ("other", &LINK),
                    ("markers", &markers),
                    ("check", &check),
                ],
            );
            (
                sentence,
                format!("/cases/{}", crate::api::encode(&link)),
                link,
            )
        }
    };
    let (before, after) = match sentence.split_once(LINK) {
        Some((before, after)) => (before.to_string(), after.to_string()),
        None => (sentence, String::new()),
    };
    SameDnaWarning {
        before,
        after,
        href,
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ENFSI scale's steps, at and around their bounds, either way round.
    #[test]
    fn lrs_in_words_on_the_enfsi_scale() {
        let en = |lr: f64| enfsi(Lang::En, lr);
        for (lr, words) in [
            (1.0, "support neither"),
            (1.99, "support neither"),
            (2.0, "weak support for the first"),
            (9.9, "weak support for the first"),
            (10.0, "moderate support for the first"),
            (999.0, "moderately strong support for the first"),
            (1_000.0, "strong support for the first"),
            (10_000.0, "very strong support for the first"),
            (999_999.0, "very strong support for the first"),
            (1e6, "extremely strong support for the first"),
            (1e30, "extremely strong support for the first"),
            (0.6, "support neither"),
            (0.5, "weak support for the second"),
            (1e-3, "strong support for the second"),
            (0.0, "extremely strong support for the second"),
        ] {
            assert!(en(lr).contains(words), "{lr}: {}", en(lr));
        }
        assert_eq!(
            enfsi(Lang::En, 1e5),
            "The DNA findings provide very strong support for the first hypothesis rather than the second."
        );
        assert_eq!(
            enfsi(Lang::En, 1.5),
            "The DNA findings support neither hypothesis rather than the other."
        );
        assert_eq!(
            enfsi(Lang::ZhCn, 1e5),
            "DNA结果对假设一（相对于假设二）提供很强支持。"
        );
        assert_eq!(
            enfsi(Lang::ZhCn, 0.05),
            "DNA结果对假设二（相对于假设一）提供中等支持。"
        );
        assert_eq!(enfsi(Lang::ZhCn, 1.0), "DNA结果对两个假设均无倾向性支持。");
    }

    /// The note under a large registry's chart: the count in words, with
    /// separators, and the floor as an LR.
    #[test]
    fn the_charts_floor_in_words() {
        let one = chart_floor(Lang::En, 1, 21.57);
        assert!(
            one.starts_with("The chart shows the one family whose LR reaches 3.7 × 10²¹;"),
            "{one}"
        );
        let many = chart_floor(Lang::En, 1234, -3.0);
        assert!(
            many.contains("the 1,234 families whose LR reaches 1.0 × 10⁻³"),
            "{many}"
        );
        assert!(!many.contains("达到"), "{many}");
        let zh = chart_floor(Lang::ZhCn, 1234, -3.0);
        assert!(zh.contains("达到 1.0 × 10⁻³ 的 1,234 个家庭"), "{zh}");
        assert!(!zh.contains("families"), "{zh}");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn lrs_read_as_numbers() {
        for lang in Lang::ALL {
            assert_eq!(lr(lang, 10f64.powf(32.53), 32.53), "3.4 × 10³²");
            assert_eq!(lr(lang, 0.52, 0.52f64.log10()), "0.52");
            assert_eq!(lr(lang, 1234.4, 1234.4f64.log10()), "1,234");
            assert_eq!(lr(lang, 10f64.powf(-4.2), -4.2), "6.3 × 10⁻⁵");
            assert_eq!(lr(lang, 0.0, f64::NEG_INFINITY), "0");
            // 9.96 × 10⁷ rounds to 1.0 × 10⁸, never 10.0 × 10⁷.
            assert_eq!(lr(lang, 9.96e7, 9.96e7f64.log10()), "1.0 × 10⁸");
        }
        assert_eq!(lr(Lang::En, f64::INFINITY, f64::INFINITY), "infinite");
        assert_eq!(lr(Lang::ZhCn, f64::INFINITY, f64::INFINITY), "无穷大");
    }

    #[test]
    fn ages_in_days_months_and_years() {
        for (days, en, zh) in [
            (10, "10 days", "10 天"),
            (1, "1 day", "1 天"),
            (0, "0 days", "0 天"),
            (405, "13 months", "13 个月"),
            (4 * 365 + 40, "4 years 1 month", "4 岁 1 个月"),
            (5 * 365 + 100, "5 years 3 months", "5 岁 3 个月"),
            (3 * 365 + 1, "3 years", "3 岁"),
        ] {
            assert_eq!(age(Lang::En, days), en);
            assert_eq!(age(Lang::ZhCn, days), zh);
        }
        assert_eq!(age_range(Lang::En, 405, 405), "13 months");
        assert_eq!(age_range(Lang::ZhCn, 405, 405), "13 个月");
        assert_eq!(age_range(Lang::En, 300, 420), "9 months – 13 months");
        assert_eq!(age_range(Lang::ZhCn, 420, 300), "9 个月 – 13 个月");
        let detail = |lang| {
            age_detail(
                lang,
                Some("2024-01-01"),
                Some("2024-01-01"),
                Some("2025-02-09"),
                Some(405),
                Some(405),
                90,
            )
            .unwrap()
        };
        let d = detail(Lang::En);
        assert_eq!(
            d,
            "The missing child would have been 13 months old when the child was found; \
             the found child's estimated age is 13 months (± 90 days)."
        );
        let d = detail(Lang::ZhCn);
        assert!(d.starts_with("被找到时，失踪儿童应为 13 个月"), "{d}");
        assert!(d.ends_with("（± 90 天）。"), "{d}");
        assert_eq!(years_old(Lang::En, 0, 0), "now under a year old");
        assert_eq!(years_old(Lang::En, 1, 1), "now 1 year old");
        assert_eq!(years_old(Lang::En, 3, 3), "now 3 years old");
        assert_eq!(years_old(Lang::En, 3, 5), "now 3 to 5 years old");
        assert_eq!(years_old(Lang::ZhCn, 0, 0), "现不满1岁");
        assert_eq!(years_old(Lang::ZhCn, 1, 1), "现年1岁");
        assert_eq!(years_old(Lang::ZhCn, 3, 5), "现年3至5岁");
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2026-02-28T10:11:12Z"), Some(20_512));
        assert_eq!(day_number("2026-02-30x"), None, "no 30 February");
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("soon"), None);
        assert_eq!(timestamp("2026-11-20T10:11:12Z"), "2026-11-20 10:11 UTC");
        assert_eq!(timestamp("yesterday"), "yesterday");
    }

    #[test]
    fn codes_become_words() {
        assert_eq!(status(Lang::En, "under_review"), "Under review");
        assert_eq!(status(Lang::ZhCn, "under_review"), "审核中");
        assert_eq!(status(Lang::En, "candidate_found"), "A candidate was found");
        assert_eq!(status(Lang::En, "odd_code"), "odd code");
        assert_eq!(
            review(Lang::En, ReviewState::TestRequested),
            "Test requested"
        );
        assert_eq!(
            review(Lang::ZhCn, ReviewState::TestRequested),
            "已申请确认检测"
        );
        assert_eq!(category(Lang::En, Category::Excluded), "Excluded");
        assert_eq!(category(Lang::ZhCn, Category::Excluded), "已排除");
        assert_eq!(
            relationship(Lang::En, "maternal_grandfather"),
            "Mother's father"
        );
        assert_eq!(relationship(Lang::ZhCn, "maternal_grandfather"), "外祖父");
        assert_eq!(shape(Lang::En, "both_parents"), "Both parents gave DNA");
        assert_eq!(shape(Lang::ZhCn, "both_parents"), "父母双方提供了DNA");
        assert_eq!(percent(Lang::En, 0.99994), "more than 99.99%");
        assert_eq!(percent(Lang::ZhCn, 0.99994), "大于 99.99%");
        assert_eq!(percent(Lang::En, 0.00001), "less than 0.01%");
        assert_eq!(percent(Lang::ZhCn, 0.00001), "小于 0.01%");
        assert_eq!(percent(Lang::En, 0.5), "50%");
        assert_eq!(percent(Lang::ZhCn, 0.5), "50%");
        assert_eq!(
            import_count(Lang::En, ImportKind::Profiles, 3),
            "3 DNA profiles"
        );
        assert_eq!(
            import_count(Lang::ZhCn, ImportKind::Profiles, 3),
            "3份DNA分型"
        );
        assert_eq!(
            import_count(Lang::En, ImportKind::Cases, 1),
            "1 missing-child case"
        );
        assert_eq!(
            import_count(Lang::ZhCn, ImportKind::Cases, 1),
            "1个寻亲案件"
        );
        assert_eq!(
            import_count(Lang::En, ImportKind::Frequencies, 12_000),
            "12,000 markers"
        );
        assert_eq!(
            four_eyes(Lang::En, ReviewState::TestRequested, "ann", Some("bo")).unwrap(),
            "bo requested the confirmatory test; any case worker but bo can confirm it (four-eyes rule)."
        );
        assert_eq!(
            four_eyes(Lang::ZhCn, ReviewState::TestRequested, "ann", Some("bo")).unwrap(),
            "确认检测由 bo 申请；除 bo 以外的任何个案工作者都可以确认（四眼原则）。"
        );
        assert_eq!(
            four_eyes(Lang::En, ReviewState::Confirmed, "ann", None),
            None
        );
        assert!(
            changed_meanwhile(Lang::ZhCn, ReviewState::Rejected).contains("现在的状态是：已排除。")
        );
        assert_eq!(error(Lang::En, 404).0, "Page not found");
        assert_eq!(error(Lang::ZhCn, 404).0, "找不到页面");
    }

    /// Every code of every table, in both languages, has its words (no
    /// `⟦id⟧`), and no text is said in the other language too.
    #[test]
    fn every_code_has_its_words_in_both_languages() {
        const STATUSES: [&str; 4] = ["open", "candidate_found", "unidentified", "closed"];
        const FIELDS: [&str; 5] = ["name", "place", "relative", "id", "institution"];
        const SHAPES: [&str; 5] = [
            "both_parents",
            "one_parent",
            "grandparents",
            "parent_and_siblings",
            "general",
        ];
        const FACTS: [&str; 4] = ["sex", "age", "time", "place"];
        const VERDICTS: [&str; 3] = ["compatible", "excludes", "unknown"];
        const SEXES: [&str; 3] = ["male", "female", "unknown"];
        const FAMILY: [FamilyStatus; 5] = [
            FamilyStatus::Searching,
            FamilyStatus::BeingChecked,
            FamilyStatus::Confirmed,
            FamilyStatus::Reunited,
            FamilyStatus::Closed,
        ];
        for lang in Lang::ALL {
            let mut said: Vec<String> = Vec::new();
            for s in ReviewState::ALL {
                said.push(review(lang, s));
                said.push(status(lang, s.name()));
                said.push(changed_meanwhile(lang, s));
                said.extend(four_eyes(lang, s, "ann", Some("bo")));
                said.extend(four_eyes(lang, s, "bo", Some("bo")));
            }
            for a in ReviewAction::ALL {
                said.push(action(lang, a));
                said.push(reason_label(lang, a));
            }
            said.extend(FAMILY.iter().map(|f| family(lang, f)));
            said.extend(STATUSES.iter().map(|c| status(lang, c)));
            said.extend(FIELDS.iter().map(|c| matched(lang, c)));
            said.push(matched(lang, "anything else"));
            said.extend(Category::ALL.iter().map(|c| category(lang, c)));
            for r in kinship::Relative::ALL {
                let w = relationship(lang, r.name());
                assert_ne!(w, as_is(r.name()), "{}", r.name());
                said.push(w);
            }
            said.extend(SHAPES.iter().map(|c| shape(lang, c)));
            said.extend(FACTS.iter().map(|c| fact(lang, c)));
            said.extend(VERDICTS.iter().map(|c| verdict(lang, c)));
            said.extend(SEXES.iter().map(|c| sex(lang, c)));
            said.extend(registry::Role::ALL.iter().map(|r| role(lang, r.name())));
            for k in ImportKind::ALL {
                said.push(import_kind(lang, &k));
                said.push(import_count(lang, k, 1));
                said.push(import_count(lang, k, 3));
            }
            for status in [400, 401, 403, 404, 409, 413, 422, 429, 500] {
                let (heading, text) = error(lang, status);
                said.push(heading);
                said.push(text);
            }
            for lr in [0.0, 0.001, 0.05, 1.0, 5.0, 50.0, 500.0, 5e3, 5e4, 5e7] {
                said.push(enfsi(lang, lr));
            }
            said.push(chart_floor(lang, 1, 5.0));
            said.push(chart_floor(lang, 7, 5.0));
            said.push(percent(lang, 0.99995));
            said.push(percent(lang, 0.00001));
            said.push(years_old(lang, 0, 0));
            said.push(years_old(lang, 1, 1));
            said.push(years_old(lang, 2, 4));
            for days in [1, 30, 100, 800, 1200] {
                said.push(age(lang, days));
                said.push(age_range(lang, days, days + 400));
            }
            said.push(lr(lang, f64::INFINITY, f64::INFINITY));
            for text in &said {
                assert!(!text.contains('⟦'), "{}: {text}", lang.tag());
                assert!(!text.is_empty(), "{}", lang.tag());
                let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                assert_eq!(chinese, lang == Lang::ZhCn, "{}: {text}", lang.tag());
            }
        }
    }

    fn side(
        sample: &str,
        found: Option<&str>,
        case: Option<&str>,
        rel: Option<&str>,
    ) -> registry::SameDnaSide {
        registry::SameDnaSide {
            sample: sample.into(),
            found_id: found.map(str::to_string),
            case_id: case.map(str::to_string),
            relationship: rel.map(str::to_string),
        }
    }

    #[test]
    fn same_dna_in_one_language_with_the_link_in_its_place() {
        let found = registry::SameDnaPair {
            kind: registry::SameDnaKind::Found,
            this: side("S-1", Some("FC-1"), None, None),
            other: side("S-2", Some("FC-2"), None, None),
            shared: 21,
            differing: None,
            same_import: false,
        };
        let w = same_dna(Lang::En, &found);
        assert_eq!(
            w.before,
            "Found child FC-1 has the same DNA as found child "
        );
        assert!(
            w.after
                .starts_with(": all 21 markers compared are equal. It may be the same child"),
            "{}",
            w.after
        );
        assert!(
            w.after
                .ends_with("before deciding on any candidate of theirs.")
        );
        assert_eq!((w.href.as_str(), w.link.as_str()), ("/found/FC-2", "FC-2"));
        let w = same_dna(Lang::ZhCn, &found);
        assert_eq!(w.before, "被找到的儿童 FC-1 与被找到的儿童 ");
        assert!(
            w.after
                .starts_with(" 的DNA相同：比较的21个基因座全部相同。"),
            "{}",
            w.after
        );
        let reference = registry::SameDnaPair {
            kind: registry::SameDnaKind::Reference,
            this: side("RS-1", None, Some("MC-1"), Some("mother")),
            other: side("RS-9", None, Some("MC-2"), Some("maternal_aunt")),
            shared: 20,
            differing: Some("D8S1179".into()),
            same_import: true,
        };
        let w = same_dna(Lang::En, &reference);
        assert_eq!(
            w.before,
            "Reference RS-1 (Mother) of case MC-1 has the same DNA as reference RS-9 (Mother's sister) of case "
        );
        assert!(
            w.after.starts_with(
                ": all but one of the 20 markers compared are equal (D8S1179 differs). It may be the same person"
            ),
            "{}",
            w.after
        );
        assert_eq!((w.href.as_str(), w.link.as_str()), ("/cases/MC-2", "MC-2"));
        let w = same_dna(Lang::ZhCn, &reference);
        assert_eq!(w.before, "案件 MC-1 的样本提供者 RS-1（母亲）与案件 ");
        assert!(
            w.after.starts_with(
                " 的样本提供者 RS-9（姨母）DNA相同：比较的20个基因座中除 D8S1179 外全部相同。"
            ),
            "{}",
            w.after
        );
        for lang in Lang::ALL {
            for pair in [&found, &reference] {
                let w = same_dna(lang, pair);
                assert!(!w.before.contains('⟦') && !w.after.contains('⟦'));
                assert!(!w.before.contains('\u{E000}') && !w.after.contains('\u{E000}'));
            }
        }
    }
}
