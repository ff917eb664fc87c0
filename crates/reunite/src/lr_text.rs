//! How an LR is written for people and for other programs: numbers that
//! survive overflow in JSON, a result's JSON fields, the per-marker table
//! and the verbal conclusion with the hypotheses' own names. Used by
//! `reunite lr` (case files and Familias projects) and the registry
//! commands.

use std::fmt::Write as _;

use kinship::{LrResult, verbal_scale};

/// A number for JSON: serde_json's shortest form, or mantissa and exponent
/// from the logarithm when the float overflows or underflows.
pub(crate) fn json_number(value: f64, log10: f64) -> String {
    if value.is_finite() && (value != 0.0 || log10 == f64::NEG_INFINITY) {
        return serde_json::Value::from(value).to_string();
    }
    let exp = log10.floor();
    let mantissa = 10f64.powf(log10 - exp);
    format!("{mantissa:.15}e{exp}")
}

/// The fields `"lr":..,"log10_lr":..,"markers":[..]` of a result (no braces).
pub(crate) fn result_fields(r: &LrResult) -> String {
    let markers: Vec<String> = r
        .markers
        .iter()
        .map(|m| {
            format!(
                "{{\"name\":{},\"lr\":{}}}",
                serde_json::Value::from(m.name.as_str()),
                json_number(m.lr, m.lr.log10())
            )
        })
        .collect();
    let log10 = if r.is_exclusion() {
        "null".to_string()
    } else {
        serde_json::Value::from(r.log10_lr).to_string()
    };
    format!(
        "\"lr\":{},\"log10_lr\":{log10},\"markers\":[{}]",
        json_number(r.lr(), r.log10_lr),
        markers.join(",")
    )
}

/// An LR for people: plain for moderate values, scientific otherwise.
pub fn human_lr(lr: f64, log10: f64) -> String {
    if log10 == f64::NEG_INFINITY {
        "0 (exclusion)".to_string()
    } else if (1e-3..1e6).contains(&lr) {
        format!("{lr:.4}")
    } else {
        let exp = log10.floor();
        format!("{:.4}e{exp}", 10f64.powf(log10 - exp))
    }
}

/// The verbal scale with the hypotheses' own names: `h1` for the numerator,
/// `h2` for the denominator (the kinship library speaks of H1 and H2 as
/// roles, while a Familias project names its own pedigrees H1, H2, ...).
pub(crate) fn verbal_named(log10_lr: f64, h1: &str, h2: &str) -> String {
    let words = verbal_scale(log10_lr);
    match words.rsplit_once(' ') {
        Some((head, "H1")) => format!("{head} {h1}"),
        Some((head, "H2")) => format!("{head} {h2}"),
        _ => words,
    }
}

/// The per-marker table of `r`, its total and its verbal conclusion, with
/// `names` the numerator's and the denominator's names.
pub(crate) fn table(title: &str, r: &LrResult, names: (&str, &str)) -> String {
    let width = r
        .markers
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut s = String::new();
    let _ = writeln!(s, "{title}");
    let _ = writeln!(s, "{:<width$}  {:>14}", "marker", "LR");
    for m in &r.markers {
        let _ = writeln!(
            s,
            "{:<width$}  {:>14}",
            m.name,
            human_lr(m.lr, m.lr.log10())
        );
    }
    let _ = writeln!(
        s,
        "{:<width$}  {:>14}",
        "total",
        human_lr(r.lr(), r.log10_lr)
    );
    if !r.is_exclusion() {
        let _ = writeln!(s, "log10 LR {:.4}", r.log10_lr);
    }
    let _ = writeln!(s, "{}", verbal_named(r.log10_lr, names.0, names.1));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_survive_overflow() {
        assert_eq!(json_number(10.0, 1.0), "10.0");
        assert_eq!(
            json_number(f64::INFINITY, 400.5),
            format!("{:.15}e400", 10f64.powf(0.5))
        );
        assert_eq!(json_number(0.0, f64::NEG_INFINITY), "0.0");
        assert!(json_number(0.0, -1500.0).ends_with("e-1500"));
    }
}
