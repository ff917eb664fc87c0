//! The one-line summary of an import, with the noun of what each kind of
//! file counts: a frequency table counts markers, a CMF file specimens.

use registry::ImportReport;

/// `n` things of an import of `kind` (the report's kind), in words:
/// "48 markers", "1 found child".
pub fn counted(kind: &str, n: usize) -> String {
    let (one, many) = match kind {
        "frequencies" => ("marker", "markers"),
        "cases" => ("case", "cases"),
        "references" => ("reference", "references"),
        "found" => ("found child", "found children"),
        "profiles" => ("profile", "profiles"),
        "cmf" => ("specimen", "specimens"),
        "PFIF person records" => ("PFIF person record", "PFIF person records"),
        other => (other, other),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "FILE: 48 markers in the file, 48 added, 0 already stored; 0 new candidates".
pub fn summary(report: &ImportReport) -> String {
    format!(
        "{}: {} in the file, {} added, {} already stored; {} new candidates",
        report.file,
        counted(&report.kind, report.rows),
        report.added,
        report.unchanged,
        report.new_candidates
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(kind: &str, rows: usize) -> ImportReport {
        ImportReport {
            kind: kind.into(),
            file: "f".into(),
            rows,
            added: rows,
            ..Default::default()
        }
    }

    #[test]
    fn each_kind_counts_its_own_things() {
        assert_eq!(
            summary(&report("frequencies", 48)),
            "f: 48 markers in the file, 48 added, 0 already stored; 0 new candidates"
        );
        for (kind, rows, words) in [
            ("frequencies", 1, "1 marker in the file"),
            ("cases", 2, "2 cases in the file"),
            ("references", 1, "1 reference in the file"),
            ("found", 3, "3 found children in the file"),
            ("found", 1, "1 found child in the file"),
            ("profiles", 44, "44 profiles in the file"),
            ("cmf", 7, "7 specimens in the file"),
            ("PFIF person records", 1, "1 PFIF person record in the file"),
        ] {
            let s = summary(&report(kind, rows));
            assert!(s.contains(words), "{s}");
        }
    }
}
