//! Server-rendered SVG drawings: pedigrees and likelihood-ratio histograms.
//!
//! Every function here is pure and returns SVG text that pages embed inline
//! (no JavaScript). Drawings scale to their container (`viewBox` and
//! `width="100%"`, capped at their natural width), are exposed to assistive
//! technology as one image (`role="img"` with a `<title>` and a `<desc>`), and
//! every piece of text is XML-escaped with [`escape`], because names and labels
//! come from users. Their own words (legends, axes, descriptions) are in the
//! page's language, from the `words` area of the message catalogue
//! (`words-drawing-…`, `words-chart-…`).

use std::collections::{HashMap, VecDeque};
use std::fmt::{self, Write as _};

use crate::Lang;

/// Escapes text for use in XML character data and in quoted attribute values.
///
/// `&`, `<`, `>`, `"` and `'` become entity references. Control characters
/// that XML 1.0 forbids (everything below U+0020 except tab, line feed and
/// carriage return, plus U+FFFE and U+FFFF) become U+FFFD, so the output is
/// always well-formed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate or length, written with at most one decimal.
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_finite() {
            return f.write_str("0");
        }
        let v = (self.0 * 10.0).round() / 10.0;
        if v == v.trunc() && v.abs() < 1e15 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{v:.1}")
        }
    }
}

/// Whether a character is drawn about one em wide, as wide as two Latin
/// letters: Chinese, Japanese and Korean characters, full-width forms.
fn is_wide(c: char) -> bool {
    matches!(
        c as u32,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    )
}

/// A character's width in the units labels are measured in: a Latin letter
/// or digit is one, a Chinese character two.
fn char_width(c: char) -> usize {
    if is_wide(c) { 2 } else { 1 }
}

/// A text's width in [`char_width`] units.
fn text_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Shortens a label to `max_width` ([`char_width`] units) for display under
/// a symbol (the full text stays in the symbol's tooltip and in the
/// description).
fn short_label(label: &str, max_width: usize) -> String {
    let clean: String = label
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if text_width(clean) <= max_width {
        return clean.to_string();
    }
    let mut s = String::new();
    let mut width = 0;
    for c in clean.chars() {
        width += char_width(c);
        if width > max_width.saturating_sub(1) {
            break;
        }
        s.push(c);
    }
    s.push('…');
    s
}

/// The distance between the lines of a label.
const LABEL_LINE: f64 = 13.0;
/// Width of a line of a label under a symbol, in [`char_width`] units
/// (14 Latin characters, 7 Chinese).
const LABEL_CHARS: usize = 14;
/// Lines of a label under a symbol.
const LABEL_LINES: usize = 3;

/// A label under a symbol in at most [`LABEL_LINES`] lines of `max_width`,
/// broken between words ("maternal grandfather (RS-1-MGF)" in three lines);
/// only a word longer than a line, or what does not fit in the last line,
/// is cut with "…" (the full text stays in the symbol's tooltip).
fn label_lines(label: &str, max_width: usize) -> Vec<String> {
    wrap(label, max_width, LABEL_LINES)
}

/// Punctuation a line does not start with.
const CLOSING: &str = "，。、；：？！）》」』】〕〉”’…,.;:?!)]}%";
/// Punctuation a line does not end with.
const OPENING: &str = "（《「『【〔〈“‘([{";

/// Whether a line may break between `a` and `b` of one word: where one of
/// them is a wide character (Chinese puts no spaces between words), but not
/// before closing punctuation nor after opening punctuation.
fn may_break_between(a: char, b: char) -> bool {
    (is_wide(a) || is_wide(b)) && !CLOSING.contains(b) && !OPENING.contains(a)
}

/// The pieces a text may be broken into, each with whether a space goes
/// before it: its words, and the characters of Chinese text.
fn pieces(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (k, word) in text.split_whitespace().enumerate() {
        let mut piece = String::new();
        let mut space = k > 0;
        let mut prev: Option<char> = None;
        for c in word.chars() {
            if let Some(p) = prev
                && may_break_between(p, c)
            {
                out.push((std::mem::take(&mut piece), space));
                space = false;
            }
            piece.push(c);
            prev = Some(c);
        }
        out.push((piece, space));
    }
    out
}

/// A text in at most `max_lines` lines of `max_width` ([`char_width`]
/// units), broken between words (and between Chinese characters).
fn wrap(label: &str, max_width: usize, max_lines: usize) -> Vec<String> {
    // The lines, each with whether a space went before it.
    let mut lines: Vec<(String, bool)> = Vec::new();
    for (piece, space) in pieces(label) {
        let gap = usize::from(space);
        match lines.last_mut() {
            Some((line, _)) if text_width(line) + gap + text_width(&piece) <= max_width => {
                if space {
                    line.push(' ');
                }
                line.push_str(&piece);
            }
            _ => lines.push((piece, space)),
        }
    }
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        let mut rest = String::new();
        for (k, (line, space)) in lines.split_off(max_lines - 1).into_iter().enumerate() {
            if k > 0 && space {
                rest.push(' ');
            }
            rest.push_str(&line);
        }
        lines.push((rest, false));
    }
    lines
        .iter()
        .map(|(l, _)| short_label(l, max_width))
        .collect()
}

/// Sentences one after another: a space between them in English, none in
/// Chinese.
fn sentences(lang: Lang, parts: &[String]) -> String {
    parts.join(match lang {
        Lang::En => " ",
        Lang::ZhCn => "",
    })
}

/// Opens an `<svg>` element with its accessible title and description.
fn open_svg(out: &mut String, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         style=\"max-width:{w}px;height:auto\" role=\"img\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">\
         <title>{t}</title><desc>{d}</desc>",
        w = N(width),
        h = N(height),
        t = escape(title),
        d = escape(desc),
    );
}

// ---------------------------------------------------------------------------
// Pedigree
// ---------------------------------------------------------------------------

/// Sex of a person in a pedigree drawing (decides the symbol's shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PedSex {
    /// Drawn as a square.
    Male,
    /// Drawn as a circle.
    Female,
    /// Drawn as a diamond.
    Unknown,
}

/// What a person is in the case (decides the symbol's style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PedRole {
    /// Gave DNA: filled symbol.
    Typed,
    /// In the tree only: hollow symbol.
    Untyped,
    /// The missing child's place: highlighted, dashed outline.
    MissingChild,
    /// The found child placed in the missing child's place: highlighted, filled.
    FoundChild,
}

/// One person of a pedigree drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PedPerson {
    /// Identifier, referenced by `father` and `mother` of other persons.
    pub id: String,
    /// Text under the symbol, e.g. "Mother" or a sample name.
    pub label: String,
    pub sex: PedSex,
    /// Id of the father; unknown ids are ignored (the person becomes a founder).
    pub father: Option<String>,
    /// Id of the mother; unknown ids are ignored (the person becomes a founder).
    pub mother: Option<String>,
    pub role: PedRole,
}

/// Horizontal distance between neighbouring symbol centres.
const UNIT: f64 = 100.0;
/// Half the size of a symbol.
const R: f64 = 18.0;
/// Vertical distance between generations.
const ROW: f64 = 124.0;
/// Outer margin.
const MARGIN: f64 = 12.0;
/// Top of the first generation's symbols (below the visible title).
const TOP: f64 = 48.0;
/// Width of one legend column.
const LEGEND_COL: f64 = 120.0;
/// Extra space before a group of founders that follows other blocks.
const BLOCK_GAP: f64 = 0.25;

/// Where everybody goes: the resolved parent links (unknown ids, self links
/// and cycles removed), the generation (row) and the horizontal position in
/// units of [`UNIT`].
#[derive(Debug)]
struct Layout {
    father: Vec<Option<usize>>,
    mother: Vec<Option<usize>>,
    generation: Vec<usize>,
    x: Vec<f64>,
}

/// Orders persons so that parents come before their children; parent links
/// that would close a cycle are cut (the person then counts as a founder on
/// that side).
fn topological_order(father: &mut [Option<usize>], mother: &mut [Option<usize>]) -> Vec<usize> {
    let n = father.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pending = vec![0usize; n];
    for c in 0..n {
        for p in [father[c], mother[c]].into_iter().flatten() {
            children[p].push(c);
            pending[c] += 1;
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut first_open = 0;
    while order.len() < n {
        let Some(u) = queue.pop_front() else {
            // Everybody left is in or below a cycle: cut the first one's links
            // to unfinished parents.
            while first_open < n && done[first_open] {
                first_open += 1;
            }
            let Some(i) = (first_open < n).then_some(first_open) else {
                break;
            };
            if father[i].is_some_and(|p| !done[p]) {
                father[i] = None;
            }
            if mother[i].is_some_and(|p| !done[p]) {
                mother[i] = None;
            }
            pending[i] = 0;
            queue.push_back(i);
            continue;
        };
        if done[u] {
            continue;
        }
        done[u] = true;
        order.push(u);
        for &c in &children[u] {
            if father[c] == Some(u) || mother[c] == Some(u) {
                pending[c] = pending[c].saturating_sub(1);
                if pending[c] == 0 && !done[c] {
                    queue.push_back(c);
                }
            }
        }
    }
    order
}

/// Lays out a pedigree: generations top to bottom, spouses adjacent, children
/// centred under their parents where room allows, no two symbols of one
/// generation closer than one unit.
fn layout(persons: &[PedPerson]) -> Layout {
    let n = persons.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, p) in persons.iter().enumerate() {
        index.entry(p.id.as_str()).or_insert(i);
    }
    let resolve = |id: &Option<String>, me: usize| {
        id.as_deref()
            .and_then(|id| index.get(id).copied())
            .filter(|&j| j != me)
    };
    let mut father: Vec<Option<usize>> = (0..n).map(|i| resolve(&persons[i].father, i)).collect();
    let mut mother: Vec<Option<usize>> = (0..n).map(|i| resolve(&persons[i].mother, i)).collect();
    for i in 0..n {
        if mother[i].is_some() && mother[i] == father[i] {
            mother[i] = None;
        }
    }
    let order = topological_order(&mut father, &mut mother);

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut partners: Vec<Vec<usize>> = vec![Vec::new(); n];
    for c in 0..n {
        for p in [father[c], mother[c]].into_iter().flatten() {
            children[p].push(c);
        }
        if let (Some(f), Some(m)) = (father[c], mother[c])
            && !partners[f].contains(&m)
        {
            partners[f].push(m);
            partners[m].push(f);
        }
    }

    // Generation = 1 + max generation of the parents; founders with children
    // move down to just above their highest child (i.e. next to a spouse who
    // has ancestors in the tree).
    let mut generation = vec![0usize; n];
    let has_parent = |i: usize| father[i].is_some() || mother[i].is_some();
    let settle = |generation: &mut Vec<usize>| {
        for &i in &order {
            if let Some(g) = [father[i], mother[i]]
                .into_iter()
                .flatten()
                .map(|p| generation[p] + 1)
                .max()
            {
                generation[i] = g;
            }
        }
    };
    for _ in 0..=n {
        settle(&mut generation);
        let mut changed = false;
        for i in 0..n {
            if has_parent(i) {
                continue;
            }
            if let Some(g) = children[i].iter().map(|&c| generation[c]).min() {
                let g = g.saturating_sub(1);
                if g > generation[i] {
                    generation[i] = g;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    settle(&mut generation);

    let mut lay = Layout {
        father,
        mother,
        generation,
        x: vec![0.0; n],
    };
    let links = Links {
        father: &lay.father,
        mother: &lay.mother,
        generation: &lay.generation,
    };
    place(&links, &mut lay.x, persons, &partners);
    lay
}

/// The parts of a [`Layout`] that placement reads.
struct Links<'a> {
    father: &'a [Option<usize>],
    mother: &'a [Option<usize>],
    generation: &'a [usize],
}

/// Father and mother (indices), either possibly absent.
type ParentPair = (Option<usize>, Option<usize>);

/// A run of persons placed side by side, one unit apart.
struct Block {
    persons: Vec<usize>,
    /// Where the centre of the sibship should go (its parents' midpoint);
    /// `None` for groups of founders.
    key: Option<f64>,
    /// Offset, within the block, of the sibship's centre.
    anchor: f64,
}

/// Assigns horizontal positions generation by generation.
fn place(links: &Links<'_>, x: &mut [f64], persons: &[PedPerson], partners: &[Vec<usize>]) {
    let n = persons.len();
    let generation = &links.generation;
    let is_founder = |i: usize| links.father[i].is_none() && links.mother[i].is_none();
    let max_gen = generation.iter().copied().max().unwrap_or(0);
    let mut by_gen: Vec<Vec<usize>> = vec![Vec::new(); max_gen + 1];
    for i in 0..n {
        by_gen[generation[i]].push(i);
    }
    // Each person belongs to one generation, so these need no reset.
    let mut attached: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut is_attached = vec![false; n];
    let mut seen = vec![false; n];

    for (g, members) in by_gen.iter().enumerate() {
        // Founders marrying into the tree stand next to their spouse.
        for &f in members {
            if !is_founder(f) {
                continue;
            }
            if let Some(&p) = partners[f]
                .iter()
                .find(|&&p| generation[p] == g && !is_founder(p))
            {
                attached[p].push(f);
                is_attached[f] = true;
            }
        }

        // Sibships: non-founders grouped by their parents.
        let mut sib_index: HashMap<ParentPair, usize> = HashMap::new();
        let mut sibships: Vec<(f64, Vec<usize>)> = Vec::new();
        let mut sibship_of: HashMap<usize, usize> = HashMap::new();
        for &i in members {
            if is_founder(i) {
                continue;
            }
            let key = (links.father[i], links.mother[i]);
            let k = *sib_index.entry(key).or_insert_with(|| {
                let xs: Vec<f64> = [key.0, key.1].into_iter().flatten().map(|p| x[p]).collect();
                let centre = xs.iter().sum::<f64>() / xs.len().max(1) as f64;
                sibships.push((centre, Vec::new()));
                sibships.len() - 1
            });
            sibships[k].1.push(i);
            sibship_of.insert(i, k);
        }

        let mut blocks: Vec<Block> = Vec::new();
        for (k, (centre, sibs)) in sibships.iter().enumerate() {
            let (mut left, mut mid, mut right) = (Vec::new(), Vec::new(), Vec::new());
            for &s in sibs {
                let spouses = &attached[s];
                // A spouse with ancestors of their own, in another sibship.
                let other = partners[s]
                    .iter()
                    .filter_map(|p| sibship_of.get(p).filter(|&&pk| pk != k))
                    .map(|&pk| sibships[pk].0)
                    .next();
                if spouses.len() >= 2 {
                    let half = spouses.len() / 2;
                    mid.extend_from_slice(&spouses[..half]);
                    mid.push(s);
                    mid.extend_from_slice(&spouses[half..]);
                } else if spouses.is_empty() && other.is_none() {
                    mid.push(s);
                } else {
                    let go_right = match other {
                        Some(o) if o > *centre => true,
                        Some(o) if o < *centre => false,
                        _ => persons[s].sex != PedSex::Female,
                    };
                    if go_right {
                        right.push(s);
                        right.extend_from_slice(spouses);
                    } else {
                        left.extend_from_slice(spouses);
                        left.push(s);
                    }
                }
            }
            let mut row = left;
            row.append(&mut mid);
            row.append(&mut right);
            let positions: Vec<usize> = row
                .iter()
                .enumerate()
                .filter(|(_, p)| sibs.contains(p))
                .map(|(j, _)| j)
                .collect();
            let anchor = match (positions.first(), positions.last()) {
                (Some(&a), Some(&b)) => (a + b) as f64 / 2.0,
                _ => 0.0,
            };
            blocks.push(Block {
                persons: row,
                key: Some(*centre),
                anchor,
            });
        }

        // Founders not standing next to a spouse with ancestors: chains of
        // couples (a person with two partners stands between them).
        for &f in members {
            if !is_founder(f) || is_attached[f] || seen[f] {
                continue;
            }
            let in_group = |p: usize| generation[p] == g && is_founder(p) && !is_attached[p];
            let mut component = vec![f];
            seen[f] = true;
            let mut head = 0;
            while head < component.len() {
                let u = component[head];
                head += 1;
                for &p in &partners[u] {
                    if in_group(p) && !seen[p] {
                        seen[p] = true;
                        component.push(p);
                    }
                }
            }
            let degree = |u: usize| partners[u].iter().filter(|&&p| in_group(p)).count();
            let start = component
                .iter()
                .copied()
                .min_by_key(|&u| (degree(u), persons[u].sex != PedSex::Male, u))
                .unwrap_or(f);
            let mut row = Vec::with_capacity(component.len());
            let mut placed: Vec<usize> = Vec::new();
            let mut stack = vec![start];
            while let Some(u) = stack.pop() {
                if placed.contains(&u) {
                    continue;
                }
                placed.push(u);
                row.push(u);
                for &p in partners[u].iter().rev() {
                    if in_group(p) && !placed.contains(&p) {
                        stack.push(p);
                    }
                }
            }
            blocks.push(Block {
                persons: row,
                key: None,
                anchor: 0.0,
            });
        }

        // Sibships under their parents (pushed right when crowded), then
        // founder groups.
        let (mut keyed, unkeyed): (Vec<Block>, Vec<Block>) =
            blocks.into_iter().partition(|b| b.key.is_some());
        keyed.sort_by(|a, b| a.key.unwrap_or(0.0).total_cmp(&b.key.unwrap_or(0.0)));
        let mut cursor = f64::NEG_INFINITY;
        for b in keyed.iter().chain(unkeyed.iter()) {
            let wanted = match b.key {
                Some(k) => k - b.anchor,
                None if cursor.is_finite() => cursor + BLOCK_GAP,
                None => 0.0,
            };
            let start = wanted.max(cursor);
            for (j, &p) in b.persons.iter().enumerate() {
                x[p] = start + j as f64;
            }
            cursor = start + b.persons.len() as f64;
        }
    }
}

/// A sex as the `data-sex` attribute says it (in every language).
fn sex_code(sex: PedSex) -> &'static str {
    match sex {
        PedSex::Male => "male",
        PedSex::Female => "female",
        PedSex::Unknown => "sex unknown",
    }
}

/// A sex as the legend and the descriptions say it.
fn sex_word(lang: Lang, sex: PedSex) -> String {
    match sex {
        PedSex::Male => lang.t("words-drawing-male"),
        PedSex::Female => lang.t("words-drawing-female"),
        PedSex::Unknown => lang.t("words-drawing-sex-unknown"),
    }
}

fn role_word(lang: Lang, role: PedRole) -> String {
    match role {
        PedRole::Typed => lang.t("words-drawing-gave-dna"),
        PedRole::Untyped => lang.t("words-drawing-not-typed"),
        PedRole::MissingChild => lang.t("words-drawing-missing-child"),
        PedRole::FoundChild => lang.t("words-drawing-found-child"),
    }
}

fn role_class(role: PedRole) -> &'static str {
    match role {
        PedRole::Typed => "typed",
        PedRole::Untyped => "untyped",
        PedRole::MissingChild => "missing-child",
        PedRole::FoundChild => "found-child",
    }
}

/// Presentation attributes of a symbol in a role.
fn role_style(role: PedRole) -> &'static str {
    match role {
        PedRole::Typed => "fill=\"#334155\" stroke=\"#0f172a\" stroke-width=\"2\"",
        PedRole::Untyped => "fill=\"#ffffff\" stroke=\"#0f172a\" stroke-width=\"2\"",
        PedRole::MissingChild => {
            "fill=\"#fff7ed\" stroke=\"#c2410c\" stroke-width=\"3\" stroke-dasharray=\"6 4\""
        }
        PedRole::FoundChild => "fill=\"#ea580c\" stroke=\"#7c2d12\" stroke-width=\"3\"",
    }
}

/// Writes one symbol: square (male), circle (female) or diamond (unknown).
fn write_symbol(out: &mut String, sex: PedSex, style: &str, cx: f64, cy: f64, r: f64) {
    match sex {
        PedSex::Male => {
            let _ = write!(
                out,
                "<rect class=\"symbol\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}/>",
                N(cx - r),
                N(cy - r),
                N(2.0 * r),
                N(2.0 * r),
            );
        }
        PedSex::Female => {
            let _ = write!(
                out,
                "<circle class=\"symbol\" cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
                N(cx),
                N(cy),
                N(r),
            );
        }
        PedSex::Unknown => {
            let d = r * 1.25;
            let _ = write!(
                out,
                "<polygon class=\"symbol\" points=\"{},{} {},{} {},{} {},{}\" {style}/>",
                N(cx),
                N(cy - d),
                N(cx + d),
                N(cy),
                N(cx),
                N(cy + d),
                N(cx - d),
                N(cy),
            );
        }
    }
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64) {
    let _ = write!(
        out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        N(x1),
        N(y1),
        N(x2),
        N(y2)
    );
}

/// Draws a pedigree in standard notation.
///
/// Squares are males, circles females, diamonds persons of unknown sex;
/// filled symbols gave DNA, hollow ones are in the tree only; the missing
/// child's place is highlighted with a dashed outline, a found child placed
/// there is highlighted and filled. Parents are joined by a marriage line, from
/// which a line descends to the sibship line joining their children.
/// Generations run top to bottom. Persons may come in any order; unknown parent
/// ids, self-parenthood and cycles are ignored (the person is drawn as a
/// founder), and duplicate ids refer to the first person with that id.
pub fn pedigree_svg(lang: Lang, persons: &[PedPerson], title: &str) -> String {
    let lay = layout(persons);
    let n = persons.len();
    let max_gen = lay.generation.iter().copied().max().unwrap_or(0);
    let (min_x, max_x) = if n == 0 {
        (0.0, 0.0)
    } else {
        lay.x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            })
    };

    let content_w = (max_x - min_x) * UNIT + UNIT;
    let legend_items: [(Option<PedSex>, PedRole, String); 7] = [
        (None, PedRole::Typed, role_word(lang, PedRole::Typed)),
        (None, PedRole::Untyped, role_word(lang, PedRole::Untyped)),
        (
            None,
            PedRole::MissingChild,
            role_word(lang, PedRole::MissingChild),
        ),
        (
            None,
            PedRole::FoundChild,
            role_word(lang, PedRole::FoundChild),
        ),
        (
            Some(PedSex::Male),
            PedRole::Untyped,
            sex_word(lang, PedSex::Male),
        ),
        (
            Some(PedSex::Female),
            PedRole::Untyped,
            sex_word(lang, PedSex::Female),
        ),
        (
            Some(PedSex::Unknown),
            PedRole::Untyped,
            sex_word(lang, PedSex::Unknown),
        ),
    ];
    let cols = ((content_w / LEGEND_COL).floor() as usize).clamp(2, 4);
    let rows = legend_items.len().div_ceil(cols);
    let legend_w = cols as f64 * LEGEND_COL;
    // The title in two lines at most, as wide as the drawing (bold 14 px
    // is about 0.62 em a Latin character, a Chinese one 1 em in two units):
    // a narrow drawing widens for a long title, up to 640 px.
    let title_chars =
        |width: f64| ((width - 2.0 * MARGIN) / (14.0 * 0.62)).floor().max(8.0) as usize;
    let mut width = content_w.max(legend_w).max(240.0) + 2.0 * MARGIN;
    while width < 640.0 && wrap(title, title_chars(width), usize::MAX).len() > 2 {
        width += 16.0;
    }
    let left = MARGIN + (width - 2.0 * MARGIN - content_w) / 2.0 + UNIT / 2.0;
    let px = |i: usize| left + (lay.x[i] - min_x) * UNIT;
    let row_y = |g: usize| TOP + R + g as f64 * ROW;
    let py = |i: usize| row_y(lay.generation[i]);
    // Under the last row: the labels' lines, the role word and a margin.
    let drawing_bottom = if n == 0 {
        TOP + 40.0
    } else {
        row_y(max_gen) + R * 1.25 + (LABEL_LINES + 1) as f64 * LABEL_LINE + 8.0
    };
    let legend_top = drawing_bottom + 12.0;
    let height = legend_top + rows as f64 * 22.0 + 8.0;

    let label_of = |i: usize| {
        let l = persons[i].label.trim();
        if l.is_empty() {
            persons[i].id.clone()
        } else {
            l.to_string()
        }
    };

    // Description for screen readers.
    let mut desc: Vec<String> = Vec::new();
    if n == 0 {
        desc.push(lang.t("words-drawing-desc-empty"));
    } else {
        desc.push(lang.t2("words-drawing-desc", "n", n, "generations", max_gen + 1));
        for (i, p) in persons.iter().enumerate() {
            let (label, sex, role) = (label_of(i), sex_word(lang, p.sex), role_word(lang, p.role));
            let parents: Vec<String> = [lay.father[i], lay.mother[i]]
                .into_iter()
                .flatten()
                .map(label_of)
                .collect();
            let parents = match parents.as_slice() {
                [] => None,
                [one] => Some(one.clone()),
                [a, b, ..] => Some(lang.t2("words-drawing-desc-and", "a", a, "b", b)),
            };
            desc.push(match parents {
                None => lang.ta(
                    "words-drawing-desc-person",
                    &[("label", &label), ("sex", &sex), ("role", &role)],
                ),
                Some(parents) => lang.ta(
                    "words-drawing-desc-person-child",
                    &[
                        ("label", &label),
                        ("sex", &sex),
                        ("role", &role),
                        ("parents", &parents),
                    ],
                ),
            });
        }
    }
    let desc = sentences(lang, &desc);

    let mut out = String::with_capacity(2048 + n * 512);
    open_svg(&mut out, width, height, title, &desc);
    for (k, line) in wrap(title, title_chars(width), 2).iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\" fill=\"#0f172a\">{}</text>",
            N(width / 2.0),
            N(20.0 + 17.0 * k as f64),
            escape(line),
        );
    }
    if n == 0 {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#475569\">{}</text>",
            N(width / 2.0),
            N(TOP + 20.0),
            escape(&lang.t("words-drawing-empty")),
        );
    }

    // Lines first, so that symbols cover their ends.
    let mut families: Vec<(ParentPair, Vec<usize>)> = Vec::new();
    let mut family_index: HashMap<ParentPair, usize> = HashMap::new();
    for c in 0..n {
        let key = (lay.father[c], lay.mother[c]);
        if key == (None, None) {
            continue;
        }
        let k = *family_index.entry(key).or_insert_with(|| {
            families.push((key, Vec::new()));
            families.len() - 1
        });
        families[k].1.push(c);
    }
    out.push_str("<g class=\"lines\" stroke=\"#0f172a\" stroke-width=\"1.6\" fill=\"none\">");
    let mut families_in_gen: HashMap<usize, usize> = HashMap::new();
    for ((f, m), kids) in &families {
        let Some(&first) = kids.first() else { continue };
        let child_gen = lay.generation[first];
        let stagger = families_in_gen.entry(child_gen).or_insert(0);
        let sib_y = row_y(child_gen) - R - 24.0 - (*stagger % 3) as f64 * 6.0;
        *stagger += 1;
        let (sx, sy) = match (f, m) {
            (Some(f), Some(m)) => {
                line(&mut out, px(*f), py(*f), px(*m), py(*m));
                ((px(*f) + px(*m)) / 2.0, (py(*f) + py(*m)) / 2.0)
            }
            (Some(p), None) | (None, Some(p)) => (px(*p), py(*p) + R),
            (None, None) => continue,
        };
        line(&mut out, sx, sy, sx, sib_y);
        let lo = kids.iter().map(|&c| px(c)).fold(sx, f64::min);
        let hi = kids.iter().map(|&c| px(c)).fold(sx, f64::max);
        if hi - lo > 0.05 {
            line(&mut out, lo, sib_y, hi, sib_y);
        }
        for &c in kids {
            let top = py(c)
                - if persons[c].sex == PedSex::Unknown {
                    R * 1.25
                } else {
                    R
                };
            line(&mut out, px(c), sib_y, px(c), top);
        }
    }
    out.push_str("</g>");

    for (i, p) in persons.iter().enumerate() {
        let (cx, cy) = (px(i), py(i));
        let full = label_of(i);
        let _ = write!(
            out,
            "<g class=\"person {}\" data-sex=\"{}\"><title>{}</title>",
            role_class(p.role),
            sex_code(p.sex),
            escape(&lang.ta(
                "words-drawing-person-title",
                &[
                    ("label", &full),
                    ("sex", &sex_word(lang, p.sex)),
                    ("role", &role_word(lang, p.role)),
                ],
            )),
        );
        if matches!(p.role, PedRole::MissingChild | PedRole::FoundChild) {
            let _ = write!(
                out,
                "<circle class=\"halo\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#fed7aa\" opacity=\"0.7\"/>",
                N(cx),
                N(cy),
                N(R * 1.7),
            );
        }
        write_symbol(&mut out, p.sex, role_style(p.role), cx, cy, R);
        if p.role == PedRole::MissingChild {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"700\" fill=\"#c2410c\">?</text>",
                N(cx),
                N(cy + 6.0),
            );
        }
        let mut label_y = cy + R * if p.sex == PedSex::Unknown { 1.25 } else { 1.0 } + 1.0;
        for line in label_lines(&full, LABEL_CHARS) {
            label_y += LABEL_LINE;
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#0f172a\" \
                 stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                N(cx),
                N(label_y),
                escape(&line),
            );
        }
        if matches!(p.role, PedRole::MissingChild | PedRole::FoundChild) {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" font-style=\"italic\" fill=\"#9a3412\" \
                 stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                N(cx),
                N(label_y + 13.0),
                escape(&role_word(lang, p.role)),
            );
        }
        out.push_str("</g>");
    }

    // Legend.
    let legend_left = (width - legend_w) / 2.0;
    out.push_str("<g class=\"legend\" font-size=\"11\" fill=\"#334155\">");
    for (k, (sex, role, text)) in legend_items.iter().enumerate() {
        let lx = legend_left + (k % cols) as f64 * LEGEND_COL + 10.0;
        let ly = legend_top + (k / cols) as f64 * 22.0 + 10.0;
        let style = role_style(*role).replace("stroke-width=\"3\"", "stroke-width=\"2\"");
        let style = style.replace("6 4", "3 2");
        write_symbol(&mut out, sex.unwrap_or(PedSex::Male), &style, lx, ly, 7.0);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"#334155\">{}</text>",
            N(lx + 14.0),
            N(ly + 4.0),
            escape(text),
        );
    }
    out.push_str("</g></svg>");
    out
}

// ---------------------------------------------------------------------------
// LR histogram
// ---------------------------------------------------------------------------

/// log10 of the LR from which a match counts as undisputed.
const THRESHOLD_LOG10: f64 = 4.0;
/// At most this many bins; wider ranges use bins of several powers of ten.
const MAX_BINS: f64 = 120.0;

/// Writes "10" with `exp` as a superscript.
fn power_of_ten(out: &mut String, exp: f64) {
    let e = if exp.abs() < 1e6 {
        format!("{}", exp.round() as i64)
    } else {
        format!("{exp:e}")
    };
    let e = e.replace('-', "\u{2212}");
    let _ = write!(
        out,
        "10<tspan dy=\"-6\" font-size=\"9\">{}</tspan>",
        escape(&e)
    );
}

/// Draws where a candidate's LR stands among all the cases scored for a child.
///
/// A histogram of log10 LR in bins of one power of ten (several, if the range
/// is very wide), spanning the values, the candidate and the undisputed
/// threshold LR = 10^4 (a dashed vertical line). Exclusions (`-inf`) go in a
/// separate "excluded" bar at the left, infinite LRs (`+inf`) in a bar at the
/// right; NaN values are ignored. Bar heights are on a logarithmic count
/// axis, so a single case stays visible next to thousands. The candidate's bar
/// is highlighted and marked "this candidate".
pub fn lr_chart_svg(lang: Lang, log10_lrs: &[f64], highlight: f64, title: &str) -> String {
    const W: f64 = 640.0;
    const H: f64 = 286.0;
    const PLOT_TOP: f64 = 72.0;
    const PLOT_BOTTOM: f64 = 236.0;
    const PLOT_LEFT: f64 = 58.0;
    const PLOT_RIGHT: f64 = 626.0;
    const SIDE_BAR: f64 = 30.0;

    let excluded = log10_lrs
        .iter()
        .filter(|v| **v == f64::NEG_INFINITY)
        .count();
    let infinite = log10_lrs.iter().filter(|v| **v == f64::INFINITY).count();
    let finite: Vec<f64> = log10_lrs
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let total = excluded + infinite + finite.len();

    let mut out = String::with_capacity(8192);
    if total == 0 {
        let desc = lang.t("words-chart-empty-desc");
        open_svg(&mut out, W, 120.0, title, &desc);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" fill=\"#0f172a\">{}</text>\
             <text x=\"{}\" y=\"70\" text-anchor=\"middle\" font-size=\"13\" fill=\"#475569\">{}</text></svg>",
            N(W / 2.0),
            escape(&short_label(title, 70)),
            N(W / 2.0),
            escape(&lang.t("words-chart-empty")),
        );
        return out;
    }

    // Bins: [lo + k*w, lo + (k+1)*w) covering values, candidate and threshold.
    let (mut min, mut max) = (THRESHOLD_LOG10, THRESHOLD_LOG10);
    for &v in finite
        .iter()
        .chain(highlight.is_finite().then_some(&highlight))
    {
        min = min.min(v);
        max = max.max(v);
    }
    let w = ((max.floor() + 1.0 - min.floor()) / MAX_BINS)
        .ceil()
        .max(1.0);
    let lo = (min / w).floor() * w;
    let nbins = (((max - lo) / w).floor() + 1.0).clamp(1.0, MAX_BINS + 1.0) as usize;
    let bin_of = |v: f64| (((v - lo) / w).floor().max(0.0) as usize).min(nbins - 1);
    let mut counts = vec![0usize; nbins];
    for &v in &finite {
        counts[bin_of(v)] += 1;
    }
    let show_infinite = infinite > 0 || highlight == f64::INFINITY;

    let bins_left = PLOT_LEFT + SIDE_BAR + 18.0;
    let bins_right = if show_infinite {
        PLOT_RIGHT - SIDE_BAR - 18.0
    } else {
        PLOT_RIGHT
    };
    let bw = (bins_right - bins_left) / nbins as f64;
    let edge_x = |log10: f64| bins_left + (log10 - lo) / w * bw;
    let max_count = counts
        .iter()
        .copied()
        .chain([excluded, infinite])
        .max()
        .unwrap_or(0);
    let scale = ((max_count as f64) + 1.0).log10().max(f64::MIN_POSITIVE);
    let bar_h = |c: usize| {
        if c == 0 {
            0.0
        } else {
            ((c as f64) + 1.0).log10() / scale * (PLOT_BOTTOM - PLOT_TOP)
        }
    };

    // Which bar is the candidate's: 0 = excluded, 1..=nbins = bins, nbins+1 = infinite.
    let hl_bar = if highlight == f64::NEG_INFINITY {
        Some(0)
    } else if highlight == f64::INFINITY {
        Some(nbins + 1)
    } else if highlight.is_finite() {
        Some(1 + bin_of(highlight))
    } else {
        None
    };

    // Description.
    let factor = if w == 1.0 {
        "10".to_string()
    } else {
        crate::words::power_of_ten(w as i64)
    };
    let mut desc = vec![lang.ta(
        "words-chart-desc",
        &[
            ("total", &total),
            ("factor", &factor),
            ("excluded", &excluded),
        ],
    )];
    let above = finite.iter().filter(|&&v| v >= THRESHOLD_LOG10).count() + infinite;
    desc.push(lang.tn("words-chart-desc-above", above as i64));
    if let Some(b) = hl_bar {
        let higher = finite.iter().filter(|&&v| v > highlight).count()
            + if highlight < f64::INFINITY {
                infinite
            } else {
                0
            };
        let where_ = if b == 0 {
            lang.t("words-chart-where-excluded")
        } else if b == nbins + 1 {
            lang.t("words-chart-where-infinite")
        } else {
            lang.t1(
                "words-chart-where-lr",
                "lr",
                crate::words::lr(lang, 10f64.powf(highlight), highlight),
            )
        };
        let same = if b == 0 {
            excluded
        } else if b == nbins + 1 {
            infinite
        } else {
            counts[b - 1]
        };
        desc.push(lang.ta(
            "words-chart-desc-candidate",
            &[("where", &where_), ("higher", &higher), ("same", &same)],
        ));
    }
    let desc = sentences(lang, &desc);

    open_svg(&mut out, W, H, title, &desc);
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\" fill=\"#0f172a\">{}</text>",
        N(W / 2.0),
        escape(&short_label(title, 70)),
    );

    // Count axis (log scale) with grid lines at 1, 10, 100, ...
    out.push_str("<g class=\"y-axis\" font-size=\"10\" fill=\"#475569\">");
    let mut t = 1usize;
    while t <= max_count {
        let y = PLOT_BOTTOM - bar_h(t);
        let _ = write!(
            out,
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e2e8f0\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{t}</text>",
            N(PLOT_LEFT),
            N(PLOT_RIGHT),
            N(PLOT_LEFT - 4.0),
            N(y + 3.5),
            y = N(y),
        );
        t = match t.checked_mul(10) {
            Some(v) => v,
            None => break,
        };
    }
    let _ = write!(
        out,
        "<text transform=\"rotate(-90)\" x=\"{}\" y=\"16\" text-anchor=\"middle\" font-size=\"11\">{}</text></g>",
        N(-(PLOT_TOP + PLOT_BOTTOM) / 2.0),
        escape(&lang.t("words-chart-axis-cases")),
    );

    // Bars.
    let bar = |out: &mut String,
               x: f64,
               width: f64,
               count: usize,
               class: &str,
               tip: &str,
               hl: bool| {
        let h = bar_h(count);
        let fill = if hl {
            "fill=\"#ea580c\" stroke=\"#7c2d12\" stroke-width=\"1.5\""
        } else if class == "bar" {
            "fill=\"#94a3b8\""
        } else {
            "fill=\"#cbd5e1\" stroke=\"#64748b\" stroke-dasharray=\"3 2\""
        };
        let _ = write!(
            out,
            "<rect class=\"{class}{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {fill}><title>{}</title></rect>",
            if hl { " highlight" } else { "" },
            N(x),
            N(PLOT_BOTTOM - h),
            N(width),
            N(h),
            escape(tip),
        );
    };
    out.push_str("<g class=\"bars\">");
    bar(
        &mut out,
        PLOT_LEFT + 6.0,
        SIDE_BAR,
        excluded,
        "bar excluded",
        &lang.tn("words-chart-tip-excluded", excluded as i64),
        hl_bar == Some(0),
    );
    let gap = if bw > 4.0 { 1.0 } else { 0.0 };
    for (k, &c) in counts.iter().enumerate() {
        let from = lo + k as f64 * w;
        let tip = lang.ta(
            "words-chart-tip-bin",
            &[
                ("from", &crate::words::power_of_ten(from as i64)),
                ("to", &crate::words::power_of_ten((from + w) as i64)),
                ("n", &c),
            ],
        );
        bar(
            &mut out,
            edge_x(from) + gap / 2.0,
            (bw - gap).max(0.5),
            c,
            "bar",
            &tip,
            hl_bar == Some(k + 1),
        );
    }
    if show_infinite {
        bar(
            &mut out,
            PLOT_RIGHT - SIDE_BAR - 6.0,
            SIDE_BAR,
            infinite,
            "bar infinite",
            &lang.tn("words-chart-tip-infinite", infinite as i64),
            hl_bar == Some(nbins + 1),
        );
    }
    out.push_str("</g>");

    // Axes and tick labels (powers of ten at bin edges).
    let _ = write!(
        out,
        "<g class=\"x-axis\" font-size=\"10\" fill=\"#475569\" stroke=\"none\">\
         <line x1=\"{}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\" stroke=\"#334155\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        N(PLOT_LEFT),
        N(PLOT_RIGHT),
        N(PLOT_LEFT + 6.0 + SIDE_BAR / 2.0),
        // A row below the tick labels: the first (10⁻⁴) is right beside it.
        N(PLOT_BOTTOM + 31.0),
        escape(&lang.t("words-chart-axis-excluded")),
        b = N(PLOT_BOTTOM),
    );
    if show_infinite {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">\u{221e}</text>",
            N(PLOT_RIGHT - 6.0 - SIDE_BAR / 2.0),
            N(PLOT_BOTTOM + 16.0),
        );
    }
    let edges = nbins + 1;
    let step = [1usize, 2, 5, 10, 20, 50, 100, 200]
        .into_iter()
        .find(|s| edges.div_ceil(*s) <= 9)
        .unwrap_or(500);
    let label_every = step as f64 * w;
    for k in 0..edges {
        let e = lo + k as f64 * w;
        let ex = edge_x(e);
        let labelled = (e / label_every).fract().abs() < 1e-9;
        let _ = write!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#334155\"/>",
            N(PLOT_BOTTOM),
            N(PLOT_BOTTOM + if labelled { 5.0 } else { 3.0 }),
            x = N(ex),
        );
        if labelled {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">",
                N(ex),
                N(PLOT_BOTTOM + 18.0)
            );
            power_of_ten(&mut out, e);
            out.push_str("</text>");
        }
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text></g>",
        N((bins_left + bins_right) / 2.0),
        N(PLOT_BOTTOM + 38.0),
        escape(&lang.t("words-chart-axis-lr")),
    );

    // Undisputed threshold.
    let tx = edge_x(THRESHOLD_LOG10);
    let _ = write!(
        out,
        "<g class=\"threshold\"><line x1=\"{x}\" y1=\"48\" x2=\"{x}\" y2=\"{}\" stroke=\"#15803d\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\
         <text x=\"{}\" y=\"44\" text-anchor=\"middle\" font-size=\"11\" fill=\"#15803d\">{}</text></g>",
        N(PLOT_BOTTOM),
        N(tx.clamp(PLOT_LEFT + 72.0, W - 72.0)),
        escape(&lang.t("words-chart-threshold")),
        x = N(tx),
    );

    // The candidate's marker.
    if let Some(b) = hl_bar {
        let (cx, count) = if b == 0 {
            (PLOT_LEFT + 6.0 + SIDE_BAR / 2.0, excluded)
        } else if b == nbins + 1 {
            (PLOT_RIGHT - 6.0 - SIDE_BAR / 2.0, infinite)
        } else {
            (edge_x(lo + (b - 1) as f64 * w) + bw / 2.0, counts[b - 1])
        };
        let top = PLOT_BOTTOM - bar_h(count);
        let _ = write!(
            out,
            "<g class=\"candidate\" fill=\"#c2410c\"><text x=\"{}\" y=\"62\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"600\" stroke=\"#ffffff\" stroke-width=\"4\" paint-order=\"stroke\">{}</text>\
             <line x1=\"{x}\" y1=\"66\" x2=\"{x}\" y2=\"{}\" stroke=\"#c2410c\" stroke-width=\"1.2\"/>\
             <polygon points=\"{},{} {},{} {x},{}\"/></g>",
            N(cx.clamp(PLOT_LEFT + 54.0, W - 54.0)),
            escape(&lang.t("words-chart-this-candidate")),
            N((top - 6.0).max(66.0)),
            N(cx - 4.0),
            N(top - 7.0),
            N(cx + 4.0),
            N(top - 7.0),
            N(top - 1.0),
            x = N(cx),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny well-formedness check: balanced tags, one root, quoted
    /// attributes, no raw `<` or `>` in text or attribute values, and only
    /// known entity references.
    fn check_xml(s: &str) -> Result<(), String> {
        fn check_entities(text: &str) -> Result<(), String> {
            if text.contains('<') || text.contains('>') {
                return Err(format!("raw < or > in {text:?}"));
            }
            let mut rest = text;
            while let Some(pos) = rest.find('&') {
                rest = &rest[pos + 1..];
                let end = rest.find(';').ok_or_else(|| format!("bad & in {text:?}"))?;
                let name = &rest[..end];
                let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                    || name
                        .strip_prefix("#x")
                        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
                    || name
                        .strip_prefix('#')
                        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
                if !ok {
                    return Err(format!("unknown entity &{name}; in {text:?}"));
                }
                rest = &rest[end + 1..];
            }
            Ok(())
        }
        fn check_name(name: &str) -> Result<(), String> {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
            if ok {
                Ok(())
            } else {
                Err(format!("bad name {name:?}"))
            }
        }
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut i = 0;
        while i < s.len() {
            let rest = &s[i..];
            if rest.starts_with('<') {
                let end = rest.find('>').ok_or("unclosed tag")?;
                let tag = &rest[1..end];
                i += end + 1;
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack.pop().ok_or_else(|| format!("stray </{name}>"))?;
                    if open != name.trim() {
                        return Err(format!("<{open}> closed by </{name}>"));
                    }
                    continue;
                }
                let self_closing = tag.ends_with('/');
                let body = tag.strip_suffix('/').unwrap_or(tag);
                let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
                let name = &body[..name_end];
                check_name(name)?;
                let mut attrs = body[name_end..].trim_start();
                let mut names = Vec::new();
                while !attrs.is_empty() {
                    let eq = attrs
                        .find('=')
                        .ok_or_else(|| format!("attribute without value in <{name}>"))?;
                    let attr = attrs[..eq].trim();
                    check_name(attr)?;
                    if names.contains(&attr) {
                        return Err(format!("duplicate attribute {attr} in <{name}>"));
                    }
                    names.push(attr);
                    let after = &attrs[eq + 1..];
                    let quote = after.chars().next().ok_or("missing quote")?;
                    if quote != '"' && quote != '\'' {
                        return Err(format!("unquoted attribute {attr}"));
                    }
                    let close = after[1..].find(quote).ok_or("unterminated attribute")?;
                    check_entities(&after[1..1 + close])?;
                    attrs = after[close + 2..].trim_start();
                }
                if stack.is_empty() {
                    roots += 1;
                }
                if !self_closing {
                    stack.push(name);
                }
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let text = &rest[..end];
                if stack.is_empty() && !text.trim().is_empty() {
                    return Err(format!("text outside the root: {text:?}"));
                }
                check_entities(text)?;
                i += end;
            }
        }
        if let Some(open) = stack.pop() {
            return Err(format!("<{open}> never closed"));
        }
        if roots != 1 {
            return Err(format!("{roots} root elements"));
        }
        Ok(())
    }

    fn person(
        id: &str,
        sex: PedSex,
        father: Option<&str>,
        mother: Option<&str>,
        role: PedRole,
    ) -> PedPerson {
        PedPerson {
            id: id.to_string(),
            label: id.to_string(),
            sex,
            father: father.map(str::to_string),
            mother: mother.map(str::to_string),
            role,
        }
    }

    use PedRole::*;
    use PedSex::*;

    fn trio() -> Vec<PedPerson> {
        vec![
            person("Father", Male, None, None, Typed),
            person("Mother", Female, None, None, Typed),
            person(
                "Child",
                Unknown,
                Some("Father"),
                Some("Mother"),
                MissingChild,
            ),
        ]
    }

    fn one_parent() -> Vec<PedPerson> {
        vec![
            person("Mother", Female, None, None, Typed),
            person("Child", Male, None, Some("Mother"), MissingChild),
        ]
    }

    fn three_siblings() -> Vec<PedPerson> {
        vec![
            person("Sib1", Female, Some("F"), Some("M"), Typed),
            person("F", Male, None, None, Untyped),
            person("Sib2", Male, Some("F"), Some("M"), Typed),
            person("M", Female, None, None, Typed),
            person("Sib3", Female, Some("F"), Some("M"), Typed),
            person("Child", Male, Some("F"), Some("M"), FoundChild),
        ]
    }

    fn paternal_grandparents() -> Vec<PedPerson> {
        vec![
            person(
                "Child",
                Female,
                Some("Father"),
                Some("Mother"),
                MissingChild,
            ),
            person("Grandfather", Male, None, None, Typed),
            person("Grandmother", Female, None, None, Typed),
            person(
                "Father",
                Male,
                Some("Grandfather"),
                Some("Grandmother"),
                Untyped,
            ),
            person("Mother", Female, None, None, Untyped),
        ]
    }

    fn aunt_and_grandmother() -> Vec<PedPerson> {
        vec![
            person("Aunt", Female, None, Some("Grandmother"), Typed),
            person("Child", Male, Some("Father"), Some("Mother"), MissingChild),
            person("Mother", Female, None, Some("Grandmother"), Untyped),
            person("Grandmother", Female, None, None, Typed),
            person("Father", Male, None, None, Untyped),
        ]
    }

    fn half_siblings() -> Vec<PedPerson> {
        vec![
            person(
                "Half-sib",
                Female,
                Some("Father"),
                Some("Other mother"),
                Typed,
            ),
            person("Father", Male, None, None, Typed),
            person("Mother", Female, None, None, Untyped),
            person("Other mother", Female, None, None, Untyped),
            person("Child", Male, Some("Father"), Some("Mother"), MissingChild),
            person(
                "Maternal half-sib",
                Unknown,
                Some("Other father"),
                Some("Mother"),
                Typed,
            ),
            person("Other father", Male, None, None, Untyped),
        ]
    }

    fn all_cases() -> Vec<(&'static str, Vec<PedPerson>)> {
        vec![
            ("trio", trio()),
            ("one parent", one_parent()),
            ("three siblings", three_siblings()),
            ("paternal grandparents", paternal_grandparents()),
            ("aunt and grandmother", aunt_and_grandmother()),
            ("half siblings", half_siblings()),
        ]
    }

    /// The person groups of a drawing, in document order.
    fn person_groups(svg: &str) -> Vec<&str> {
        svg.split("<g class=\"person ")
            .skip(1)
            .map(|g| &g[..g.find("</g>").unwrap_or(g.len())])
            .collect()
    }

    fn shape_of(group: &str) -> &'static str {
        let shapes: Vec<&str> = [
            "<rect class=\"symbol\"",
            "<circle class=\"symbol\"",
            "<polygon class=\"symbol\"",
        ]
        .into_iter()
        .filter(|s| group.contains(s))
        .collect();
        assert_eq!(shapes.len(), 1, "one symbol per person: {group}");
        assert_eq!(group.matches("class=\"symbol\"").count(), 1, "{group}");
        match shapes[0] {
            "<rect class=\"symbol\"" => "rect",
            "<circle class=\"symbol\"" => "circle",
            _ => "polygon",
        }
    }

    #[test]
    fn escape_replaces_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("plain Zoë 李"), "plain Zoë 李");
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "a\u{FFFD}b\u{FFFD}c\td");
        assert_eq!(escape(""), "");
        assert!(check_xml(&format!("<t a=\"{0}\">{0}</t>", escape("<&\"'>\u{7}"))).is_ok());
    }

    #[test]
    fn checker_rejects_bad_xml() {
        assert!(check_xml("<a><b></a></b>").is_err());
        assert!(check_xml("<a>x < y</a>").is_err());
        assert!(check_xml("<a>Tom & Jerry</a>").is_err());
        assert!(check_xml("<a t=\"<\"/>").is_err());
        assert!(check_xml("<a/><b/>").is_err());
        assert!(check_xml("<a>").is_err());
        assert!(check_xml("<a x=\"1\" y='2'><b/>&amp;&#39;</a>").is_ok());
    }

    #[test]
    fn pedigrees_are_well_formed_with_one_right_symbol_per_person() {
        for (name, persons) in all_cases() {
            let svg = pedigree_svg(Lang::En, &persons, name);
            check_xml(&svg).unwrap_or_else(|e| panic!("{name}: {e}\n{svg}"));
            assert!(svg.contains("viewBox=\"0 0 "), "{name}");
            assert!(svg.contains("width=\"100%\""), "{name}");
            assert!(svg.contains("role=\"img\""), "{name}");
            assert!(
                svg.contains(&format!("<title>{}</title>", escape(name))),
                "{name}"
            );
            assert!(svg.contains("<desc>Pedigree of "), "{name}");
            let groups = person_groups(&svg);
            assert_eq!(groups.len(), persons.len(), "{name}");
            for (p, g) in persons.iter().zip(&groups) {
                let want = match p.sex {
                    Male => "rect",
                    Female => "circle",
                    Unknown => "polygon",
                };
                assert_eq!(shape_of(g), want, "{name}: {}", p.id);
                for line in label_lines(&p.label, LABEL_CHARS) {
                    assert!(g.contains(&format!(">{}</text>", escape(&line))), "{name}");
                }
            }
            for word in ["gave DNA", "not typed", "missing child", "found child"] {
                assert!(
                    svg.contains(&format!(">{word}</text>")),
                    "{name}: legend {word}"
                );
            }
        }
    }

    #[test]
    fn missing_and_found_children_are_highlighted() {
        let svg = pedigree_svg(Lang::En, &trio(), "Trio");
        let groups = person_groups(&svg);
        let child = groups[2];
        assert!(child.starts_with("missing-child"), "{child}");
        assert!(child.contains("class=\"halo\""));
        assert!(child.contains("stroke-dasharray"));
        for g in &groups[..2] {
            assert!(g.starts_with("typed"));
            assert!(!g.contains("halo") && !g.contains("stroke-dasharray"));
        }
        let svg = pedigree_svg(Lang::En, &three_siblings(), "Sibs");
        let found: Vec<&str> = person_groups(&svg)
            .into_iter()
            .filter(|g| g.starts_with("found-child"))
            .collect();
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("class=\"halo\"") && found[0].contains("fill=\"#ea580c\""));
        assert!(!found[0].contains("stroke-dasharray"));
        let untyped = pedigree_svg(Lang::En, &paternal_grandparents(), "GP");
        assert!(
            person_groups(&untyped)
                .iter()
                .any(|g| g.starts_with("untyped") && g.contains("fill=\"#ffffff\""))
        );
    }

    #[test]
    fn labels_as_the_pages_write_them_are_whole() {
        let mut persons = trio();
        persons[0].label = "father (RS-00001-F)".into();
        persons[1].label = "maternal grandfather (RS-00001-MGF)".into();
        persons[2].label = "found child FC-2026-009".into();
        let title = "Case MC-2026-00001, found child FC-2026-009";
        let svg = pedigree_svg(Lang::En, &persons, title);
        let texts = check_inside_view_box("labels", &svg);
        assert!(texts.iter().all(|t| !t.contains('…')), "{texts:?}");
        for p in &persons {
            for word in p.label.split(' ') {
                assert!(
                    texts.iter().any(|t| t.split(' ').any(|w| w == word)),
                    "{word:?} of {:?} in {texts:?}",
                    p.label
                );
            }
        }
        // Three lines at most; a longer label is cut in its last line.
        assert_eq!(
            label_lines("a b c d e f g h i j k l m n o p q r s t u v w x y z", 5),
            ["a b c", "d e f", "g h …"]
        );
    }

    #[test]
    fn user_text_is_escaped() {
        let mut persons = trio();
        persons[0].label = "<script>alert('x')</script>".into();
        persons[1].label = "Ann & \"Bo\"".into();
        let svg = pedigree_svg(Lang::En, &persons, "<b>Case & co</b>");
        check_xml(&svg).unwrap();
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("Ann &amp; &quot;Bo&quot;"));
        let chart = lr_chart_svg(Lang::En, &[1.0, 2.0], 1.0, "<script>x</script>");
        check_xml(&chart).unwrap();
        assert!(!chart.contains("<script"));
        assert!(chart.contains("&lt;script&gt;"));
    }

    /// Checks a layout: parents above children, no two symbols of a row
    /// closer than one unit, spouses adjacent.
    fn tidy_layout_of(name: &str, persons: &[PedPerson]) -> Layout {
        let lay = layout(persons);
        let n = persons.len();
        for i in 0..n {
            for p in [lay.father[i], lay.mother[i]].into_iter().flatten() {
                assert!(
                    lay.generation[p] < lay.generation[i],
                    "{name}: {} above {}",
                    persons[p].id,
                    persons[i].id
                );
            }
            for j in 0..i {
                if lay.generation[i] == lay.generation[j] {
                    assert!(
                        (lay.x[i] - lay.x[j]).abs() >= 0.999,
                        "{name}: {} overlaps {}",
                        persons[i].id,
                        persons[j].id
                    );
                }
            }
        }
        lay
    }

    fn pos(persons: &[PedPerson], lay: &Layout, id: &str) -> (usize, f64) {
        let i = persons.iter().position(|p| p.id == id).unwrap();
        (lay.generation[i], lay.x[i])
    }

    #[test]
    fn layouts_are_tidy_in_any_input_order() {
        for (name, persons) in all_cases() {
            for rotation in 0..persons.len() {
                let mut shuffled = persons.clone();
                shuffled.rotate_left(rotation);
                tidy_layout_of(name, &shuffled);
                shuffled.reverse();
                tidy_layout_of(name, &shuffled);
            }
        }
    }

    #[test]
    fn trio_child_sits_under_adjacent_parents() {
        let persons = trio();
        let lay = tidy_layout_of("trio", &persons);
        let (gf, xf) = pos(&persons, &lay, "Father");
        let (gm, xm) = pos(&persons, &lay, "Mother");
        let (gc, xc) = pos(&persons, &lay, "Child");
        assert_eq!((gf, gm, gc), (0, 0, 1));
        assert!(((xf - xm).abs() - 1.0).abs() < 1e-9);
        assert!((xc - (xf + xm) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn siblings_are_centred_under_their_parents() {
        let persons = three_siblings();
        let lay = tidy_layout_of("sibs", &persons);
        let kids: Vec<f64> = ["Sib1", "Sib2", "Sib3", "Child"]
            .iter()
            .map(|id| pos(&persons, &lay, id).1)
            .collect();
        let centre = kids.iter().sum::<f64>() / kids.len() as f64;
        let parents = (pos(&persons, &lay, "F").1 + pos(&persons, &lay, "M").1) / 2.0;
        assert!((centre - parents).abs() < 1e-9);
    }

    #[test]
    fn married_in_founders_stand_next_to_their_spouse() {
        let persons = paternal_grandparents();
        let lay = tidy_layout_of("gp", &persons);
        let (gf, xf) = pos(&persons, &lay, "Father");
        let (gm, xm) = pos(&persons, &lay, "Mother");
        assert_eq!((gf, gm), (1, 1));
        assert!(((xf - xm).abs() - 1.0).abs() < 1e-9);
        assert_eq!(pos(&persons, &lay, "Child").0, 2);

        let persons = aunt_and_grandmother();
        let lay = tidy_layout_of("aunt", &persons);
        let (gf, xf) = pos(&persons, &lay, "Father");
        let (gm, xm) = pos(&persons, &lay, "Mother");
        assert_eq!((gf, gm), (1, 1));
        assert!(((xf - xm).abs() - 1.0).abs() < 1e-9);
        assert_eq!(pos(&persons, &lay, "Aunt").0, 1);
        assert_eq!(pos(&persons, &lay, "Grandmother").0, 0);
    }

    #[test]
    fn shared_parent_stands_between_the_other_parents() {
        let persons = vec![
            person("A", Female, Some("F"), Some("M1"), Typed),
            person("M1", Female, None, None, Untyped),
            person("B", Male, Some("F"), Some("M2"), MissingChild),
            person("F", Male, None, None, Typed),
            person("M2", Female, None, None, Untyped),
        ];
        let lay = tidy_layout_of("half", &persons);
        let x = |id| pos(&persons, &lay, id).1;
        assert!((x("F") - x("M1")).abs() < 1.01 && (x("F") - x("M2")).abs() < 1.01);
        assert!((x("A") - (x("F") + x("M1")) / 2.0).abs() < 1e-9);
        assert!((x("B") - (x("F") + x("M2")) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let cases: Vec<Vec<PedPerson>> = vec![
            vec![],
            vec![person(
                "A",
                Unknown,
                Some("nobody"),
                Some("nobody else"),
                Typed,
            )],
            vec![person("A", Male, Some("A"), Some("A"), Typed)],
            // A cycle, and a descendant of it.
            vec![
                person("A", Male, Some("B"), None, Typed),
                person("B", Male, Some("A"), None, Typed),
                person("C", Female, Some("B"), Some("A"), Typed),
            ],
            // Duplicate ids, same person as both parents, empty labels.
            vec![
                person("A", Male, None, None, Typed),
                person("A", Female, None, None, Untyped),
                person("", Female, Some("A"), Some("A"), FoundChild),
                PedPerson {
                    label: String::new(),
                    ..person("D", Unknown, Some(""), Some("A"), MissingChild)
                },
            ],
            // One man with three partners, and an uncle-niece couple.
            vec![
                person("F", Male, None, None, Typed),
                person("M1", Female, None, None, Typed),
                person("M2", Female, None, None, Typed),
                person("M3", Female, None, None, Typed),
                person("C1", Male, Some("F"), Some("M1"), Typed),
                person("C2", Female, Some("F"), Some("M2"), Typed),
                person("C3", Unknown, Some("F"), Some("M3"), Typed),
                person("N", Female, Some("C1"), Some("M2"), Typed),
                person("X", Male, Some("C2"), Some("N"), MissingChild),
            ],
        ];
        for persons in cases {
            let svg = pedigree_svg(Lang::En, &persons, "odd");
            check_xml(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
            assert_eq!(person_groups(&svg).len(), persons.len());
            tidy_layout_of("odd", &persons);
        }
        let long = vec![person(&"W".repeat(200), Male, None, None, Typed)];
        let svg = pedigree_svg(Lang::En, &long, &"T".repeat(500));
        check_xml(&svg).unwrap();
        assert!(svg.contains("…</text>"));
    }

    #[test]
    fn a_long_line_of_descent_lays_out() {
        let mut persons = vec![person("P0", Male, None, None, Typed)];
        for i in 1..300 {
            persons.push(person(
                &format!("P{i}"),
                Female,
                Some(&format!("P{}", i - 1)),
                None,
                Untyped,
            ));
        }
        persons.reverse();
        let lay = tidy_layout_of("line", &persons);
        assert_eq!(lay.generation.iter().max(), Some(&299));
        check_xml(&pedigree_svg(Lang::En, &persons, "line")).unwrap();
    }

    fn bars(svg: &str) -> usize {
        svg.matches("<rect class=\"bar").count()
    }

    #[test]
    fn chart_has_one_bar_per_power_of_ten_plus_excluded() {
        let values = [
            -3.2,
            -3.7,
            -1.5,
            0.2,
            2.0,
            5.5,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let svg = lr_chart_svg(Lang::En, &values, 5.5, "Candidates for child 17");
        check_xml(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        // Bins 10^-4 .. 10^6: 10 bins, plus the excluded bar.
        assert_eq!(bars(&svg), 11);
        assert_eq!(svg.matches("class=\"bar excluded").count(), 1);
        assert_eq!(svg.matches("highlight\"").count(), 1);
        assert!(svg.contains("<title>LR 10⁵ to 10⁶: 1 case</title>"));
        assert!(svg.contains("class=\"bar highlight\""));
        assert!(svg.contains(">this candidate</text>"));
        assert!(svg.contains(">undisputed threshold</text>"));
        assert!(svg.contains("stroke-dasharray=\"5 4\""));
        assert!(svg.contains("<title>excluded: 2 cases</title>"));
        assert!(svg.contains("10<tspan dy=\"-6\" font-size=\"9\">4</tspan>"));
        assert!(svg.contains("\u{2212}4</tspan>"));
        assert!(svg.contains("cases (log scale)"));
        assert!(
            svg.contains("role=\"img\"")
                && svg.contains("width=\"100%\"")
                && svg.contains("viewBox=")
        );
        assert!(svg.contains("<desc>Histogram of 8 cases"));
    }

    #[test]
    fn chart_bins_include_the_threshold_and_integer_maxima() {
        // Values well below the threshold: bins run up to [4, 5).
        let svg = lr_chart_svg(Lang::En, &[-2.5, -1.0], -1.0, "t");
        check_xml(&svg).unwrap();
        assert_eq!(bars(&svg), 1 + 8);
        assert!(svg.contains("<title>LR 10⁻¹ to 10⁰: 1 case</title>"));
        // An integer maximum gets its own bin.
        let svg = lr_chart_svg(Lang::En, &[4.0, 6.0], 6.0, "t");
        assert_eq!(bars(&svg), 1 + 3);
        assert!(svg.contains("<rect class=\"bar highlight\""));
        assert!(svg.contains("<title>LR 10⁶ to 10⁷: 1 case</title>"));
    }

    #[test]
    fn chart_handles_empty_single_and_odd_input() {
        let empty = lr_chart_svg(Lang::En, &[], 3.0, "none");
        check_xml(&empty).unwrap();
        assert_eq!(bars(&empty), 0);
        assert!(empty.contains("No cases scored yet"));

        let single = lr_chart_svg(Lang::En, &[7.3], 7.3, "one");
        check_xml(&single).unwrap();
        assert_eq!(bars(&single), 1 + 4);
        assert_eq!(single.matches("highlight\"").count(), 1);

        let excluded = lr_chart_svg(Lang::En, &[f64::NEG_INFINITY], f64::NEG_INFINITY, "excl");
        check_xml(&excluded).unwrap();
        assert!(excluded.contains("class=\"bar excluded highlight\""));
        assert_eq!(bars(&excluded), 1 + 1);

        let odd = lr_chart_svg(
            Lang::En,
            &[f64::NAN, f64::INFINITY, 1e300, -1e300, 2.0],
            f64::NAN,
            "odd",
        );
        check_xml(&odd).unwrap();
        assert!(odd.contains("class=\"bar infinite\""));
        assert!(!odd.contains("this candidate"));
        assert!(bars(&odd) <= 2 + MAX_BINS as usize + 1);

        let not_in_data = lr_chart_svg(Lang::En, &[1.0, 2.0], 9.5, "outside");
        check_xml(&not_in_data).unwrap();
        assert_eq!(not_in_data.matches("highlight\"").count(), 1);
        assert!(not_in_data.contains("this candidate"));
    }

    /// The attributes of a start tag (`name="value"` pairs).
    fn attributes(tag: &str) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut rest = tag;
        while let Some(eq) = rest.find("=\"") {
            let name = rest[..eq].rsplit([' ', '\n']).next().unwrap_or("");
            let value_end = rest[eq + 2..].find('"').expect("a quoted value");
            out.push((name, &rest[eq + 2..eq + 2 + value_end]));
            rest = &rest[eq + 2 + value_end + 1..];
        }
        out
    }

    /// Checks that everything an SVG draws lies inside its viewBox: line
    /// ends, polygon points, rectangles, circles with their radius, and text
    /// with its extent estimated from its length and font size (half an em
    /// per character, as wide as digits and lower-case letters of a
    /// sans-serif font). Text under a `transform` is skipped. The texts drawn.
    fn check_inside_view_box(name: &str, svg: &str) -> Vec<String> {
        let vb = svg.split("viewBox=\"0 0 ").nth(1).expect("a viewBox");
        let vb: Vec<f64> = vb[..vb.find('"').unwrap()]
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        let (w, h) = (vb[0], vb[1]);
        let mut texts = Vec::new();
        let inside = |what: &str, x: f64, y: f64| {
            assert!(
                (0.0..=w).contains(&x) && (0.0..=h).contains(&y),
                "{name}: {what} at ({x}, {y}) outside 0 0 {w} {h}"
            );
        };
        for piece in svg.split('<').skip(1) {
            let Some(end) = piece.find('>') else { continue };
            let (tag, content) = (&piece[..end], &piece[end + 1..]);
            let element = tag.split([' ', '/']).next().unwrap_or("");
            let a = attributes(tag);
            let num = |k: &str| {
                a.iter().find(|(n, _)| *n == k).map(|(_, v)| {
                    v.parse::<f64>()
                        .unwrap_or_else(|_| panic!("{name}: {k}={v}"))
                })
            };
            if a.iter().any(|(n, _)| *n == "transform") {
                continue;
            }
            match element {
                "line" => {
                    inside("line end", num("x1").unwrap(), num("y1").unwrap());
                    inside("line end", num("x2").unwrap(), num("y2").unwrap());
                }
                "rect" => {
                    let (x, y) = (num("x").unwrap(), num("y").unwrap());
                    inside("rect corner", x, y);
                    inside(
                        "rect corner",
                        x + num("width").unwrap(),
                        y + num("height").unwrap(),
                    );
                }
                "circle" => {
                    let (cx, cy, r) = (num("cx").unwrap(), num("cy").unwrap(), num("r").unwrap());
                    inside("circle", cx - r, cy - r);
                    inside("circle", cx + r, cy + r);
                }
                "polygon" => {
                    let points = a.iter().find(|(n, _)| *n == "points").unwrap().1;
                    for p in points.split(' ') {
                        let (x, y) = p.split_once(',').unwrap();
                        inside("polygon point", x.parse().unwrap(), y.parse().unwrap());
                    }
                }
                "text" => {
                    let (x, y) = (num("x").unwrap(), num("y").unwrap());
                    let size = num("font-size").unwrap_or(12.0);
                    let text = content.trim();
                    // DejaVu Sans, the fonts' usual fallback, averages 0.6 em;
                    // a Chinese character is 1 em.
                    let width = text
                        .chars()
                        .map(|c| if is_wide(c) { 1.0 } else { 0.6 })
                        .sum::<f64>()
                        * size;
                    let anchor = a.iter().find(|(n, _)| *n == "text-anchor").map(|(_, v)| *v);
                    let (left, right) = match anchor {
                        Some("middle") => (x - width / 2.0, x + width / 2.0),
                        Some("end") => (x - width, x),
                        _ => (x, x + width),
                    };
                    inside(&format!("text {text:?}"), left, y - 0.8 * size);
                    inside(&format!("text {text:?}"), right, y + 0.25 * size);
                    texts.push(text.to_string());
                }
                _ => {}
            }
        }
        texts
    }

    #[test]
    fn every_drawing_keeps_its_labels_inside_its_view_box() {
        let mut cases = all_cases();
        let mut long = trio();
        long[0].label = "A father with a very long name indeed".into();
        long[2].label = "W".repeat(40);
        cases.push(("long labels", long));
        cases.push(("empty", vec![]));
        for (name, persons) in &cases {
            let svg = pedigree_svg(Lang::En, persons, name);
            let texts = check_inside_view_box(name, &svg);
            assert!(texts.contains(&escape(name)), "{name}: its title");
            for p in persons {
                for line in label_lines(&p.label, LABEL_CHARS) {
                    let line = escape(&line);
                    assert!(texts.contains(&line), "{name}: the label {line:?}");
                }
            }
            for word in [
                "gave DNA",
                "not typed",
                "missing child",
                "found child",
                "male",
                "female",
                "sex unknown",
            ] {
                assert!(texts.iter().any(|t| t == word), "{name}: legend {word}");
            }
        }
        // A chart of many cases, excluded ones and this candidate.
        let mut values: Vec<f64> = (0..400)
            .map(|i| -12.0 + ((i * 37) % 97) as f64 / 97.0 * 9.0 - (i % 7) as f64)
            .collect();
        values.extend([f64::NEG_INFINITY; 25]);
        values.extend([2.3, 5.7, 0.4]);
        let title = "Where candidate 1 stands among 428 cases";
        let chart = lr_chart_svg(Lang::En, &values, 5.7, title);
        let texts = check_inside_view_box("chart", &chart);
        for want in [
            title,
            "excluded",
            "undisputed threshold",
            "this candidate",
            "likelihood ratio (LR), log scale",
        ] {
            assert!(texts.iter().any(|t| t == want), "chart: {want}");
        }
        check_inside_view_box("empty chart", &lr_chart_svg(Lang::En, &[], 0.0, title));
        // SVG_SAMPLES_DIR=dir keeps the drawings, to look at them.
        if let Ok(dir) = std::env::var("SVG_SAMPLES_DIR") {
            std::fs::create_dir_all(&dir).unwrap();
            for (name, persons) in &cases {
                let file = format!("{dir}/{}.svg", name.replace(' ', "-"));
                std::fs::write(file, pedigree_svg(Lang::En, persons, name)).unwrap();
            }
            std::fs::write(format!("{dir}/chart.svg"), chart).unwrap();
        }
    }

    /// Chinese labels break between characters, never before closing
    /// punctuation, and count as two Latin characters each.
    #[test]
    fn chinese_text_wraps_by_its_width() {
        assert_eq!(text_width("外祖父 (RS-1)"), 13);
        assert_eq!(
            label_lines("外祖父 (RS-00001-MGF)", 14),
            ["外祖父", "(RS-00001-MGF)"]
        );
        assert_eq!(
            label_lines("同母异父兄弟姐妹 (S-1)", 14),
            ["同母异父兄弟姐", "妹 (S-1)"]
        );
        assert_eq!(
            wrap("案件 MC-1：被找到的儿童 FC-9 位于失踪儿童的位置", 20, 2),
            ["案件 MC-1：被找到的", "儿童 FC-9 位于失踪…"]
        );
        // No line starts with closing punctuation.
        for line in wrap("一二三四五六七八九，十一二三四五六七八九。", 18, 5) {
            assert!(!line.starts_with(['，', '。']), "{line}");
        }
        assert_eq!(short_label("一二三四五六七八", 8), "一二三…");
    }

    /// A drawing in Chinese: its words from the catalogue, no English, and
    /// everything inside the view box.
    #[test]
    fn drawings_in_chinese() {
        let mut persons = trio();
        persons[0].label = "父亲 (RS-00001-F)".into();
        persons[1].label = "外祖父 (RS-00001-MGF)".into();
        persons[2].label = "被找到的儿童 FC-2026-009".into();
        let title = "案件 MC-2026-00001：被找到的儿童 FC-2026-009 位于失踪儿童的位置";
        let svg = pedigree_svg(Lang::ZhCn, &persons, title);
        check_xml(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let texts = check_inside_view_box("中文", &svg);
        assert!(texts.iter().all(|t| !t.contains('…')), "{texts:?}");
        for word in [
            "提供了DNA",
            "未分型",
            "失踪儿童",
            "被找到的儿童",
            "男",
            "女",
            "性别未知",
        ] {
            assert!(texts.iter().any(|t| t == word), "legend {word}: {texts:?}");
        }
        assert!(svg.contains("<desc>家系图：2 代共 3 人。"), "{svg}");
        assert!(svg.contains("被找到的儿童 FC-2026-009：性别未知，失踪儿童，父亲 (RS-00001-F) 和 外祖父 (RS-00001-MGF) 的子女。"), "{svg}");
        assert!(!svg.contains('⟦'), "{svg}");
        for english in ["gave DNA", "not typed", "Pedigree", "child of"] {
            assert!(!svg.contains(english), "{english}: {svg}");
        }

        let values = [-3.2, 2.0, 5.5, f64::NEG_INFINITY, f64::INFINITY];
        let chart = lr_chart_svg(
            Lang::ZhCn,
            &values,
            5.5,
            "为被找到的儿童 FC-9 计算的所有案件的似然比",
        );
        check_xml(&chart).unwrap();
        let texts = check_inside_view_box("中文图", &chart);
        for want in [
            "已排除",
            "确定无疑阈值",
            "本候选匹配",
            "似然比（LR），对数刻度",
        ] {
            assert!(texts.iter().any(|t| t == want), "chart: {want}: {texts:?}");
        }
        assert!(
            chart.contains("<title>似然比 10⁵ 至 10⁶：1 个案件</title>"),
            "{chart}"
        );
        assert!(chart.contains("<title>已排除：1 个案件</title>"));
        assert!(chart.contains("<title>似然比无穷大：1 个案件</title>"));
        assert!(chart.contains("案件数（对数刻度）"));
        assert!(chart.contains("2 个案件达到或超过确定无疑阈值（似然比 10⁴）。本候选匹配：似然比 316,228；1 个案件得分更高；同一柱中有 1 个案件。</desc>"), "{chart}");
        assert!(!chart.contains('⟦') && !chart.contains("case"), "{chart}");
        let empty = lr_chart_svg(Lang::ZhCn, &[], 0.0, "空");
        assert!(empty.contains(">尚未计算任何案件</text>"), "{empty}");
        let empty = pedigree_svg(Lang::ZhCn, &[], "空");
        assert!(
            empty.contains(">没有可绘制的人员</text>")
                && empty.contains("<desc>空的家系图。</desc>")
        );
    }

    /// The English descriptions, with their plural forms.
    #[test]
    fn descriptions_in_english() {
        let svg = pedigree_svg(Lang::En, &trio(), "Trio");
        assert!(
            svg.contains("<desc>Pedigree of 3 persons in 2 generations. Father: male, gave DNA. Mother: female, gave DNA. Child: sex unknown, missing child, child of Father and Mother.</desc>"),
            "{svg}"
        );
        assert!(
            svg.contains("<title>Child (sex unknown, missing child)</title>"),
            "{svg}"
        );
        let one = pedigree_svg(Lang::En, &[person("A", Female, None, None, Typed)], "One");
        assert!(
            one.contains("<desc>Pedigree of 1 person in 1 generation. A: female, gave DNA.</desc>"),
            "{one}"
        );
        let chart = lr_chart_svg(Lang::En, &[5.5, f64::NEG_INFINITY], 5.5, "t");
        assert!(
            chart.contains("<desc>Histogram of 2 cases scored for this child by likelihood ratio (LR), in bins of a factor 10; \
                bar heights on a logarithmic scale of case counts. 1 case excluded (LR 0). 1 case is at or above the undisputed threshold LR 10⁴. \
                This candidate: LR 316,228; 0 cases score higher; 1 case in the same bar.</desc>"),
            "{chart}"
        );
    }
}
