//! What the pages show for the registry's codes and numbers: words in
//! English and Chinese for statuses, categories, relationships, family
//! shapes, facts and sexes; an LR as a number a case worker reads
//! (`3.4 × 10³²`); ages in days, months or years; timestamps as a date and
//! time in UTC. The codes stay in the JSON API, the forms and the links.

use std::borrow::Borrow;

use registry::{Category, FamilyStatus, ImportKind, ReviewAction, ReviewState};

/// English and Chinese of a code, or the code itself when it has no words.
fn lookup(table: &[(&str, &'static str)], code: &str) -> String {
    table
        .iter()
        .find(|(k, _)| *k == code)
        .map(|(_, w)| (*w).to_string())
        .unwrap_or_else(|| code.replace('_', " "))
}

/// A candidate's review state.
pub fn review(state: impl Borrow<ReviewState>) -> &'static str {
    match state.borrow() {
        ReviewState::New => "New 新",
        ReviewState::UnderReview => "Under review 审核中",
        ReviewState::TestRequested => "Test requested 已申请确认检测",
        ReviewState::Confirmed => "Confirmed 已确认",
        ReviewState::Reunited => "Reunited 已团聚",
        ReviewState::Rejected => "Rejected 已排除",
    }
}

/// A review action, as its button says it.
pub fn action(action: ReviewAction) -> &'static str {
    match action {
        ReviewAction::StartReview => "Start the review · 开始审核",
        ReviewAction::RequestTest => "Request a confirmatory test · 申请确认检测",
        ReviewAction::Confirm => "Confirm (a second case worker) · 确认（由另一位个案工作者）",
        ReviewAction::Reunite => "Record the reunion · 记录团聚",
        ReviewAction::Reject => "Reject · 排除",
        ReviewAction::Reopen => "Reopen · 重新审核",
    }
}

/// The label of the reason a step needs.
pub fn reason_label(action: ReviewAction) -> &'static str {
    match action {
        ReviewAction::Reopen => "Reason for reopening · 重新审核的理由",
        _ => "Reason for rejecting · 排除理由",
    }
}

/// The four-eyes rule, said before anyone tries: who may confirm this
/// candidate. `None` where no confirmation lies ahead.
pub fn four_eyes(
    state: ReviewState,
    user: &str,
    test_requested_by: Option<&str>,
) -> Option<String> {
    match (state, test_requested_by) {
        (ReviewState::New | ReviewState::UnderReview, _) => Some(
            "Four-eyes rule: the case worker who requests the confirmatory test cannot confirm it; any other case worker can. · 四眼原则：申请确认检测的个案工作者不能自己确认，由任何另一位个案工作者确认。"
                .into(),
        ),
        (ReviewState::TestRequested, Some(who)) if who == user => Some(
            "You requested the confirmatory test, so another case worker confirms it (four-eyes rule). · 确认检测是您申请的，因此由另一位个案工作者确认（四眼原则）。"
                .into(),
        ),
        (ReviewState::TestRequested, Some(who)) => Some(format!(
            "{who} requested the confirmatory test; any case worker but {who} can confirm it (four-eyes rule). · 确认检测由 {who} 申请；除 {who} 以外的任何个案工作者都可以确认（四眼原则）。"
        )),
        _ => None,
    }
}

/// Why a candidate page is shown again after a decision: someone else
/// changed the candidate since the page was opened.
pub fn changed_meanwhile(now: ReviewState) -> String {
    format!(
        "Someone else changed this candidate while you were looking at it; it is now: {}. Your decision was not applied: read the page as it is now and decide again. · 在您查看期间，其他人修改了这个候选匹配，现在的状态是：{}。您的决定没有执行：请查看现在的页面后重新决定。",
        review(now),
        review(now)
    )
}

/// What a family account is told about its case.
pub fn family(status: impl Borrow<FamilyStatus>) -> &'static str {
    match status.borrow() {
        FamilyStatus::Searching => {
            "Searching: no match has been confirmed yet · 正在寻找：尚未确认任何匹配"
        }
        FamilyStatus::BeingChecked => "A possible match is being checked · 正在核实一个可能的匹配",
        FamilyStatus::Confirmed => {
            "A match was confirmed; a case worker will contact you · 匹配已确认，个案工作者会联系您"
        }
        FamilyStatus::Reunited => "Reunited 已团聚",
        FamilyStatus::Closed => "Closed 已结案",
    }
}

/// A case's or a found child's status (or a review state by its name).
pub fn status(code: &str) -> String {
    const OTHERS: &[(&str, &str)] = &[
        ("open", "Open 进行中"),
        ("candidate_found", "A candidate was found 已找到候选匹配"),
        ("unidentified", "Not identified yet 尚未确认身份"),
        ("closed", "Closed 已结案"),
    ];
    match ReviewState::parse(code) {
        Some(state) => review(state).to_string(),
        None => lookup(OTHERS, code),
    }
}

/// An age in whole years, at least and at most: "now 3 years old · 现年3岁".
pub fn years_old(min: i64, max: i64) -> String {
    match (min, max) {
        (0, 0) => "now under a year old · 现不满1岁".into(),
        (1, 1) => "now 1 year old · 现年1岁".into(),
        (a, b) if a == b => format!("now {a} years old · 现年{a}岁"),
        (a, b) => format!("now {a} to {b} years old · 现年{a}至{b}岁"),
    }
}

/// Which field of a row a search matched.
pub fn matched(field: &str) -> &'static str {
    match field {
        "name" => "Name 姓名",
        "place" => "Place 地点",
        "relative" => "A relative's name 亲属姓名",
        "id" => "Number 编号",
        "institution" => "Institution 机构",
        _ => "Other 其他",
    }
}

/// A candidate's category (README: "Case facts and the posterior").
pub fn category(category: impl Borrow<Category>) -> &'static str {
    match category.borrow() {
        Category::Undisputed => "Undisputed 确定无疑",
        Category::Probable => "Probable 很可能",
        Category::Inconclusive => "Inconclusive 尚无定论",
        Category::Excluded => "Excluded 已排除",
    }
}

/// A reference's relationship to the missing child.
pub fn relationship(code: &str) -> String {
    lookup(
        &[
            ("mother", "Mother 母亲"),
            ("father", "Father 父亲"),
            ("full_sibling", "Brother or sister 亲兄弟姐妹"),
            (
                "maternal_half_sibling",
                "Half-sibling, same mother 同母异父兄弟姐妹",
            ),
            (
                "paternal_half_sibling",
                "Half-sibling, same father 同父异母兄弟姐妹",
            ),
            ("maternal_grandmother", "Mother's mother 外祖母"),
            ("maternal_grandfather", "Mother's father 外祖父"),
            ("paternal_grandmother", "Father's mother 祖母"),
            ("paternal_grandfather", "Father's father 祖父"),
            ("maternal_aunt", "Mother's sister 姨母"),
            ("maternal_uncle", "Mother's brother 舅舅"),
            ("paternal_aunt", "Father's sister 姑姑"),
            ("paternal_uncle", "Father's brother 叔叔/伯伯"),
        ],
        code,
    )
}

/// Who in the family gave DNA (the search's family shape).
pub fn shape(code: &str) -> String {
    lookup(
        &[
            ("both_parents", "Both parents gave DNA 父母双方提供了DNA"),
            ("one_parent", "One parent gave DNA 父母一方提供了DNA"),
            (
                "grandparents",
                "Grandparents gave DNA 祖父母/外祖父母提供了DNA",
            ),
            (
                "parent_and_siblings",
                "A parent and brothers or sisters gave DNA 父母一方和兄弟姐妹提供了DNA",
            ),
            ("general", "Relatives gave DNA 亲属提供了DNA"),
        ],
        code,
    )
}

/// A fact compared.
pub fn fact(code: &str) -> String {
    lookup(
        &[
            ("sex", "Sex 性别"),
            ("age", "Age 年龄"),
            ("time", "Dates 日期"),
            ("place", "Place 地点"),
        ],
        code,
    )
}

/// The verdict on a fact.
pub fn verdict(code: &str) -> String {
    lookup(
        &[
            ("compatible", "Fits 相符"),
            ("excludes", "Rules it out 排除"),
            ("unknown", "Not known 未知"),
        ],
        code,
    )
}

/// A sex.
pub fn sex(code: &str) -> String {
    lookup(
        &[
            ("male", "Boy 男"),
            ("female", "Girl 女"),
            ("unknown", "Not known 未知"),
        ],
        code,
    )
}

/// An account's role.
pub fn role(code: &str) -> String {
    lookup(
        &[
            ("admin", "administrator 管理员"),
            ("lab", "laboratory 实验室"),
            ("caseworker", "case worker 个案工作者"),
            ("family", "family 家属"),
        ],
        code,
    )
}

/// What a kind of file counts, in Chinese with its measure word ("3份DNA分型").
pub fn import_unit_zh(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Cases => "个寻亲案件",
        ImportKind::References => "位提供DNA的亲属",
        ImportKind::Found => "名被找到的儿童",
        ImportKind::Profiles => "份DNA分型",
        ImportKind::Cmf => "份样本",
        ImportKind::Frequencies => "个基因座",
        ImportKind::Pfif => "条寻人记录",
    }
}

/// A kind of file of the import page.
pub fn import_kind(kind: &ImportKind) -> &'static str {
    match kind {
        ImportKind::Cases => "Missing-child cases · 寻亲案件",
        ImportKind::References => "Relatives who gave DNA · 提供DNA的亲属",
        ImportKind::Found => "Found children · 被找到的儿童",
        ImportKind::Profiles => "DNA profiles (GeneMapper) · DNA分型",
        ImportKind::Frequencies => "Allele frequencies · 等位基因频率",
        ImportKind::Cmf => "CODIS CMF file · CODIS CMF 文件",
        ImportKind::Pfif => "Person records (PFIF) · 寻人记录（PFIF）",
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
pub fn lr(lr: f64, log10: f64) -> String {
    if log10 == f64::NEG_INFINITY || lr == 0.0 {
        return "0".into();
    }
    if log10 == f64::INFINITY || log10.is_nan() {
        return "infinite 无穷大".into();
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

/// The ENFSI scale's steps: the lowest LR of each and its words.
const ENFSI: [(f64, &str, &str); 6] = [
    (2.0, "weak support", "弱支持"),
    (10.0, "moderate support", "中等支持"),
    (100.0, "moderately strong support", "较强支持"),
    (1_000.0, "strong support", "强支持"),
    (10_000.0, "very strong support", "很强支持"),
    (1_000_000.0, "extremely strong support", "极强支持"),
];

/// An LR's verbal equivalent on the ENFSI scale (ENFSI Guideline for
/// Evaluative Reporting in Forensic Science, 2015: 2-10 weak, 10-100
/// moderate, 100-1,000 moderately strong, 1,000-10,000 strong,
/// 10,000-1,000,000 very strong, above extremely strong support), as one
/// sentence in English and one in Chinese. The first hypothesis is that the
/// child is the family's; an LR below 1 supports the second by 1/LR; from
/// 1/2 to 2 the findings support neither.
pub fn enfsi(lr: f64) -> (String, String) {
    let (strength, first) = if lr >= 1.0 {
        (lr, true)
    } else {
        (1.0 / lr, false)
    };
    match ENFSI.iter().rev().find(|(from, _, _)| strength >= *from) {
        None => (
            "The DNA findings support neither hypothesis rather than the other.".into(),
            "DNA结果对两个假设均无倾向性支持。".into(),
        ),
        Some((_, en, zh)) => {
            let (a, b, za, zb) = match first {
                true => ("first", "second", "一", "二"),
                false => ("second", "first", "二", "一"),
            };
            (
                format!(
                    "The DNA findings provide {en} for the {a} hypothesis rather than the {b}."
                ),
                format!("DNA结果对假设{za}（相对于假设{zb}）提供{zh}。"),
            )
        }
    }
}

/// A candidate's LR, as [`lr`].
pub fn lr_of(c: &registry::CandidateSummary) -> String {
    lr(c.lr, c.log10_lr)
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
pub fn chart_floor(shown: usize, floor_log10: f64) -> String {
    let lr = lr(10f64.powf(floor_log10), floor_log10);
    let families = if shown == 1 {
        "the one family".to_string()
    } else {
        format!("the {} families", count(shown))
    };
    format!(
        "The chart shows {families} whose LR reaches {lr}; the others are too weak to change \
         the posterior by more than 0.1% and were not scored in full. · 图中显示似然比达到 {lr} 的 {} \
         个家庭；其余家庭对后验概率的影响不超过 0.1%，未逐一完整计算。",
        count(shown)
    )
}

/// A posterior probability as a percentage.
pub fn percent(p: f64) -> String {
    if (0.9999..1.0).contains(&p) {
        return "more than 99.99%".into();
    }
    if p > 0.0 && p < 0.0001 {
        return "less than 0.01%".into();
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

/// An age in days, in English words.
pub fn age_en(days: i64) -> String {
    match Age::of(days) {
        Age::Days(d) => format!("{d} {}", plural(d, "day", "days")),
        Age::Months(m) => format!("{m} months"),
        Age::Years(y, 0) => format!("{y} years"),
        Age::Years(y, m) => format!("{y} years {m} {}", plural(m, "month", "months")),
    }
}

/// The same age in Chinese.
pub fn age_zh(days: i64) -> String {
    match Age::of(days) {
        Age::Days(d) => format!("{d} 天"),
        Age::Months(m) => format!("{m} 个月"),
        Age::Years(y, 0) => format!("{y} 岁"),
        Age::Years(y, m) => format!("{y} 岁 {m} 个月"),
    }
}

/// A range of ages in one language: one age when both ends say the same.
fn range_of(lo: i64, hi: i64, say: fn(i64) -> String) -> String {
    let (a, b) = (say(lo.min(hi)), say(lo.max(hi)));
    if a == b { a } else { format!("{a} – {b}") }
}

/// An age in English and Chinese.
pub fn age(days: i64) -> String {
    format!("{} · {}", age_en(days), age_zh(days))
}

/// An age range in English and Chinese.
pub fn age_range(lo: i64, hi: i64) -> String {
    format!(
        "{} · {}",
        range_of(lo, hi, age_en),
        range_of(lo, hi, age_zh)
    )
}

fn plural(n: i64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
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
    Some(format!(
        "The missing child would have been {} old when the child was found; the found child's estimated age is {} (± {tolerance_days} days). \
         被找到时，失踪儿童应为 {}；被找到儿童的估计年龄为 {}（± {tolerance_days} 天）。",
        range_of(young, old, age_en),
        range_of(lo, hi, age_en),
        range_of(young, old, age_zh),
        range_of(lo, hi, age_zh),
    ))
}

/// The heading and the plain explanation of an error page, by HTTP status.
pub fn error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => (
            "Something in the request is not right · 请求有误",
            "The address or the form holds something the registry cannot read. Go back and try again. · 地址或表单中有无法读取的内容，请返回后重试。",
        ),
        401 => (
            "Please log in · 请先登录",
            "This page needs an account. · 此页面需要登录账户。",
        ),
        403 => (
            "Not allowed · 无权访问",
            "Your account may not see or do this. Ask an administrator if you need it. · 您的账户无权查看或执行此操作。如有需要，请联系管理员。",
        ),
        404 => (
            "Page not found · 找不到页面",
            "There is nothing at this address: the link may be old or mistyped, or the record is not yours to see. · 此地址没有内容：链接可能已过期或有误，或者您无权查看该记录。",
        ),
        409 => (
            "Not possible now · 目前无法执行",
            "The record is not in a state that allows this step (someone may have changed it). Look at it again and choose another step. · 该记录当前的状态不允许这一步（可能已被他人修改）。请重新查看后选择其他操作。",
        ),
        413 => (
            "Too large · 内容过大",
            "What was sent is larger than the registry accepts. · 发送的内容超出了系统允许的大小。",
        ),
        422 => (
            "Could not accept this · 无法接受",
            "Something that was entered cannot be used; the reason is below. · 输入的内容有无法使用的部分，原因见下方。",
        ),
        429 => (
            "Too many attempts · 尝试次数过多",
            "Wait a little and try again. · 请稍后再试。",
        ),
        _ => (
            "Something went wrong · 出错了",
            "The registry could not finish this. Try again later; if it happens again, tell an administrator. · 系统未能完成此操作。请稍后再试；如果再次出现，请告知管理员。",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ENFSI scale's steps, at and around their bounds, either way round.
    #[test]
    fn lrs_in_words_on_the_enfsi_scale() {
        let en = |lr: f64| enfsi(lr).0;
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
            enfsi(1e5).1,
            "DNA结果对假设一（相对于假设二）提供很强支持。"
        );
        assert_eq!(
            enfsi(0.05).1,
            "DNA结果对假设二（相对于假设一）提供中等支持。"
        );
    }

    /// The note under a large registry's chart: the count in words, with
    /// separators, and the floor as an LR.
    #[test]
    fn the_charts_floor_in_words() {
        let one = chart_floor(1, 21.57);
        assert!(
            one.starts_with("The chart shows the one family whose LR reaches 3.7 × 10²¹;"),
            "{one}"
        );
        let many = chart_floor(1234, -3.0);
        assert!(
            many.contains("the 1,234 families whose LR reaches 1.0 × 10⁻³"),
            "{many}"
        );
        assert!(many.contains("达到 1.0 × 10⁻³ 的 1,234 个家庭"), "{many}");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn lrs_read_as_numbers() {
        assert_eq!(lr(10f64.powf(32.53), 32.53), "3.4 × 10³²");
        assert_eq!(lr(0.52, 0.52f64.log10()), "0.52");
        assert_eq!(lr(1234.4, 1234.4f64.log10()), "1,234");
        assert_eq!(lr(10f64.powf(-4.2), -4.2), "6.3 × 10⁻⁵");
        assert_eq!(lr(0.0, f64::NEG_INFINITY), "0");
        // 9.96 × 10⁷ rounds to 1.0 × 10⁸, never 10.0 × 10⁷.
        assert_eq!(lr(9.96e7, 9.96e7f64.log10()), "1.0 × 10⁸");
    }

    #[test]
    fn ages_in_days_months_and_years() {
        assert_eq!(age(10), "10 days · 10 天");
        assert_eq!(age(1), "1 day · 1 天");
        assert_eq!(age(405), "13 months · 13 个月");
        assert_eq!(age(4 * 365 + 40), "4 years 1 month · 4 岁 1 个月");
        assert_eq!(age(3 * 365 + 1), "3 years · 3 岁");
        assert_eq!(age_range(405, 405), "13 months · 13 个月");
        assert_eq!(
            age_range(300, 420),
            "9 months – 13 months · 9 个月 – 13 个月"
        );
        let d = age_detail(
            Some("2024-01-01"),
            Some("2024-01-01"),
            Some("2025-02-09"),
            Some(405),
            Some(405),
            90,
        )
        .unwrap();
        assert!(
            d.starts_with("The missing child would have been 13 months old"),
            "{d}"
        );
        assert!(d.contains("被找到时，失踪儿童应为 13 个月"), "{d}");
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
        assert_eq!(status("under_review"), "Under review 审核中");
        assert_eq!(
            review(ReviewState::TestRequested),
            "Test requested 已申请确认检测"
        );
        assert_eq!(category(Category::Excluded), "Excluded 已排除");
        assert_eq!(
            relationship("maternal_grandfather"),
            "Mother's father 外祖父"
        );
        assert_eq!(
            shape("both_parents"),
            "Both parents gave DNA 父母双方提供了DNA"
        );
        assert_eq!(percent(0.99994), "more than 99.99%");
        assert_eq!(percent(0.5), "50%");
    }
}

/// The warning a case worker reads about two profiles with the same DNA:
/// in English and in Chinese, each a sentence with a link to the other
/// found child or the other reference's case in its middle.
#[derive(Debug, Clone)]
pub struct SameDnaWarning {
    pub en_before: String,
    pub en_after: String,
    pub zh_before: String,
    pub zh_after: String,
    /// The other found child's or the other reference's case page.
    pub href: String,
    pub link: String,
}

/// [`SameDnaWarning`] of a pair, told from `pair.this`'s side. Marker
/// names and counts only, never a genotype.
pub fn same_dna(pair: &registry::SameDnaPair) -> SameDnaWarning {
    let (en_markers, zh_markers) = match &pair.differing {
        None => (
            format!("all {} markers compared are equal", pair.shared),
            format!("比较的{}个基因座全部相同", pair.shared),
        ),
        Some(m) => (
            format!(
                "all but one of the {} markers compared are equal ({m} differs)",
                pair.shared
            ),
            format!("比较的{}个基因座中除 {m} 外全部相同", pair.shared),
        ),
    };
    let check_en = "A case worker should check before deciding on any candidate of theirs.";
    let check_zh = "请个案工作者在对相关候选匹配作出任何决定之前先核实。";
    let this = &pair.this;
    let other = &pair.other;
    match pair.kind {
        registry::SameDnaKind::Found => {
            let link = other
                .found_id
                .clone()
                .unwrap_or_else(|| other.sample.clone());
            let me = this.found_id.clone().unwrap_or_else(|| this.sample.clone());
            SameDnaWarning {
                en_before: format!("Found child {me} has the same DNA as found child "),
                en_after: format!(
                    ": {en_markers}. It may be the same child registered twice, or identical twins. {check_en}"
                ),
                zh_before: format!("被找到的儿童 {me} 与被找到的儿童 "),
                zh_after: format!(
                    " 的DNA相同：{zh_markers}。可能是同一个儿童被登记了两次，也可能是同卵双胞胎。{check_zh}"
                ),
                href: format!("/found/{}", crate::api::encode(&link)),
                link,
            }
        }
        registry::SameDnaKind::Reference => {
            let rel =
                |s: &registry::SameDnaSide| relationship(s.relationship.as_deref().unwrap_or(""));
            let link = other.case_id.clone().unwrap_or_default();
            let this_case = this.case_id.clone().unwrap_or_default();
            SameDnaWarning {
                en_before: format!(
                    "Reference {} ({}) of case {this_case} has the same DNA as reference {} ({}) of case ",
                    this.sample,
                    rel(this),
                    other.sample,
                    rel(other)
                ),
                en_after: format!(
                    ": {en_markers}. It may be the same person given twice (for two lost children, say), or identical twins. {check_en}"
                ),
                zh_before: format!(
                    "案件 {this_case} 的样本提供者 {}（{}）与案件 ",
                    this.sample,
                    rel(this)
                ),
                zh_after: format!(
                    " 的样本提供者 {}（{}）DNA相同：{zh_markers}。可能是同一个人的样本被提交了两次（例如为两个失踪的孩子），也可能是同卵双胞胎。{check_zh}",
                    other.sample,
                    rel(other)
                ),
                href: format!("/cases/{}", crate::api::encode(&link)),
                link,
            }
        }
    }
}
