//! A document of headings, paragraphs, lists and tables written as a PDF
//! (`pdf-writer`), in English and Chinese, with no font embedded.
//!
//! # Fonts
//!
//! - Latin text is set in Helvetica and Helvetica-Bold, two of the standard
//!   fonts every PDF reader has, encoded as `WinAnsiEncoding`. Their widths
//!   come from Adobe's metrics files (`fonts/*.afm`, distributed with
//!   `fonts/MustRead.html` as their licence asks), so lines are broken
//!   where the reader will draw them.
//! - Every other character (Chinese, fullwidth punctuation, arrows, ...) is
//!   set in `STSong-Light`, the Adobe-GB1 font of the PDF standard's
//!   predefined CJK fonts, through the predefined CMap `UniGB-UTF16-H`
//!   (ISO 32000-1, 9.7.5.2): the text is written as UTF-16, and the readers
//!   (Acrobat, PDFium in Chrome and Edge, pdf.js, Preview, poppler) draw it
//!   with the Simplified Chinese font of the machine. Nothing is embedded:
//!   a report is a few kilobytes, and the binary carries no 10–20 MB CJK
//!   font. Such a file is not PDF/A.
//! - Superscript digits (`10³²`) are set as small raised Helvetica digits.
//!
//! Lines break at spaces and between Chinese characters (never before a
//! closing punctuation mark); a word longer than the line is cut.

use std::collections::HashMap;
use std::sync::LazyLock;

use pdf_writer::types::{FontFlags, SystemInfo, TextRenderingMode};
use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_width::UnicodeWidthChar;

/// A4, in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// The lowest line of body text; the footer is below it.
const BOTTOM: f32 = MARGIN + 20.0;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;

const HELVETICA: &str = include_str!("../fonts/Helvetica.afm");
const HELVETICA_BOLD: &str = include_str!("../fonts/Helvetica-Bold.afm");

/// The glyph names of `WinAnsiEncoding` from 0x20 to 0x7E.
const ASCII_NAMES: [&str; 95] = [
    "space",
    "exclam",
    "quotedbl",
    "numbersign",
    "dollar",
    "percent",
    "ampersand",
    "quotesingle",
    "parenleft",
    "parenright",
    "asterisk",
    "plus",
    "comma",
    "hyphen",
    "period",
    "slash",
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "colon",
    "semicolon",
    "less",
    "equal",
    "greater",
    "question",
    "at",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "I",
    "J",
    "K",
    "L",
    "M",
    "N",
    "O",
    "P",
    "Q",
    "R",
    "S",
    "T",
    "U",
    "V",
    "W",
    "X",
    "Y",
    "Z",
    "bracketleft",
    "backslash",
    "bracketright",
    "asciicircum",
    "underscore",
    "grave",
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "w",
    "x",
    "y",
    "z",
    "braceleft",
    "bar",
    "braceright",
    "asciitilde",
];

/// The characters of `WinAnsiEncoding` beyond ASCII: the character, its
/// code and its glyph name.
const WIN_ANSI: [(char, u8, &str); 123] = [
    ('€', 0x80, "Euro"),
    ('‚', 0x82, "quotesinglbase"),
    ('ƒ', 0x83, "florin"),
    ('„', 0x84, "quotedblbase"),
    ('…', 0x85, "ellipsis"),
    ('†', 0x86, "dagger"),
    ('‡', 0x87, "daggerdbl"),
    ('ˆ', 0x88, "circumflex"),
    ('‰', 0x89, "perthousand"),
    ('Š', 0x8A, "Scaron"),
    ('‹', 0x8B, "guilsinglleft"),
    ('Œ', 0x8C, "OE"),
    ('Ž', 0x8E, "Zcaron"),
    ('‘', 0x91, "quoteleft"),
    ('’', 0x92, "quoteright"),
    ('“', 0x93, "quotedblleft"),
    ('”', 0x94, "quotedblright"),
    ('•', 0x95, "bullet"),
    ('–', 0x96, "endash"),
    ('—', 0x97, "emdash"),
    ('˜', 0x98, "tilde"),
    ('™', 0x99, "trademark"),
    ('š', 0x9A, "scaron"),
    ('›', 0x9B, "guilsinglright"),
    ('œ', 0x9C, "oe"),
    ('ž', 0x9E, "zcaron"),
    ('Ÿ', 0x9F, "Ydieresis"),
    ('\u{a0}', 0xA0, "space"),
    ('¡', 0xA1, "exclamdown"),
    ('¢', 0xA2, "cent"),
    ('£', 0xA3, "sterling"),
    ('¤', 0xA4, "currency"),
    ('¥', 0xA5, "yen"),
    ('¦', 0xA6, "brokenbar"),
    ('§', 0xA7, "section"),
    ('¨', 0xA8, "dieresis"),
    ('©', 0xA9, "copyright"),
    ('ª', 0xAA, "ordfeminine"),
    ('«', 0xAB, "guillemotleft"),
    ('¬', 0xAC, "logicalnot"),
    ('\u{ad}', 0xAD, "hyphen"),
    ('®', 0xAE, "registered"),
    ('¯', 0xAF, "macron"),
    ('°', 0xB0, "degree"),
    ('±', 0xB1, "plusminus"),
    ('²', 0xB2, "twosuperior"),
    ('³', 0xB3, "threesuperior"),
    ('´', 0xB4, "acute"),
    ('µ', 0xB5, "mu"),
    ('¶', 0xB6, "paragraph"),
    ('·', 0xB7, "periodcentered"),
    ('¸', 0xB8, "cedilla"),
    ('¹', 0xB9, "onesuperior"),
    ('º', 0xBA, "ordmasculine"),
    ('»', 0xBB, "guillemotright"),
    ('¼', 0xBC, "onequarter"),
    ('½', 0xBD, "onehalf"),
    ('¾', 0xBE, "threequarters"),
    ('¿', 0xBF, "questiondown"),
    ('À', 0xC0, "Agrave"),
    ('Á', 0xC1, "Aacute"),
    ('Â', 0xC2, "Acircumflex"),
    ('Ã', 0xC3, "Atilde"),
    ('Ä', 0xC4, "Adieresis"),
    ('Å', 0xC5, "Aring"),
    ('Æ', 0xC6, "AE"),
    ('Ç', 0xC7, "Ccedilla"),
    ('È', 0xC8, "Egrave"),
    ('É', 0xC9, "Eacute"),
    ('Ê', 0xCA, "Ecircumflex"),
    ('Ë', 0xCB, "Edieresis"),
    ('Ì', 0xCC, "Igrave"),
    ('Í', 0xCD, "Iacute"),
    ('Î', 0xCE, "Icircumflex"),
    ('Ï', 0xCF, "Idieresis"),
    ('Ð', 0xD0, "Eth"),
    ('Ñ', 0xD1, "Ntilde"),
    ('Ò', 0xD2, "Ograve"),
    ('Ó', 0xD3, "Oacute"),
    ('Ô', 0xD4, "Ocircumflex"),
    ('Õ', 0xD5, "Otilde"),
    ('Ö', 0xD6, "Odieresis"),
    ('×', 0xD7, "multiply"),
    ('Ø', 0xD8, "Oslash"),
    ('Ù', 0xD9, "Ugrave"),
    ('Ú', 0xDA, "Uacute"),
    ('Û', 0xDB, "Ucircumflex"),
    ('Ü', 0xDC, "Udieresis"),
    ('Ý', 0xDD, "Yacute"),
    ('Þ', 0xDE, "Thorn"),
    ('ß', 0xDF, "germandbls"),
    ('à', 0xE0, "agrave"),
    ('á', 0xE1, "aacute"),
    ('â', 0xE2, "acircumflex"),
    ('ã', 0xE3, "atilde"),
    ('ä', 0xE4, "adieresis"),
    ('å', 0xE5, "aring"),
    ('æ', 0xE6, "ae"),
    ('ç', 0xE7, "ccedilla"),
    ('è', 0xE8, "egrave"),
    ('é', 0xE9, "eacute"),
    ('ê', 0xEA, "ecircumflex"),
    ('ë', 0xEB, "edieresis"),
    ('ì', 0xEC, "igrave"),
    ('í', 0xED, "iacute"),
    ('î', 0xEE, "icircumflex"),
    ('ï', 0xEF, "idieresis"),
    ('ð', 0xF0, "eth"),
    ('ñ', 0xF1, "ntilde"),
    ('ò', 0xF2, "ograve"),
    ('ó', 0xF3, "oacute"),
    ('ô', 0xF4, "ocircumflex"),
    ('õ', 0xF5, "otilde"),
    ('ö', 0xF6, "odieresis"),
    ('÷', 0xF7, "divide"),
    ('ø', 0xF8, "oslash"),
    ('ù', 0xF9, "ugrave"),
    ('ú', 0xFA, "uacute"),
    ('û', 0xFB, "ucircumflex"),
    ('ü', 0xFC, "udieresis"),
    ('ý', 0xFD, "yacute"),
    ('þ', 0xFE, "thorn"),
    ('ÿ', 0xFF, "ydieresis"),
];

/// Superscript digits and minus, drawn as small raised Helvetica.
const SUPERSCRIPTS: [(char, u8); 11] = [
    ('⁰', b'0'),
    ('¹', b'1'),
    ('²', b'2'),
    ('³', b'3'),
    ('⁴', b'4'),
    ('⁵', b'5'),
    ('⁶', b'6'),
    ('⁷', b'7'),
    ('⁸', b'8'),
    ('⁹', b'9'),
    ('⁻', b'-'),
];
const SUPER_SCALE: f32 = 0.7;
const SUPER_RISE: f32 = 0.36;

/// Chinese punctuation that never starts a line.
const NO_BREAK_BEFORE: &str = "，。、；：？！）》」』】〕”’…—·%";
/// Chinese punctuation that never ends a line.
const NO_BREAK_AFTER: &str = "（《「『【〔“‘";

/// A font's width per `WinAnsiEncoding` code, in thousandths of the size.
struct Metrics([u16; 256]);

impl Metrics {
    /// Reads the `C code ; WX width ; N name ;` lines of an AFM file.
    fn of(afm: &str) -> Metrics {
        let mut by_name: HashMap<&str, u16> = HashMap::new();
        for line in afm.lines().filter(|l| l.starts_with("C ")) {
            let (mut wx, mut name) = (None, None);
            for part in line.split(';') {
                let mut words = part.split_whitespace();
                match (words.next(), words.next()) {
                    (Some("WX"), Some(w)) => wx = w.parse::<u16>().ok(),
                    (Some("N"), Some(n)) => name = Some(n),
                    _ => {}
                }
            }
            if let (Some(w), Some(n)) = (wx, name) {
                by_name.insert(n, w);
            }
        }
        let mut widths = [0u16; 256];
        let width = |name: &str| by_name.get(name).copied().unwrap_or(0);
        for (i, name) in ASCII_NAMES.iter().enumerate() {
            widths[0x20 + i] = width(name);
        }
        for (_, code, name) in WIN_ANSI {
            widths[code as usize] = width(name);
        }
        Metrics(widths)
    }

    fn width(&self, code: u8) -> f32 {
        f32::from(self.0[code as usize]) / 1000.0
    }
}

static REGULAR: LazyLock<Metrics> = LazyLock::new(|| Metrics::of(HELVETICA));
static BOLD: LazyLock<Metrics> = LazyLock::new(|| Metrics::of(HELVETICA_BOLD));

/// How a character is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Glyph {
    /// A `WinAnsiEncoding` code of Helvetica.
    Latin(u8),
    /// A raised small Helvetica character.
    Super(u8),
    /// A character of the Chinese font, and whether it is as wide as a
    /// Chinese character (else half as wide).
    Cjk(char, bool),
}

fn glyph(c: char) -> Glyph {
    if (' '..='~').contains(&c) {
        return Glyph::Latin(c as u8);
    }
    if let Some((_, code, _)) = WIN_ANSI.iter().find(|(w, _, _)| *w == c) {
        // The superscripts two, three and one are in WinAnsi, but drawn
        // like the others so that an exponent looks the same throughout.
        if let Some((_, s)) = SUPERSCRIPTS.iter().find(|(s, _)| *s == c) {
            return Glyph::Super(*s);
        }
        return Glyph::Latin(*code);
    }
    if let Some((_, s)) = SUPERSCRIPTS.iter().find(|(s, _)| *s == c) {
        return Glyph::Super(*s);
    }
    match c {
        '\t' => Glyph::Latin(b' '),
        _ => Glyph::Cjk(c, c.width_cjk() == Some(2)),
    }
}

/// A piece of text in a paragraph.
#[derive(Debug, Clone)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            bold: false,
        }
    }
    pub fn bold(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            bold: true,
        }
    }
}

/// One character laid out.
#[derive(Debug, Clone, Copy)]
struct Item {
    glyph: Glyph,
    bold: bool,
    size: f32,
    advance: f32,
    /// A forced line break (`\n`).
    newline: bool,
}

impl Item {
    fn new(c: char, bold: bool, size: f32) -> Item {
        let glyph = glyph(c);
        let metrics = if bold { &*BOLD } else { &*REGULAR };
        let advance = match glyph {
            Glyph::Latin(code) => metrics.width(code) * size,
            Glyph::Super(code) => metrics.width(code) * size * SUPER_SCALE,
            Glyph::Cjk(_, true) => size,
            Glyph::Cjk(_, false) => size / 2.0,
        };
        Item {
            glyph,
            bold,
            size,
            advance,
            newline: c == '\n',
        }
    }

    fn is_space(&self) -> bool {
        matches!(self.glyph, Glyph::Latin(b' ') | Glyph::Latin(0xA0))
    }

    fn char(&self) -> Option<char> {
        match self.glyph {
            Glyph::Cjk(c, _) => Some(c),
            _ => None,
        }
    }

    fn wide(&self) -> bool {
        matches!(self.glyph, Glyph::Cjk(_, true))
    }
}

/// Whether a line may break between `before` and `after`.
fn may_break(before: &Item, after: &Item) -> bool {
    if after.is_space() {
        return false;
    }
    if let Some(c) = after.char()
        && NO_BREAK_BEFORE.contains(c)
    {
        return false;
    }
    if let Some(c) = before.char()
        && NO_BREAK_AFTER.contains(c)
    {
        return false;
    }
    before.is_space() || before.wide() || after.wide()
}

fn items(spans: &[Span], size: f32) -> Vec<Item> {
    spans
        .iter()
        .flat_map(|s| s.text.chars().map(move |c| Item::new(c, s.bold, size)))
        .filter(|i| i.newline || !matches!(i.glyph, Glyph::Cjk(c, _) if c.is_control()))
        .collect()
}

fn trim(line: &mut Vec<Item>) {
    while line.last().is_some_and(Item::is_space) {
        line.pop();
    }
    let lead = line.iter().take_while(|i| i.is_space()).count();
    line.drain(..lead);
}

/// The spans broken into lines no wider than `width`.
fn wrap(spans: &[Span], size: f32, width: f32) -> Vec<Vec<Item>> {
    let mut lines = Vec::new();
    let mut line: Vec<Item> = Vec::new();
    let mut used = 0.0;
    // Where the line may be cut: before this item.
    let mut cut: Option<usize> = None;
    for item in items(spans, size) {
        if item.newline {
            trim(&mut line);
            lines.push(std::mem::take(&mut line));
            (used, cut) = (0.0, None);
            continue;
        }
        if let Some(last) = line.last()
            && may_break(last, &item)
        {
            cut = Some(line.len());
        }
        line.push(item);
        used += item.advance;
        if used > width && line.len() > 1 && !item.is_space() {
            let at = cut.filter(|&c| c > 0).unwrap_or(line.len() - 1);
            let mut rest = line.split_off(at);
            trim(&mut line);
            lines.push(std::mem::take(&mut line));
            trim(&mut rest);
            used = rest.iter().map(|i| i.advance).sum();
            line = rest;
            cut = None;
        }
    }
    trim(&mut line);
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn line_width(line: &[Item]) -> f32 {
    line.iter().map(|i| i.advance).sum()
}

/// The resource names of the three fonts.
const F_REGULAR: Name = Name(b"F1");
const F_BOLD: Name = Name(b"F2");
const F_CJK: Name = Name(b"F3");

/// Draws one line starting at (x, y), a text object per run of one font.
fn draw_line(content: &mut Content, line: &[Item], mut x: f32, y: f32) {
    let mut i = 0;
    while i < line.len() {
        let first = line[i];
        let same = |o: &Item| {
            o.bold == first.bold
                && o.size == first.size
                && std::mem::discriminant(&o.glyph) == std::mem::discriminant(&first.glyph)
        };
        let run_len = line[i..].iter().take_while(|o| same(o)).count();
        let run = &line[i..i + run_len];
        let cjk_bold = first.bold && matches!(first.glyph, Glyph::Cjk(..));
        if cjk_bold {
            // The Chinese font has no bold face: its outline is stroked too.
            content.save_state();
            content.set_line_width(first.size * 0.03);
            content.set_text_rendering_mode(TextRenderingMode::FillStroke);
        }
        content.begin_text();
        match first.glyph {
            Glyph::Latin(_) => {
                let bytes: Vec<u8> = run
                    .iter()
                    .map(|o| match o.glyph {
                        Glyph::Latin(b) => b,
                        _ => b' ',
                    })
                    .collect();
                content.set_font(if first.bold { F_BOLD } else { F_REGULAR }, first.size);
                content.next_line(x, y);
                content.show(Str(&bytes));
            }
            Glyph::Super(_) => {
                let bytes: Vec<u8> = run
                    .iter()
                    .map(|o| match o.glyph {
                        Glyph::Super(b) => b,
                        _ => b' ',
                    })
                    .collect();
                content.set_font(
                    if first.bold { F_BOLD } else { F_REGULAR },
                    first.size * SUPER_SCALE,
                );
                content.next_line(x, y + first.size * SUPER_RISE);
                content.show(Str(&bytes));
            }
            Glyph::Cjk(..) => {
                content.set_font(F_CJK, first.size);
                content.next_line(x, y);
                let mut shown = content.show_positioned();
                let mut items = shown.items();
                for o in run {
                    if let Glyph::Cjk(c, wide) = o.glyph {
                        let mut units = [0u16; 2];
                        let bytes: Vec<u8> = c
                            .encode_utf16(&mut units)
                            .iter()
                            .flat_map(|u| u.to_be_bytes())
                            .collect();
                        items.show(Str(&bytes));
                        if !wide {
                            // The font's glyphs are a whole em wide; a
                            // narrow one advances half of that.
                            items.adjust(500.0);
                        }
                    }
                }
            }
        }
        content.end_text();
        if cjk_bold {
            content.restore_state();
        }
        x += line_width(run);
        i += run_len;
    }
}

/// A table row: its cells, and whether it is marked as a warning.
pub struct Row {
    pub cells: Vec<String>,
    pub warn: bool,
}

/// A document being laid out page after page.
pub struct Document {
    pages: Vec<Content>,
    page: Content,
    /// The baseline of the next line.
    y: f32,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

impl Document {
    pub fn new() -> Document {
        Document {
            pages: Vec::new(),
            page: Content::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn width() -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(page);
        self.y = PAGE_H - MARGIN;
    }

    /// Makes room for `height` below the current line, on a new page if needed.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM && self.y < PAGE_H - MARGIN {
            self.new_page();
        }
    }

    fn lines(&mut self, spans: &[Span], size: f32, indent: f32, leading: f32) {
        for line in wrap(spans, size, Self::width() - indent) {
            self.room(leading);
            self.y -= leading;
            draw_line(
                &mut self.page,
                &line,
                MARGIN + indent,
                self.y + leading * 0.25,
            );
        }
    }

    /// The document's title.
    pub fn title(&mut self, text: &str) {
        self.lines(&[Span::bold(text)], 17.0, 0.0, 22.0);
        self.y -= 6.0;
    }

    /// A section heading, kept with the start of what follows it.
    pub fn heading(&mut self, text: &str) {
        self.y -= 8.0;
        self.room(13.0 * 1.4 + 4.0 * BODY * 1.45);
        self.lines(&[Span::bold(text)], 13.0, 0.0, 13.0 * 1.4);
        self.y -= 3.0;
    }

    /// A paragraph.
    pub fn paragraph(&mut self, spans: &[Span]) {
        self.lines(spans, BODY, 0.0, BODY * 1.45);
        self.y -= 5.0;
    }

    /// A paragraph in small type.
    pub fn small(&mut self, spans: &[Span]) {
        self.lines(spans, SMALL, 0.0, SMALL * 1.4);
        self.y -= 5.0;
    }

    /// A paragraph that warns, with a red bar in the margin.
    pub fn warning(&mut self, spans: &[Span]) {
        let top = self.y;
        let first_page = self.pages.len();
        self.page.save_state();
        self.page.set_fill_rgb(0.6, 0.0, 0.0);
        self.lines(spans, BODY, 10.0, BODY * 1.45);
        self.page.restore_state();
        if self.pages.len() == first_page {
            self.page.save_state();
            self.page.set_fill_rgb(0.75, 0.1, 0.1);
            self.page
                .rect(MARGIN, self.y, 3.0, top - self.y)
                .fill_nonzero();
            self.page.restore_state();
        }
        self.y -= 6.0;
    }

    /// A list, each item after a bullet.
    pub fn bullets(&mut self, items: &[Vec<Span>]) {
        // The bullet hangs: the item's lines are indented past it.
        let bullet = wrap(&[Span::plain("•")], BODY, Self::width()).remove(0);
        let hang = 8.0 + line_width(&bullet) + 4.0;
        let leading = BODY * 1.45;
        for item in items {
            for (n, line) in wrap(item, BODY, Self::width() - hang).iter().enumerate() {
                self.room(leading);
                self.y -= leading;
                let baseline = self.y + leading * 0.25;
                if n == 0 {
                    draw_line(&mut self.page, &bullet, MARGIN + 8.0, baseline);
                }
                draw_line(&mut self.page, line, MARGIN + hang, baseline);
            }
            self.y -= 2.0;
        }
        self.y -= 4.0;
    }

    /// A table: a header row (repeated on every page it runs over) and
    /// rows, with columns of the given relative widths.
    pub fn table(&mut self, header: &[String], rows: &[Row], weights: &[f32]) {
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| w / total * Self::width()).collect();
        let header = Row {
            cells: header.to_vec(),
            warn: false,
        };
        self.y -= 2.0;
        self.table_row(&header, &widths, true, None);
        for row in rows {
            self.table_row(row, &widths, false, Some(&header));
        }
        self.y -= 8.0;
    }

    fn table_row(&mut self, row: &Row, widths: &[f32], head: bool, header: Option<&Row>) {
        const PAD: f32 = 3.0;
        const SIZE: f32 = 8.5;
        const LEADING: f32 = SIZE * 1.35;
        let cells: Vec<Vec<Vec<Item>>> = row
            .cells
            .iter()
            .zip(widths)
            .map(|(text, w)| {
                let span = if head {
                    Span::bold(text.as_str())
                } else {
                    Span::plain(text.as_str())
                };
                wrap(&[span], SIZE, w - 2.0 * PAD)
            })
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = lines as f32 * LEADING + 2.0 * PAD;
        if self.y - height < BOTTOM && self.y < PAGE_H - MARGIN {
            self.new_page();
            if let Some(header) = header {
                self.table_row(header, widths, true, None);
            }
        }
        let top = self.y;
        let fill = if head {
            Some((0.9, 0.9, 0.9))
        } else if row.warn {
            Some((1.0, 0.88, 0.88))
        } else {
            None
        };
        let p = &mut self.page;
        if let Some((r, g, b)) = fill {
            p.save_state();
            p.set_fill_rgb(r, g, b);
            p.rect(MARGIN, top - height, Self::width(), height)
                .fill_nonzero();
            p.restore_state();
        }
        p.save_state();
        p.set_stroke_gray(0.6);
        p.set_line_width(0.5);
        let mut x = MARGIN;
        for w in widths {
            p.rect(x, top - height, *w, height).stroke();
            x += w;
        }
        p.restore_state();
        let mut x = MARGIN;
        for (cell, w) in cells.iter().zip(widths) {
            for (n, line) in cell.iter().enumerate() {
                let baseline = top - PAD - (n as f32 + 1.0) * LEADING + LEADING * 0.25;
                draw_line(p, line, x + PAD, baseline);
            }
            x += w;
        }
        self.y = top - height;
    }

    /// The PDF: every page with its footer (`footer(page, pages)`), the
    /// title and language in the document's information and catalogue.
    pub fn finish(
        mut self,
        title: &str,
        lang: &str,
        made: jiff::Timestamp,
        footer: impl Fn(usize, usize) -> String,
    ) -> Vec<u8> {
        let last = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(last);
        let n = self.pages.len();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let info = Ref::new(3);
        let (f1, f2, f3, cid, descriptor) = (
            Ref::new(4),
            Ref::new(5),
            Ref::new(6),
            Ref::new(7),
            Ref::new(8),
        );
        let first_page = 10;
        let page_ids: Vec<Ref> = (0..n)
            .map(|i| Ref::new(first_page + 2 * i as i32))
            .collect();

        let mut pdf = Pdf::new();
        pdf.set_version(1, 7);
        pdf.catalog(catalog).pages(tree).lang(TextStr(lang));
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(n as i32);
        let utc = jiff::tz::TimeZone::UTC.to_datetime(made);
        let date = Date::new(utc.year() as u16)
            .month(utc.month() as u8)
            .day(utc.day() as u8)
            .hour(utc.hour() as u8)
            .minute(utc.minute() as u8)
            .second(utc.second() as u8)
            .utc_offset_hour(0)
            .utc_offset_minute(0);
        pdf.document_info(info)
            .title(TextStr(title))
            .creator(TextStr("Reunite"))
            .producer(TextStr("Reunite (pdf-writer)"))
            .creation_date(date);
        for (id, name, metrics) in [
            (f1, &b"Helvetica"[..], &*REGULAR),
            (f2, &b"Helvetica-Bold"[..], &*BOLD),
        ] {
            pdf.type1_font(id)
                .base_font(Name(name))
                .encoding_predefined(Name(b"WinAnsiEncoding"))
                .first_char(32)
                .last_char(255)
                .widths((32..=255u8).map(|c| metrics.width(c) * 1000.0));
        }
        pdf.type0_font(f3)
            .base_font(Name(b"STSong-Light-UniGB-UTF16-H"))
            .encoding_predefined(Name(b"UniGB-UTF16-H"))
            .descendant_font(cid);
        pdf.cid_font(cid)
            .subtype(pdf_writer::types::CidFontType::Type0)
            .base_font(Name(b"STSong-Light"))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"GB1"),
                supplement: 2,
            })
            .font_descriptor(descriptor)
            .default_width(1000.0);
        pdf.font_descriptor(descriptor)
            .name(Name(b"STSong-Light"))
            .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
            .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
            .italic_angle(0.0)
            .ascent(880.0)
            .descent(-120.0)
            .cap_height(880.0)
            .stem_v(93.0);

        for (i, mut content) in self.pages.into_iter().enumerate() {
            let text = footer(i + 1, n);
            let line = wrap(&[Span::plain(text)], 8.0, Self::width());
            content.save_state();
            content.set_fill_gray(0.35);
            if let Some(first) = line.first() {
                draw_line(&mut content, first, MARGIN, MARGIN);
            }
            content.restore_state();
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.parent(tree)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(content_id);
            page.resources()
                .fonts()
                .pair(F_REGULAR, f1)
                .pair(F_BOLD, f2)
                .pair(F_CJK, f3);
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

/// The text of a PDF [`Document::finish`] wrote, a line of the page per
/// line: what a reader extracts from it. It reads only what this module
/// writes (uncompressed content streams, the three fonts); for tests and
/// checks of the reports.
pub fn text(pdf: &[u8]) -> String {
    let mut out = String::new();
    let (mut font, mut pending_font) = (F_REGULAR.0, F_REGULAR.0);
    let mut strings: Vec<Vec<u8>> = Vec::new();
    let mut numbers: Vec<f32> = Vec::new();
    let mut last_y: Option<f32> = None;
    let mut i = 0;
    while i < pdf.len() {
        let b = pdf[i];
        match b {
            b'(' => {
                let mut s = Vec::new();
                let mut depth = 0;
                i += 1;
                while i < pdf.len() {
                    match pdf[i] {
                        b'\\' if i + 1 < pdf.len() => {
                            i += 1;
                            match pdf[i] {
                                b'n' => s.push(b'\n'),
                                b'r' => s.push(b'\r'),
                                b't' => s.push(b'\t'),
                                b'b' => s.push(8),
                                b'f' => s.push(12),
                                d @ b'0'..=b'7' => {
                                    let mut v = u32::from(d - b'0');
                                    for _ in 0..2 {
                                        if i + 1 < pdf.len() && (b'0'..=b'7').contains(&pdf[i + 1])
                                        {
                                            i += 1;
                                            v = v * 8 + u32::from(pdf[i] - b'0');
                                        }
                                    }
                                    s.push(v as u8);
                                }
                                other => s.push(other),
                            }
                        }
                        b'(' => {
                            depth += 1;
                            s.push(b'(');
                        }
                        b')' if depth == 0 => break,
                        b')' => {
                            depth -= 1;
                            s.push(b')');
                        }
                        other => s.push(other),
                    }
                    i += 1;
                }
                strings.push(s);
            }
            b'<' if pdf.get(i + 1) == Some(&b'<') => i += 1,
            b'<' => {
                let end = pdf[i..]
                    .iter()
                    .position(|&c| c == b'>')
                    .map_or(pdf.len(), |p| i + p);
                let digits: Vec<u8> = pdf[i + 1..end]
                    .iter()
                    .filter(|c| c.is_ascii_hexdigit())
                    .copied()
                    .collect();
                let bytes = digits
                    .chunks(2)
                    .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
                    .collect();
                strings.push(bytes);
                i = end;
            }
            b'/' => {
                let end = pdf[i + 1..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .map_or(pdf.len(), |p| i + 1 + p);
                let name = &pdf[i + 1..end];
                if [F_REGULAR.0, F_BOLD.0, F_CJK.0].contains(&name) {
                    pending_font = name;
                }
                i = end - 1;
            }
            b'-' | b'.' | b'0'..=b'9' => {
                let end = pdf[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_digit() || *c == b'.' || *c == b'-'))
                    .map_or(pdf.len(), |p| i + p);
                if let Some(n) = std::str::from_utf8(&pdf[i..end])
                    .ok()
                    .and_then(|t| t.parse().ok())
                {
                    numbers.push(n);
                }
                i = end - 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'\'' | b'"' => {
                let end = pdf[i..]
                    .iter()
                    .position(|c| !c.is_ascii_alphabetic() && *c != b'*')
                    .map_or(pdf.len(), |p| i + p.max(1));
                match &pdf[i..end] {
                    b"Tf" => font = pending_font,
                    b"Td" => {
                        let y = numbers.last().copied();
                        // A raised superscript is on its line.
                        if let (Some(y), Some(last)) = (y, last_y)
                            && (y - last).abs() > 5.0
                        {
                            out.push('\n');
                        }
                        if y.is_some() {
                            last_y = y;
                        }
                    }
                    b"Tj" | b"TJ" => {
                        for s in &strings {
                            if font == F_CJK.0 {
                                let units: Vec<u16> = s
                                    .chunks(2)
                                    .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
                                    .collect();
                                out.extend(
                                    char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')),
                                );
                            } else {
                                out.extend(s.iter().map(|&c| win_ansi_char(c)));
                            }
                        }
                    }
                    _ => {}
                }
                strings.clear();
                numbers.clear();
                i = end - 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The character of a `WinAnsiEncoding` code.
fn win_ansi_char(code: u8) -> char {
    if (0x20..0x7F).contains(&code) {
        return code as char;
    }
    WIN_ANSI
        .iter()
        .find(|w| w.1 == code)
        .map_or('\u{fffd}', |w| w.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &[Item]) -> String {
        line.iter()
            .map(|i| match i.glyph {
                Glyph::Latin(b) | Glyph::Super(b) => b as char,
                Glyph::Cjk(c, _) => c,
            })
            .collect()
    }

    #[test]
    fn helvetica_widths_are_adobes() {
        // Helvetica.afm: space 278, H 722, i 222, emdash 1000, eacute 556.
        assert_eq!(REGULAR.width(b' '), 0.278);
        assert_eq!(REGULAR.width(b'H'), 0.722);
        assert_eq!(REGULAR.width(b'i'), 0.222);
        assert_eq!(REGULAR.width(0x97), 1.0);
        assert_eq!(REGULAR.width(0xE9), 0.556);
        // Helvetica-Bold.afm: i 278.
        assert_eq!(BOLD.width(b'i'), 0.278);
        // Every code WinAnsi gives a character has a width.
        for code in (0x20..=0x7Eu8).chain(WIN_ANSI.iter().map(|w| w.1)) {
            assert!(REGULAR.width(code) > 0.0, "{code:#x}");
            assert!(BOLD.width(code) > 0.0, "{code:#x}");
        }
    }

    #[test]
    fn characters_go_to_their_font() {
        assert_eq!(glyph('a'), Glyph::Latin(b'a'));
        assert_eq!(glyph('é'), Glyph::Latin(0xE9));
        assert_eq!(glyph('—'), Glyph::Latin(0x97));
        assert_eq!(glyph('³'), Glyph::Super(b'3'));
        assert_eq!(glyph('⁻'), Glyph::Super(b'-'));
        assert_eq!(glyph('张'), Glyph::Cjk('张', true));
        assert_eq!(glyph('，'), Glyph::Cjk('，', true));
    }

    #[test]
    fn lines_break_at_spaces_and_between_chinese_characters() {
        let width = 100.0;
        let english = wrap(
            &[Span::plain(
                "The DNA findings are many times more probable under hypothesis one",
            )],
            BODY,
            width,
        );
        assert!(english.len() > 2);
        for line in &english {
            assert!(line_width(line) <= width, "{}", text(line));
            assert!(!text(line).starts_with(' ') && !text(line).ends_with(' '));
        }
        let words: Vec<String> = english.iter().map(|l| text(l)).collect();
        assert_eq!(
            words.join(" "),
            "The DNA findings are many times more probable under hypothesis one"
        );
        // Ten Chinese characters a line at 10 points in 100 points, and the
        // full stop stays with the character before it.
        let chinese = wrap(
            &[Span::plain("这个孩子是该家庭走失的孩子的概率很高。")],
            BODY,
            width,
        );
        assert_eq!(text(&chinese[0]), "这个孩子是该家庭走失");
        assert_eq!(text(&chinese[1]), "的孩子的概率很高。");
        let stop = wrap(&[Span::plain("一二三四五六七八九十。")], BODY, width);
        assert_eq!(text(&stop[0]), "一二三四五六七八九");
        assert_eq!(text(&stop[1]), "十。");
        // A word longer than a line is cut.
        let long = wrap(&[Span::plain("X".repeat(40))], BODY, width);
        assert!(long.len() > 1 && long.iter().all(|l| line_width(l) <= width));
        // A forced break.
        assert_eq!(wrap(&[Span::plain("a\nb")], BODY, width).len(), 2);
    }

    #[test]
    fn a_document_is_a_pdf_with_its_text() {
        let mut d = Document::new();
        d.title("Report");
        d.paragraph(&[Span::plain("LR 3.4 × 10³² "), Span::bold("张伟")]);
        for _ in 0..100 {
            d.paragraph(&[Span::plain("A line of text.")]);
        }
        let pdf = d.finish("Report", "en", jiff::Timestamp::UNIX_EPOCH, |p, n| {
            format!("page {p} of {n}")
        });
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.starts_with("%PDF-1.7"));
        assert!(s.contains("/BaseFont /STSong-Light"));
        assert!(s.contains("/Encoding /UniGB-UTF16-H"));
        assert!(
            s.contains("/Count 3"),
            "100 paragraphs run over three pages"
        );
        let text = super::text(&pdf);
        assert!(
            text.starts_with("Report\nLR 3.4 × 1032 张伟\nA line of text."),
            "{text}"
        );
        assert!(text.contains("page 1 of 3") && text.contains("page 3 of 3"));
    }
}
