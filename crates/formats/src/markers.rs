//! Marker (locus) names: the canonical spelling of a locus as labs write it,
//! the spellings seen in lab exports, and the locus lists of standards and kits.
//!
//! The lists and the aliases come from `data/marker_sets.json`, embedded in the
//! binary and parsed once.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

/// The CODIS core 20 loci (in the order of `data/marker_sets.json`) followed by
/// Penta D and Penta E: the loci most kits used with Chinese, American and
/// European databases have in common.
pub const CODIS_PENTA_22: [&str; 22] = [
    "CSF1PO", "FGA", "TH01", "TPOX", "vWA", "D3S1358", "D5S818", "D7S820", "D8S1179", "D13S317",
    "D16S539", "D18S51", "D21S11", "D1S1656", "D2S441", "D2S1338", "D10S1248", "D12S391",
    "D19S433", "D22S1045", "Penta D", "Penta E",
];

/// The canonical name of the sex-typing marker.
const AMELOGENIN: &str = "Amelogenin";

/// The 29 autosomal loci of the NIST 1036 U.S. population data set.
const NIST_LOCI: [&str; 29] = [
    "CSF1PO", "D10S1248", "D12S391", "D13S317", "D16S539", "D18S51", "D19S433", "D1S1656",
    "D21S11", "D22S1045", "D2S1338", "D2S441", "D3S1358", "D5S818", "D6S1043", "D7S820", "D8S1179",
    "F13A01", "F13B", "FESFPS", "FGA", "LPL", "Penta C", "Penta D", "Penta E", "SE33", "TH01",
    "TPOX", "vWA",
];

/// The loci of the norSTR frequency databases (`data/norstr/`), so that a
/// genotype file of any marker a shipped database has is read
/// (D22GATA198B05 is known from `marker_sets.json` as D22-GATA198B05).
const NORSTR_LOCI: [&str; 49] = [
    "APOAI1", "CSF1PO", "D10S1248", "D10S1435", "D10S2325", "D11S2368", "D11S554", "D12S391",
    "D13S317", "D13S325", "D14S1434", "D15S659", "D16S539", "D17S1301", "D17S906", "D18S1364",
    "D18S51", "D19S253", "D19S433", "D1S1656", "D20S482", "D21S11", "D21S2055", "D22S1045",
    "D2S1338", "D2S1360", "D2S441", "D3S1358", "D3S1744", "D3S3045", "D4S2366", "D5S2500",
    "D5S2800", "D5S818", "D6S474", "D6S477", "D7S1517", "D7S3048", "D7S820", "D8S1132", "D8S1179",
    "D9S1122", "FGA", "Penta D", "Penta E", "SE33", "TH01", "TPOX", "vWA",
];

/// The contents of `marker_sets.json`, digested.
struct MarkerData {
    /// Each standard or kit by its key, with its (autosomal) loci.
    sets: Vec<(String, Vec<String>)>,
    /// Every known spelling, as a [`lookup_key`], to its canonical name.
    names: HashMap<String, String>,
}

static DATA: LazyLock<MarkerData> = LazyLock::new(|| {
    let text = include_str!("../../../data/marker_sets.json");
    parse_marker_sets(text).expect("data/marker_sets.json is embedded and valid")
});

/// The key a name is looked up by: lower case, without spaces, underscores and hyphens.
fn lookup_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-') && !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn string_list(value: &Value, what: &str) -> Result<Vec<String>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("{what}: expected a list"))?;
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what}: expected a name"))
        })
        .collect()
}

fn parse_marker_sets(text: &str) -> Result<MarkerData, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let object = root.as_object().ok_or("expected an object")?;
    let mut sets = Vec::new();
    let mut canonical: Vec<String> = Vec::new();
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (key, value) in object {
        if key.starts_with('_') {
            continue;
        }
        if key == "name_aliases" {
            let map = value
                .as_object()
                .ok_or("name_aliases: expected an object")?;
            for (name, spellings) in map {
                canonical.push(name.clone());
                for spelling in string_list(spellings, name)? {
                    aliases.push((spelling, name.clone()));
                }
            }
            continue;
        }
        let loci = match value {
            Value::Object(kit) => {
                for (part, list) in kit {
                    canonical.extend(string_list(list, &format!("{key}.{part}"))?);
                }
                let autosomal = kit
                    .get("autosomal")
                    .ok_or(format!("{key}: no autosomal list"))?;
                string_list(autosomal, key)?
            }
            list => string_list(list, key)?,
        };
        canonical.extend(loci.iter().cloned());
        sets.push((key.clone(), loci));
    }
    canonical.extend(NIST_LOCI.iter().map(|s| s.to_string()));
    canonical.extend(NORSTR_LOCI.iter().map(|s| s.to_string()));
    canonical.push(AMELOGENIN.to_string());

    let mut names: HashMap<String, String> = HashMap::new();
    for name in canonical {
        let key = lookup_key(&name);
        if let Some(other) = names.get(&key)
            && *other != name
        {
            return Err(format!(
                "loci {other:?} and {name:?} differ only in case or separators"
            ));
        }
        names.insert(key, name);
    }
    for (spelling, name) in aliases {
        let key = lookup_key(&spelling);
        if let Some(other) = names.get(&key)
            && *other != name
        {
            return Err(format!(
                "alias {spelling:?} of {name:?} is also the locus {other:?}"
            ));
        }
        names.insert(key, name);
    }
    Ok(MarkerData { sets, names })
}

/// The canonical spelling of a locus name ("VWA", "vwa" and "vWA31" give "vWA";
/// "PENTA_D", "PentaD" and "penta d" give "Penta D"; "AMEL" gives "Amelogenin").
///
/// Known loci are those of every standard and kit in `data/marker_sets.json`, the
/// 29 loci of the NIST 1036 data set, the norSTR databases' (`data/norstr/`), and Amelogenin; the spellings of its
/// `name_aliases` are recognised too. Matching ignores case, spaces, underscores
/// and hyphens. An unknown name gives `None`.
pub fn canonical_marker(name: &str) -> Option<&'static str> {
    let data: &'static MarkerData = &DATA;
    data.names.get(&lookup_key(name)).map(String::as_str)
}

/// The canonical spelling of `name` as [`canonical_marker`] gives it, or
/// else the one of `extra` (say, the markers of the active frequency
/// database) it matches, ignoring case, spaces, underscores and hyphens
/// alike: one vocabulary for every reader.
pub fn canonical_marker_in<'a>(name: &str, extra: &'a [String]) -> Option<&'a str> {
    canonical_marker(name).or_else(|| {
        let key = lookup_key(name);
        extra
            .iter()
            .find(|m| !key.is_empty() && lookup_key(m) == key)
            .map(String::as_str)
    })
}

/// Whether a marker name (in any known spelling) is Amelogenin, the sex marker.
pub fn is_amelogenin(canonical: &str) -> bool {
    canonical == AMELOGENIN || canonical_marker(canonical) == Some(AMELOGENIN)
}

/// The loci of a standard or kit by its key in `data/marker_sets.json`
/// (`"CODIS_core_20"`, `"ESS_12"`, `"GlobalFiler"`, `"PowerPlex_Fusion"`, ...), in
/// the file's order. For a kit, these are its autosomal loci (without
/// Amelogenin and Y markers). An exact key is preferred; otherwise the key is
/// matched ignoring case. Unknown keys give `None`.
pub fn marker_set(name: &str) -> Option<Vec<&'static str>> {
    let data: &'static MarkerData = &DATA;
    let found = data.sets.iter().find(|(key, _)| key == name).or_else(|| {
        data.sets
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
    })?;
    Some(found.1.iter().map(String::as_str).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spellings() {
        for (name, canonical) in [
            ("vWA", "vWA"),
            ("VWA", "vWA"),
            ("vwa", "vWA"),
            ("vWA31", "vWA"),
            ("PENTA_D", "Penta D"),
            ("PentaD", "Penta D"),
            ("PENTA D", "Penta D"),
            ("penta_d", "Penta D"),
            ("Penta-E", "Penta E"),
            ("penta c", "Penta C"),
            ("CSF1P0", "CSF1PO"),
            ("csf1po", "CSF1PO"),
            ("THO1", "TH01"),
            ("HUMTH01", "TH01"),
            ("AMEL", "Amelogenin"),
            ("AM", "Amelogenin"),
            ("amelogenin", "Amelogenin"),
            ("D22GATA198B05", "D22-GATA198B05"),
            ("GATA198B05", "D22-GATA198B05"),
            (" d3s1358 ", "D3S1358"),
            ("F13A01", "F13A01"),
            ("fesfps", "FESFPS"),
            ("DYS391", "DYS391"),
            ("SE33", "SE33"),
        ] {
            assert_eq!(canonical_marker(name), Some(canonical), "{name}");
        }
        // A norSTR locus no kit list names is known too.
        assert_eq!(canonical_marker("apoai1"), Some("APOAI1"));
        for unknown in ["", "D99S999", "Penta", "vW A 1"] {
            assert_eq!(canonical_marker(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn every_listed_and_nist_locus_is_its_own_canonical_name() {
        for locus in NIST_LOCI
            .iter()
            .chain(CODIS_PENTA_22.iter())
            .chain(NORSTR_LOCI.iter())
        {
            assert_eq!(canonical_marker(locus), Some(*locus));
        }
        for (_, loci) in &DATA.sets {
            for locus in loci {
                assert_eq!(canonical_marker(locus), Some(locus.as_str()));
            }
        }
    }

    #[test]
    fn amelogenin() {
        assert!(is_amelogenin("Amelogenin"));
        assert!(is_amelogenin("AMEL"));
        assert!(!is_amelogenin("vWA"));
        assert!(!is_amelogenin("X"));
    }

    #[test]
    fn sets() {
        let codis = marker_set("CODIS_core_20").unwrap();
        assert_eq!(codis.len(), 20);
        assert_eq!(codis[..], CODIS_PENTA_22[..20]);
        assert_eq!(CODIS_PENTA_22[20..], ["Penta D", "Penta E"]);
        assert_eq!(marker_set("CODIS_original_13").unwrap().len(), 13);
        let globalfiler = marker_set("GlobalFiler").unwrap();
        assert_eq!(globalfiler.len(), 21);
        assert!(!globalfiler.contains(&"Amelogenin"));
        assert_eq!(marker_set("globalfiler"), Some(globalfiler));
        assert_eq!(marker_set("PowerPlex_Fusion_6C").unwrap().len(), 23);
        assert_eq!(marker_set("ESS_12").unwrap().len(), 12);
        assert_eq!(marker_set("name_aliases"), None);
        assert_eq!(marker_set("_note"), None);
        assert_eq!(marker_set("NoSuchKit"), None);
    }
}
