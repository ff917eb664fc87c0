//! The XML writers (CODIS CMF, PFIF) escape what XML reserves (`&`, `<`,
//! `>`, quotes, a carriage return), keep other text as it is, Chinese and
//! accented letters included, and their output reads back the same.

use formats::cmf::{CmfFile, CmfHeader, Specimen, parse_cmf, write_cmf};
use formats::pfif::{self, Document, Note, Person, UtcTime};
use kinship::{Genotype, Sex};

/// Every character XML reserves, non-ASCII letters, a tab and line breaks.
const AWKWARD: &str = "Tom & Jerry <b>\"quoted\"</b> 'single' > — 李伟 Ñandú\tend\r\nline two";

fn genotype(a: &str, b: &str) -> Genotype {
    Genotype::new(a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn cmf_escapes_and_reads_back() {
    let cmf = CmfFile {
        header: CmfHeader {
            header_version: Some("3.2".into()),
            source_lab: Some("Lab <A&B> \"North\" 'Ost' Zürich".into()),
            submit_by_user_id: Some("analyst & co".into()),
            kit: Some("PowerPlex® Fusion 6C".into()),
            ..CmfHeader::default()
        },
        specimens: vec![
            Specimen {
                line: 0,
                id: "RS-1M".into(),
                case_id: Some("MC-1".into()),
                category: "Biological Mother".into(),
                comment: Some(AWKWARD.into()),
                sex: Some(Sex::Female),
                markers: vec![
                    ("TH01".into(), genotype("6", "9.3")),
                    ("FGA".into(), genotype("22", "22")),
                ],
                y: None,
            },
            Specimen {
                line: 0,
                id: "FS-1".into(),
                case_id: None,
                category: "Unidentified Person".into(),
                comment: Some("找到于昆明 & <未知>".into()),
                sex: Some(Sex::Male),
                markers: vec![("TH01".into(), genotype("7", "9.3"))],
                y: None,
            },
        ],
    };
    let written = write_cmf(&cmf);
    assert!(written.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CODISImportFile xmlns=\"urn:CODISImportFile-schema\">\n"
    ));
    for escaped in [
        "<SOURCELAB>Lab &lt;A&amp;B&gt; &quot;North&quot; &apos;Ost&apos; Zürich</SOURCELAB>",
        "<SPECIMENCOMMENT>Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot;&lt;/b&gt; &apos;single&apos; &gt; — 李伟 Ñandú\tend&#13;\nline two</SPECIMENCOMMENT>",
        "<SPECIMENCOMMENT>找到于昆明 &amp; &lt;未知&gt;</SPECIMENCOMMENT>",
        "<SPECIMEN CASEID=\"MC-1\">",
    ] {
        assert!(written.contains(escaped), "{escaped} not in\n{written}");
    }
    let back = parse_cmf("written.xml", &written).unwrap();
    // Each SPECIMEN on its own line, its SPECIMENID on the next.
    let lines: Vec<&str> = written.lines().collect();
    for s in &back.specimens {
        assert!(lines[s.line - 1].trim_start().starts_with("<SPECIMEN"));
        assert!(lines[s.line].contains(&format!("<SPECIMENID>{}</SPECIMENID>", s.id)));
    }
    let mut back = back;
    for s in &mut back.specimens {
        s.line = 0;
    }
    assert_eq!(back, cmf);
}

#[test]
fn pfif_escapes_and_reads_back() {
    let time = UtcTime::parse("2025-03-01T10:00:00Z").unwrap();
    let doc = Document {
        persons: vec![Person {
            person_record_id: "registry.example.org/MC-1".into(),
            source_date: Some(time),
            source_url: Some("https://registry.example.org/alerts?a=1&b=2".into()),
            full_name: "李伟 \"Wei\" <Li> & O'Neil".into(),
            description: Some(AWKWARD.into()),
            notes: vec![Note {
                note_record_id: "registry.example.org/n/1".into(),
                author_name: "Zoë & Amélie".into(),
                source_date: Some(time),
                text: "见过 <b>&amp;</b>".into(),
                ..Note::default()
            }],
            ..Person::default()
        }],
        notes: vec![],
    };
    let xml = pfif::write(&doc);
    for escaped in [
        "<pfif:source_url>https://registry.example.org/alerts?a=1&amp;b=2</pfif:source_url>",
        "<pfif:full_name>李伟 \"Wei\" &lt;Li&gt; &amp; O'Neil</pfif:full_name>",
        "<pfif:description>Tom &amp; Jerry &lt;b&gt;\"quoted\"&lt;/b&gt; 'single' &gt; — 李伟 Ñandú\tend&#13;\nline two</pfif:description>",
        "<pfif:author_name>Zoë &amp; Amélie</pfif:author_name>",
        "<pfif:text>见过 &lt;b&gt;&amp;amp;&lt;/b&gt;</pfif:text>",
    ] {
        assert!(xml.contains(escaped), "{escaped} not in\n{xml}");
    }
    let mut back = pfif::read("written.xml", &xml).unwrap();
    for p in &mut back.persons {
        p.line = 0;
        for n in &mut p.notes {
            n.line = 0;
        }
    }
    assert_eq!(back, doc);
}
