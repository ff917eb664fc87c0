//! The one-line summary of an import, counting what its kind of file counts
//! (a frequency table markers, a CMF file specimens: [`registry::ImportKind::counted`]).

use registry::ImportReport;

/// "FILE: 48 markers in the file, 48 added, 0 already stored; 0 new candidates".
pub fn summary(report: &ImportReport) -> String {
    format!(
        "{}: {} in the file, {} added, {} already stored; {} new candidates",
        report.file,
        report.kind.counted(report.rows),
        report.added,
        report.unchanged,
        report.new_candidates
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry::ImportKind;

    fn report(kind: &str, rows: usize) -> ImportReport {
        let mut r = ImportReport::new(ImportKind::parse(kind).unwrap(), "f", rows);
        r.added = rows;
        r
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
            ("pfif", 1, "1 PFIF person record in the file"),
        ] {
            let s = summary(&report(kind, rows));
            assert!(s.contains(words), "{s}");
        }
    }
}
