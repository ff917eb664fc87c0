//! Hostile text for the fuzz tests: values that break careless readers, text
//! from arbitrary bytes, "token soup" made of a format's own words, and
//! structure-aware mutations of a valid file (lines, fields, characters; JSON
//! nodes). Shared by the fuzz tests of `formats`, `registry` and `server`
//! (they include this file by path).

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// `cases` times `REUNITE_FUZZ_SCALE` (a whole number, 1 when unset): the
/// counts in the tests are what CI runs; a longer search sets the variable.
pub fn scaled(cases: u32) -> u32 {
    let scale = std::env::var("REUNITE_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    cases.saturating_mul(scale)
}

/// A field value chosen to break a reader: special numbers, huge numbers,
/// quotes, control characters, byte order marks, non-ASCII digits and letters,
/// dates that do not exist, very long texts.
pub fn hostile_value() -> BoxedStrategy<String> {
    const SPECIAL: &[&str] = &[
        "",
        " ",
        "\t",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "-1",
        "-0",
        "0",
        "0.0",
        "1",
        "1e308",
        "-1e308",
        "1e309",
        "1e-320",
        "4.9e-324",
        "2.2250738585072014e-308",
        "18446744073709551616",
        "99999999999999999999999999999999",
        "2147483648",
        "-2147483649",
        "4294967296",
        "0x1F",
        "1_000",
        "+5",
        ".5",
        "5.",
        "1,5",
        "9.3",
        "9.3.1",
        "10.10",
        "1000",
        "999.9",
        " 7 ",
        "\"",
        "\"\"",
        "\"a,b\"",
        "\"open",
        "a\"b",
        "\"x\"y",
        "\u{feff}",
        "\u{0}",
        "\u{7f}",
        "\u{1b}[31m",
        "\r",
        "\n",
        "\u{85}",
        "\u{2028}",
        "\u{202e}evil",
        "日本語",
        "ﬁ",
        "١٢",
        "𝟙𝟚",
        "😀",
        "e\u{301}",
        "OL",
        "ol",
        "<8",
        ">30",
        "X",
        "Y",
        "XX",
        "AMEL",
        "Amelogenin",
        "vWA",
        "PENTA_D",
        "D3S1358",
        "male",
        "female",
        "unknown",
        "M",
        "Q",
        "mother",
        "father",
        "full_sibling",
        "2024-01-01",
        "2024-02-30",
        "0000-00-00",
        "9999-12-31",
        "2024-1-1",
        "2024-01-01T00:00:00Z",
        "-2024-01-01",
        "1900-02-29",
        "2000-02-29",
        "91",
        "-90.0001",
        "180.5",
        "36500",
        "36501",
        "../../etc/passwd",
        "'; DROP TABLE cases; --",
        "<script>alert(1)</script>",
        "%00",
        "${jndi:ldap://x}",
        "null",
        "true",
        "[]",
        "{}",
    ];
    prop_oneof![
        6 => prop::sample::select(SPECIAL).prop_map(str::to_string),
        2 => "\\PC{0,16}",
        1 => any::<String>(),
        1 => any::<f64>().prop_map(|f| f.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => any::<u64>().prop_map(|i| format!("{i}.{}", i % 10)),
        1 => (1usize..3000, prop::sample::select(&["9", "a", "é", ",", "\"", "😀"][..]))
            .prop_map(|(n, s)| s.repeat(n)),
        1 => (20_000usize..70_000).prop_map(|n| "x".repeat(n)),
    ]
    .boxed()
}

/// One change to a text file.
#[derive(Debug, Clone)]
pub enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    InsertLine(Index, String),
    /// Replaces a field of a line (fields split at the separator).
    SetField(Index, Index, String),
    /// Inserts a field (an extra column).
    InsertField(Index, Index, String),
    /// Removes a field (a missing column).
    DeleteField(Index, Index),
    /// Replaces one character.
    SetChar(Index, char),
    /// Inserts a text anywhere.
    InsertText(Index, String),
    /// Removes up to n characters.
    DeleteChars(Index, u8),
    /// Cuts the file.
    Truncate(Index),
    /// Changes every line end to CRLF or bare CR.
    LineEnds(bool),
    /// Repeats the whole body many times (a very long file).
    Repeat(u8),
}

pub fn mutation() -> BoxedStrategy<Mutation> {
    let index = any::<Index>;
    prop_oneof![
        2 => index().prop_map(Mutation::DeleteLine),
        2 => index().prop_map(Mutation::DuplicateLine),
        1 => (index(), index()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (index(), hostile_value()).prop_map(|(a, s)| Mutation::InsertLine(a, s)),
        6 => (index(), index(), hostile_value()).prop_map(|(l, f, s)| Mutation::SetField(l, f, s)),
        2 => (index(), index(), hostile_value()).prop_map(|(l, f, s)| Mutation::InsertField(l, f, s)),
        2 => (index(), index()).prop_map(|(l, f)| Mutation::DeleteField(l, f)),
        2 => (index(), any::<char>()).prop_map(|(i, c)| Mutation::SetChar(i, c)),
        2 => (index(), hostile_value()).prop_map(|(i, s)| Mutation::InsertText(i, s)),
        1 => (index(), any::<u8>()).prop_map(|(i, n)| Mutation::DeleteChars(i, n)),
        1 => index().prop_map(Mutation::Truncate),
        1 => any::<bool>().prop_map(Mutation::LineEnds),
        1 => (2u8..10).prop_map(Mutation::Repeat),
    ]
    .boxed()
}

/// One to five mutations.
pub fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..6)
}

/// The byte offset of the `i`-th character boundary (0..=len).
fn boundary(text: &str, at: &Index) -> usize {
    let count = text.chars().count();
    let n = at.index(count + 1);
    text.char_indices().nth(n).map_or(text.len(), |(b, _)| b)
}

fn with_fields(line: &str, sep: char, f: impl FnOnce(&mut Vec<String>)) -> String {
    let mut fields: Vec<String> = line.split(sep).map(str::to_string).collect();
    f(&mut fields);
    fields.join(&sep.to_string())
}

/// Applies mutations to a text whose fields are separated by `sep`.
pub fn apply(text: &str, sep: char, mutations: &[Mutation]) -> String {
    let mut text = text.to_string();
    for m in mutations {
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        let n = lines.len();
        match m {
            Mutation::DeleteLine(i) => {
                lines.remove(i.index(n));
            }
            Mutation::DuplicateLine(i) => {
                let at = i.index(n);
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            Mutation::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
            Mutation::InsertLine(i, s) => lines.insert(i.index(n + 1), s.clone()),
            Mutation::SetField(l, f, s) => {
                let at = l.index(n);
                lines[at] = with_fields(&lines[at], sep, |fields| {
                    let k = f.index(fields.len());
                    fields[k] = s.clone();
                });
            }
            Mutation::InsertField(l, f, s) => {
                let at = l.index(n);
                lines[at] = with_fields(&lines[at], sep, |fields| {
                    let k = f.index(fields.len() + 1);
                    fields.insert(k, s.clone());
                });
            }
            Mutation::DeleteField(l, f) => {
                let at = l.index(n);
                lines[at] = with_fields(&lines[at], sep, |fields| {
                    let k = f.index(fields.len());
                    fields.remove(k);
                });
            }
            Mutation::SetChar(i, c) => {
                let at = boundary(&text, i);
                let end = text[at..]
                    .chars()
                    .next()
                    .map_or(at, |ch| at + ch.len_utf8());
                text.replace_range(at..end, &c.to_string());
                continue;
            }
            Mutation::InsertText(i, s) => {
                let at = boundary(&text, i);
                text.insert_str(at, s);
                continue;
            }
            Mutation::DeleteChars(i, k) => {
                let at = boundary(&text, i);
                let end = text[at..]
                    .char_indices()
                    .nth(usize::from(*k))
                    .map_or(text.len(), |(b, _)| at + b);
                text.replace_range(at..end, "");
                continue;
            }
            Mutation::Truncate(i) => {
                let at = boundary(&text, i);
                text.truncate(at);
                continue;
            }
            Mutation::LineEnds(crlf) => {
                let end = if *crlf { "\r\n" } else { "\r" };
                text = lines
                    .iter()
                    .map(|l| l.trim_end_matches('\r'))
                    .collect::<Vec<_>>()
                    .join(end);
                continue;
            }
            Mutation::Repeat(k) => {
                let (head, body) = text.split_once('\n').unwrap_or((&text, ""));
                let mut out = format!("{head}\n");
                for _ in 0..*k {
                    out.push_str(body);
                    if !body.ends_with('\n') {
                        out.push('\n');
                    }
                }
                text = out;
                continue;
            }
        }
        text = lines.join("\n");
    }
    text
}

/// A valid file (one of `seeds`) changed by one to five mutations.
pub fn mutated(seeds: Vec<String>, sep: char) -> impl Strategy<Value = String> {
    (prop::sample::select(seeds), mutations()).prop_map(move |(s, m)| apply(&s, sep, &m))
}

/// Text from arbitrary bytes (invalid UTF-8 replaced), or arbitrary characters.
pub fn garbage() -> BoxedStrategy<String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        any::<String>(),
        "\\PC{0,200}",
        "[ -~\t\r\n]{0,300}",
    ]
    .boxed()
}

/// Lines built from a format's own words and separators: it passes the first
/// checks of a reader more often than random text does.
pub fn token_soup(
    words: &'static [&'static str],
    seps: &'static [&'static str],
) -> BoxedStrategy<String> {
    let token = prop_oneof![
        4 => prop::sample::select(words).prop_map(str::to_string),
        2 => prop::sample::select(seps).prop_map(str::to_string),
        1 => hostile_value(),
    ];
    let line = prop::collection::vec(token, 0..14).prop_map(|t| t.concat());
    prop::collection::vec(line, 0..12)
        .prop_map(|lines| lines.join("\n"))
        .boxed()
}

// ---------------------------------------------------------------------------
// JSON

/// A step from a JSON value to one of its children.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    At(usize),
}

/// One change to a JSON document.
#[derive(Debug, Clone)]
pub enum JsonMutation {
    /// Replaces a node (the root included) with a hostile value.
    Replace(Index, Value),
    /// Removes a node from its object or array.
    Remove(Index),
    /// Repeats an array element, or copies an object member under another key.
    Duplicate(Index),
    /// Renames an object member.
    Rename(Index, String),
    /// Wraps a node in an array.
    Wrap(Index),
}

/// A JSON value chosen to break a reader: wrong types, extreme numbers,
/// hostile strings, empty and deep containers.
pub fn hostile_json() -> BoxedStrategy<Value> {
    let number = |f: f64| Value::Number(Number::from_f64(f).expect("finite"));
    let special = vec![
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::from(0),
        Value::from(-1),
        Value::from(i64::MIN),
        Value::from(u64::MAX),
        number(1e308),
        number(-1e308),
        number(5e-324),
        number(-0.0),
        number(0.5),
        number(1.5),
        number(2.0),
        Value::Array(vec![]),
        Value::Object(Map::new()),
        Value::from(vec!["1", "2", "3"]),
        Value::from(vec!["12"]),
    ];
    prop_oneof![
        4 => prop::sample::select(special),
        4 => hostile_value().prop_map(Value::String),
        1 => any::<f64>().prop_filter_map("finite", Number::from_f64).prop_map(Value::Number),
        1 => any::<i64>().prop_map(Value::from),
        1 => (1usize..300).prop_map(|depth| {
            (0..depth).fold(Value::from(1), |v, _| Value::Array(vec![v]))
        }),
        1 => (1usize..2000).prop_map(|n| Value::Array(vec![Value::from(1); n])),
        1 => prop::collection::vec(hostile_value(), 0..4).prop_map(Value::from),
    ]
    .boxed()
}

pub fn json_mutation() -> BoxedStrategy<JsonMutation> {
    let index = any::<Index>;
    prop_oneof![
        5 => (index(), hostile_json()).prop_map(|(i, v)| JsonMutation::Replace(i, v)),
        3 => index().prop_map(JsonMutation::Remove),
        1 => index().prop_map(JsonMutation::Duplicate),
        1 => (index(), hostile_value()).prop_map(|(i, k)| JsonMutation::Rename(i, k)),
        1 => index().prop_map(JsonMutation::Wrap),
    ]
    .boxed()
}

fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(Step::Key(k.clone()));
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(Step::At(i));
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node<'v>(v: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::At(i) => &mut v[*i],
    })
}

/// Applies mutations to a JSON document.
pub fn apply_json(value: &Value, mutations: &[JsonMutation]) -> Value {
    let mut value = value.clone();
    for m in mutations {
        let mut all = Vec::new();
        paths(&value, &mut Vec::new(), &mut all);
        let pick = |i: &Index| all[i.index(all.len())].clone();
        match m {
            JsonMutation::Replace(i, v) => *node(&mut value, &pick(i)) = v.clone(),
            JsonMutation::Wrap(i) => {
                let n = node(&mut value, &pick(i));
                *n = Value::Array(vec![n.take()]);
            }
            JsonMutation::Remove(i) | JsonMutation::Duplicate(i) | JsonMutation::Rename(i, _) => {
                let mut path = pick(i);
                let Some(last) = path.pop() else {
                    continue;
                };
                let parent = node(&mut value, &path);
                match (parent, last, m) {
                    (Value::Array(a), Step::At(k), JsonMutation::Remove(_)) => {
                        a.remove(k);
                    }
                    (Value::Array(a), Step::At(k), _) => {
                        let copy = a[k].clone();
                        a.insert(k, copy);
                    }
                    (Value::Object(o), Step::Key(k), JsonMutation::Remove(_)) => {
                        o.remove(&k);
                    }
                    (Value::Object(o), Step::Key(k), JsonMutation::Duplicate(_)) => {
                        let copy = o[&k].clone();
                        o.insert(format!("{k}2"), copy);
                    }
                    (Value::Object(o), Step::Key(k), JsonMutation::Rename(_, to)) => {
                        if let Some(v) = o.remove(&k) {
                            o.insert(to.clone(), v);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    value
}

/// A valid JSON document (one of `seeds`) changed by one to four node
/// mutations, then (sometimes) by text mutations that may break its syntax.
pub fn mutated_json(seeds: Vec<Value>) -> impl Strategy<Value = String> {
    (
        prop::sample::select(seeds),
        prop::collection::vec(json_mutation(), 1..5),
        prop::collection::vec(mutation(), 0..2),
        any::<bool>(),
    )
        .prop_map(|(seed, json, text, pretty)| {
            let v = apply_json(&seed, &json);
            let s = if pretty {
                serde_json::to_string_pretty(&v).expect("a value serialises")
            } else {
                v.to_string()
            };
            apply(&s, ',', &text)
        })
}
