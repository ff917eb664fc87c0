//! CODIS Common Message Format (CMF) files: the XML a lab exchanges with
//! CODIS, one `SPECIMEN` per person with a `LOCUS` per marker and an `ALLELE`
//! per call.
//!
//! ```xml
//! <CODISImportFile xmlns="urn:CODISImportFile-schema">
//!   <HEADERVERSION>3.2</HEADERVERSION>
//!   <MESSAGETYPE>Import</MESSAGETYPE>
//!   <DESTINATIONORI>...</DESTINATIONORI> <SOURCELAB>...</SOURCELAB>
//!   <SUBMITBYUSERID>...</SUBMITBYUSERID> <SUBMITDATETIME>...</SUBMITDATETIME>
//!   <BATCHID>...</BATCHID> <KIT>...</KIT>
//!   <SPECIMEN CASEID="MC-1">
//!     <SPECIMENID>RS-1M</SPECIMENID>
//!     <SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>
//!     <SPECIMENCOMMENT>...</SPECIMENCOMMENT>
//!     <LOCUS>
//!       <LOCUSNAME>D3S1358</LOCUSNAME> <READINGBY>...</READINGBY>
//!       <ALLELE><ALLELEVALUE>15</ALLELEVALUE></ALLELE>
//!       <ALLELE><ALLELEVALUE>16</ALLELEVALUE></ALLELE>
//!     </LOCUS>
//!   </SPECIMEN>
//! </CODISImportFile>
//! ```
//!
//! Liberal in the form, as files written by different programs differ:
//! element names are matched ignoring ASCII case and namespace (the CMF
//! namespace `urn:CODISImportFile-schema` or none); every simple field (header
//! fields, `SPECIMENID`, `SPECIMENCATEGORY`, `CASEID`, `LOCUSNAME`,
//! `ALLELEVALUE`, ...) may be a child element or an attribute of its parent;
//! an allele may also be written as the text of `ALLELE` itself; values are
//! trimmed; attributes the format does not use (`xmlns`, `xsi:schemaLocation`,
//! `SOURCEID`, `PARTIAL`, `ALLELEREQUIRED`, ...) are ignored, and so are the
//! fields `READINGBY`, `READINGDATETIME` and a locus's `BATCHID` and `KIT`.
//!
//! Strict in the content, as the genotype tables are
//! ([`crate::genotypes`]): a `LOCUSNAME` that [`ystr::Locus`] names (DYS19,
//! DYS385, DYS389I, YGATAH4, ...; DYS391, DYS570 and DYS576, which autosomal
//! kits carry, too) is a Y-STR locus, read into [`Specimen::y`] as the
//! genotype tables read one: its distinct alleles as one [`ystr::Call`]
//! (intermediate, null and duplicated alleles kept and flagged), a two-copy
//! locus whole (`DYS385` with two `ALLELE`s) or as two `LOCUS` elements of
//! its copies (`DYS385a`, `DYS385b`, one allele each, combined into the call
//! of the locus; a copy with two or more alleles, one copy empty and the
//! other not, a copy without the other, the same copy twice and a locus
//! given both whole and as copies are errors); other marker names go
//! through the alias table of [`crate::markers`] and an unknown marker is
//! an error; Amelogenin gives the sex (X female, X,Y male) and is not kept
//! as a marker; one allele means a homozygote, no allele means the marker
//! was not typed; three or more alleles (a mixture), an off-ladder (`OL`) or
//! other non-allele value, an empty allele, the same locus twice in a
//! specimen and the same specimen twice in the file are errors. An element the format does not have, a field
//! given twice (or both as element and attribute) and a `SPECIMEN` without
//! `SPECIMENID` or `SPECIMENCATEGORY` are errors too, so that nothing of a
//! file is silently dropped. Specimen and case ids follow the CMF 3.2 schema:
//! `SPECIMENID` is 1 to 24 characters, any but control characters (`#` and
//! spaces included), and `CASEID` 0 to 32 (empty: no case), spaces allowed.
//!
//! Each error names the file, the line of the element (or of the attribute's
//! element), the element or attribute, and the reason; lines are counted
//! alike whether they end in LF, CRLF or CR alone (CR-only files are read
//! with their line ends made LF first, as XML's own end-of-line handling
//! does, so the content is the same).
//!
//! [`specimen_role`] says what a specimen category is to the registry: a
//! reference (a relative of a missing child) or a found child; categories the
//! registry cannot place are refused with the reason. [`write_cmf`] writes a
//! file that reads back to the same content.

use std::collections::HashMap;
use std::path::Path;

use kinship::{Genotype, Relative, Sex};
use roxmltree::{Document, Node, ParsingOptions};

use crate::error::{FormatError, Location};
use crate::genotypes::{CallError, Calls, Profile, YParts, read_calls, y_call, y_copy};
use crate::markers::canonical_marker;

/// The longest `SPECIMENID` of the CMF 3.2 schema, in characters.
pub const SPECIMEN_ID_MAX_CHARS: usize = 24;
/// The longest `CASEID` of the CMF 3.2 schema, in characters.
pub const CASE_ID_MAX_CHARS: usize = 32;

/// The namespace of CMF files.
pub const CMF_NAMESPACE: &str = "urn:CODISImportFile-schema";

/// The root element.
const ROOT: &str = "CODISImportFile";

/// The header fields, in the order CMF writes them.
const HEADER_FIELDS: [&str; 8] = [
    "HEADERVERSION",
    "MESSAGETYPE",
    "DESTINATIONORI",
    "SOURCELAB",
    "SUBMITBYUSERID",
    "SUBMITDATETIME",
    "BATCHID",
    "KIT",
];

/// The fields of a specimen (`SOURCEID` and `PARTIAL` are read and ignored).
const SPECIMEN_FIELDS: [&str; 6] = [
    "SPECIMENID",
    "SPECIMENCATEGORY",
    "SPECIMENCOMMENT",
    "CASEID",
    "SOURCEID",
    "PARTIAL",
];

/// The fields of a locus (all but `LOCUSNAME` are read and ignored).
const LOCUS_FIELDS: [&str; 5] = [
    "LOCUSNAME",
    "READINGBY",
    "READINGDATETIME",
    "BATCHID",
    "KIT",
];

/// The fields of an allele (`ALLELEREQUIRED` is read and ignored).
const ALLELE_FIELDS: [&str; 2] = ["ALLELEVALUE", "ALLELEREQUIRED"];

/// The header of a CMF file: who sends it to whom, when, with which kit.
/// Every field is optional here (CODIS requires most of them; Reunite uses
/// only `SOURCELAB` and `KIT`, as the lab and kit of the profiles).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CmfHeader {
    /// `HEADERVERSION`, such as `3.2`.
    pub header_version: Option<String>,
    /// `MESSAGETYPE`, such as `Import`.
    pub message_type: Option<String>,
    /// `DESTINATIONORI`: the receiving agency.
    pub destination_ori: Option<String>,
    /// `SOURCELAB`: the sending lab.
    pub source_lab: Option<String>,
    /// `SUBMITBYUSERID`: who sent it.
    pub submit_by_user_id: Option<String>,
    /// `SUBMITDATETIME`, as written.
    pub submit_date_time: Option<String>,
    /// `BATCHID`.
    pub batch_id: Option<String>,
    /// `KIT`: the typing kit.
    pub kit: Option<String>,
}

impl CmfHeader {
    /// The field of a name of [`HEADER_FIELDS`].
    fn field_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "HEADERVERSION" => &mut self.header_version,
            "MESSAGETYPE" => &mut self.message_type,
            "DESTINATIONORI" => &mut self.destination_ori,
            "SOURCELAB" => &mut self.source_lab,
            "SUBMITBYUSERID" => &mut self.submit_by_user_id,
            "SUBMITDATETIME" => &mut self.submit_date_time,
            "BATCHID" => &mut self.batch_id,
            "KIT" => &mut self.kit,
            _ => unreachable!("a header field"),
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        match name {
            "HEADERVERSION" => self.header_version.as_deref(),
            "MESSAGETYPE" => self.message_type.as_deref(),
            "DESTINATIONORI" => self.destination_ori.as_deref(),
            "SOURCELAB" => self.source_lab.as_deref(),
            "SUBMITBYUSERID" => self.submit_by_user_id.as_deref(),
            "SUBMITDATETIME" => self.submit_date_time.as_deref(),
            "BATCHID" => self.batch_id.as_deref(),
            "KIT" => self.kit.as_deref(),
            _ => unreachable!("a header field"),
        }
    }
}

/// One person's profile in a CMF file.
#[derive(Debug, Clone, PartialEq)]
pub struct Specimen {
    /// The line of the `SPECIMEN` element (1-based).
    pub line: usize,
    /// `SPECIMENID`: the sample name.
    pub id: String,
    /// `CASEID`: the case the specimen belongs to, when given.
    pub case_id: Option<String>,
    /// `SPECIMENCATEGORY`, as written (trimmed); see [`specimen_role`].
    pub category: String,
    /// `SPECIMENCOMMENT`, when given.
    pub comment: Option<String>,
    /// The sex from Amelogenin, when typed.
    pub sex: Option<Sex>,
    /// A genotype per typed marker (canonical names), in file order.
    /// Markers without an allele are absent; Amelogenin is never here.
    pub markers: Vec<(String, Genotype)>,
    /// The Y-STR loci typed, in file order (a locus given as its two copies
    /// where its second copy is); `None` when none is.
    pub y: Option<ystr::Haplotype>,
}

impl Specimen {
    /// The genotypes as a profile of a genotype table.
    pub fn profile(&self) -> Profile {
        Profile {
            sample: self.id.clone(),
            line: self.line,
            sex: self.sex,
            population: None,
            markers: self.markers.clone(),
            y: self.y.clone(),
        }
    }
}

/// The content of a CMF file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CmfFile {
    pub header: CmfHeader,
    /// The specimens in file order.
    pub specimens: Vec<Specimen>,
}

/// Reads a CMF file (see [`parse_cmf`]); the path, as displayed, names the
/// file in errors.
pub fn read_cmf(path: &Path) -> Result<CmfFile, FormatError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| FormatError::whole(&file, format!("cannot read the file: {e}")))?;
    parse_cmf(&file, &text)
}

/// Parses a CMF file (see the module documentation). `file` names the file in
/// errors.
pub fn parse_cmf(file: &str, text: &str) -> Result<CmfFile, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // roxmltree counts lines by LF only.
    let text = &*crate::lines::lf_line_ends(text);
    if text.trim().is_empty() {
        return Err(FormatError::whole(file, "empty file: no CMF document"));
    }
    let doc = Document::parse_with_options(text, ParsingOptions::default()).map_err(|e| {
        if let roxmltree::Error::DtdDetected = e {
            // Reported at the start of the file; name the line of the DTD.
            let line = text
                .find("<!DOCTYPE")
                .map_or(1, |at| text[..at].matches('\n').count() + 1);
            return FormatError::new(
                file,
                Location::line(line),
                "a DTD (<!DOCTYPE ...>) is not allowed in a CMF file",
            );
        }
        let pos = e.pos();
        let message = e.to_string();
        let reason = message
            .strip_suffix(&format!(" at {pos}"))
            .unwrap_or(&message);
        FormatError::new(
            file,
            Location::line(pos.row as usize),
            format!("not well-formed XML: {reason}"),
        )
    })?;
    let reader = Reader { file, doc: &doc };
    reader.file()
}

/// A parsed document and the name of its file, for errors.
struct Reader<'a, 'input> {
    file: &'a str,
    doc: &'a Document<'input>,
}

/// The simple fields and the container children of an element.
struct Fields<'a, 'input> {
    /// Each field given: its value (trimmed) and line.
    values: HashMap<&'static str, (String, usize)>,
    /// The child elements of the container kind, in order.
    children: Vec<Node<'a, 'input>>,
    /// The element's own text (trimmed), outside child elements.
    text: String,
}

impl Fields<'_, '_> {
    /// A field's value, `None` when absent or empty.
    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(|(v, _)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The line of a field, if given.
    fn line(&self, name: &str) -> Option<usize> {
        self.values.get(name).map(|&(_, line)| line)
    }
}

/// The upper-case name of an element, without namespace.
fn name_of(node: Node) -> String {
    node.tag_name().name().to_ascii_uppercase()
}

impl<'a, 'input> Reader<'a, 'input> {
    fn line_of(&self, node: Node) -> usize {
        self.doc.text_pos_at(node.range().start).row as usize
    }

    fn error(&self, line: usize, field: &str, reason: impl Into<String>) -> FormatError {
        FormatError::new(self.file, Location::line_field(line, field), reason)
    }

    /// The fields of `element` among `names` (child elements of text, or
    /// attributes) and its children named `container`; any other child element
    /// is an error.
    fn fields(
        &self,
        element: Node<'a, 'input>,
        names: &[&'static str],
        container: Option<&str>,
    ) -> Result<Fields<'a, 'input>, FormatError> {
        let parent = element.tag_name().name();
        let mut fields = Fields {
            values: HashMap::new(),
            children: Vec::new(),
            text: String::new(),
        };
        let element_line = self.line_of(element);
        for attribute in element.attributes() {
            if attribute.namespace().is_some() {
                continue;
            }
            let upper = attribute.name().to_ascii_uppercase();
            if let Some(&name) = names.iter().find(|n| **n == upper) {
                self.set(
                    &mut fields,
                    name,
                    attribute.value().trim(),
                    element_line,
                    parent,
                )?;
            }
        }
        for child in element.children() {
            if child.is_text() {
                fields.text.push_str(child.text().unwrap_or_default());
                continue;
            }
            if !child.is_element() {
                continue;
            }
            let upper = name_of(child);
            let line = self.line_of(child);
            if container == Some(upper.as_str()) {
                fields.children.push(child);
            } else if let Some(&name) = names.iter().find(|n| **n == upper) {
                if let Some(inner) = child.children().find(Node::is_element) {
                    return Err(self.error(
                        self.line_of(inner),
                        name,
                        format!(
                            "<{name}> holds the element <{}>: expected text only",
                            inner.tag_name().name()
                        ),
                    ));
                }
                let value: String = child
                    .children()
                    .filter(Node::is_text)
                    .filter_map(|t| t.text())
                    .collect();
                self.set(&mut fields, name, value.trim(), line, parent)?;
            } else {
                let mut expected: Vec<&str> = names.to_vec();
                expected.extend(container);
                return Err(self.error(
                    line,
                    child.tag_name().name(),
                    format!(
                        "unexpected element <{}> in <{parent}>: expected {}",
                        child.tag_name().name(),
                        expected.join(", ")
                    ),
                ));
            }
        }
        fields.text = fields.text.trim().to_string();
        Ok(fields)
    }

    fn set(
        &self,
        fields: &mut Fields,
        name: &'static str,
        value: &str,
        line: usize,
        parent: &str,
    ) -> Result<(), FormatError> {
        if let Some(&(_, first)) = fields.values.get(name) {
            return Err(self.error(
                line,
                name,
                format!("{name} is given twice in one <{parent}> (first on line {first})"),
            ));
        }
        fields.values.insert(name, (value.to_string(), line));
        Ok(())
    }

    fn file(&self) -> Result<CmfFile, FormatError> {
        let root = self.doc.root_element();
        let root_line = self.line_of(root);
        if !root.tag_name().name().eq_ignore_ascii_case(ROOT) {
            return Err(self.error(
                root_line,
                root.tag_name().name(),
                format!(
                    "not a CODIS CMF file: the root element is <{}>, expected <{ROOT}>",
                    root.tag_name().name()
                ),
            ));
        }
        let fields = self.fields(root, &HEADER_FIELDS, Some("SPECIMEN"))?;
        if !fields.text.is_empty() {
            return Err(self.error(
                root_line,
                ROOT,
                format!("text {:?} outside any element", fields.text),
            ));
        }
        let mut header = CmfHeader::default();
        for name in HEADER_FIELDS {
            if let Some(value) = fields.get(name) {
                *header.field_mut(name) = Some(value.to_string());
            }
        }
        let mut specimens: Vec<Specimen> = Vec::with_capacity(fields.children.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for node in &fields.children {
            let specimen = self.specimen(*node)?;
            if let Some(first) = seen.insert(specimen.id.clone(), specimen.line) {
                return Err(self.error(
                    specimen.line,
                    "SPECIMENID",
                    format!(
                        "specimen {} appears twice (first on line {first})",
                        specimen.id
                    ),
                ));
            }
            specimens.push(specimen);
        }
        Ok(CmfFile { header, specimens })
    }

    /// An identifier field of a specimen, of at most `max` characters.
    fn identifier(
        &self,
        fields: &Fields,
        name: &str,
        max: usize,
        line: usize,
        what: &str,
    ) -> Result<Option<String>, FormatError> {
        let Some(value) = fields.get(name) else {
            return Ok(None);
        };
        let line = fields.line(name).unwrap_or(line);
        check_identifier(value, max)
            .map_err(|reason| self.error(line, name, format!("{what} {value:?} {reason}")))?;
        Ok(Some(value.to_string()))
    }

    fn specimen(&self, node: Node<'a, 'input>) -> Result<Specimen, FormatError> {
        let line = self.line_of(node);
        let fields = self.fields(node, &SPECIMEN_FIELDS, Some("LOCUS"))?;
        if !fields.text.is_empty() {
            return Err(self.error(
                line,
                "SPECIMEN",
                format!("text {:?} outside any element", fields.text),
            ));
        }
        let id = self
            .identifier(
                &fields,
                "SPECIMENID",
                SPECIMEN_ID_MAX_CHARS,
                line,
                "SPECIMENID",
            )?
            .ok_or_else(|| {
                self.error(
                    fields.line("SPECIMENID").unwrap_or(line),
                    "SPECIMENID",
                    "a <SPECIMEN> without SPECIMENID",
                )
            })?;
        let category = fields.get("SPECIMENCATEGORY").ok_or_else(|| {
            self.error(
                fields.line("SPECIMENCATEGORY").unwrap_or(line),
                "SPECIMENCATEGORY",
                format!("specimen {id}: no SPECIMENCATEGORY"),
            )
        })?;
        let case_id = self.identifier(
            &fields,
            "CASEID",
            CASE_ID_MAX_CHARS,
            line,
            &format!("specimen {id}: CASEID"),
        )?;
        let mut specimen = Specimen {
            line,
            id,
            case_id,
            category: category.to_string(),
            comment: fields.get("SPECIMENCOMMENT").map(str::to_string),
            sex: None,
            markers: Vec::new(),
            y: None,
        };
        let mut seen: HashMap<&'static str, usize> = HashMap::new();
        let mut y = YParts::default();
        for locus in &fields.children {
            self.locus(&mut specimen, *locus, &mut seen, &mut y)?;
        }
        if let Some(lone) = y.lone(None) {
            return Err(self.error(
                lone.line,
                &lone.field,
                format!(
                    "specimen {}, Y locus {}: {}",
                    specimen.id, lone.locus, lone.reason
                ),
            ));
        }
        Ok(specimen)
    }

    fn locus(
        &self,
        specimen: &mut Specimen,
        node: Node<'a, 'input>,
        seen: &mut HashMap<&'static str, usize>,
        y: &mut YParts,
    ) -> Result<(), FormatError> {
        let line = self.line_of(node);
        let id = specimen.id.clone();
        let fields = self.fields(node, &LOCUS_FIELDS, Some("ALLELE"))?;
        if !fields.text.is_empty() {
            return Err(self.error(
                line,
                "LOCUS",
                format!("specimen {id}: text {:?} outside any element", fields.text),
            ));
        }
        let name_line = fields.line("LOCUSNAME").unwrap_or(line);
        let Some(name) = fields.get("LOCUSNAME") else {
            return Err(self.error(
                name_line,
                "LOCUSNAME",
                format!("specimen {id}: a <LOCUS> without LOCUSNAME"),
            ));
        };
        // A Y-STR locus (DYS391 too, which autosomal kits carry).
        if let Some((locus, copy)) = ystr::Locus::parse(name) {
            let what = format!("specimen {id}, Y locus {locus}");
            y.part(0, locus, copy, line)
                .map_err(|reason| self.error(line, "LOCUS", format!("{what}: {reason}")))?;
            let calls = self.alleles(&fields, &what)?;
            let values: Vec<&str> = calls.iter().map(|(v, _, _)| v.as_str()).collect();
            // An error at the value at fault, or at the locus.
            let at = |(k, reason): (Option<usize>, String)| {
                let (line, element) = k.map_or((line, "LOCUS"), |k| (calls[k].1, calls[k].2));
                self.error(line, element, format!("{what}: {reason}"))
            };
            let call = match copy {
                None => y_call(locus, &values).map_err(at)?,
                Some(copy) => {
                    let coordinate = ystr::Coordinate {
                        locus,
                        copy: Some(copy),
                    };
                    let allele = y_copy(coordinate, &values).map_err(at)?;
                    y.pair(0, locus, copy, allele, line, "LOCUS").map_err(|e| {
                        self.error(e.line, &e.field, format!("{what}: {}", e.reason))
                    })?
                }
            };
            if let Some(call) = call {
                specimen
                    .y
                    .get_or_insert_with(ystr::Haplotype::new)
                    .insert(locus, call)
                    .map_err(|reason| self.error(line, "LOCUS", format!("{what}: {reason}")))?;
            }
            return Ok(());
        }
        let marker = canonical_marker(name).ok_or_else(|| {
            self.error(
                name_line,
                "LOCUSNAME",
                format!("specimen {id}: unknown marker {name:?}"),
            )
        })?;
        if let Some(first) = seen.insert(marker, line) {
            return Err(self.error(
                line,
                "LOCUS",
                format!("specimen {id}, marker {marker}: given twice (first on line {first})"),
            ));
        }
        let calls = self.alleles(&fields, &format!("specimen {id}, marker {marker}"))?;
        let values: Vec<&str> = calls.iter().map(|(v, _, _)| v.as_str()).collect();
        let genotype = match read_calls(marker, &values) {
            Ok(Calls::Nothing) => return Ok(()),
            Ok(Calls::Sex(sex)) => {
                specimen.sex = Some(sex);
                return Ok(());
            }
            Ok(Calls::Genotype(g)) => g,
            Err(CallError::Marker(reason)) => {
                return Err(self.error(
                    line,
                    "LOCUS",
                    format!("specimen {id}, marker {marker}: {reason}"),
                ));
            }
            Err(CallError::Allele(k, reason)) => {
                let (_, value_line, element) = &calls[k];
                return Err(self.error(
                    *value_line,
                    element,
                    format!("specimen {id}, marker {marker}: {reason}"),
                ));
            }
        };
        specimen.markers.push((marker.to_string(), genotype));
        Ok(())
    }

    /// The values of the `ALLELE` children of a locus, each with the line
    /// and element it came from; `what` names the specimen and locus in
    /// errors.
    fn alleles(
        &self,
        fields: &Fields<'a, 'input>,
        what: &str,
    ) -> Result<Vec<(String, usize, &'static str)>, FormatError> {
        let mut calls: Vec<(String, usize, &'static str)> = Vec::new();
        for allele in &fields.children {
            let allele_line = self.line_of(*allele);
            let fields = self.fields(*allele, &ALLELE_FIELDS, None)?;
            let value = match (fields.values.get("ALLELEVALUE"), fields.text.is_empty()) {
                (Some((value, value_line)), true) => (value.clone(), *value_line, "ALLELEVALUE"),
                (None, false) => (fields.text.clone(), allele_line, "ALLELE"),
                (Some(_), false) => {
                    return Err(self.error(
                        allele_line,
                        "ALLELE",
                        format!("{what}: both an ALLELEVALUE and the text {:?}", fields.text),
                    ));
                }
                (None, true) => (String::new(), allele_line, "ALLELE"),
            };
            if value.0.is_empty() {
                return Err(self.error(
                    value.1,
                    value.2,
                    format!("{what}: an <ALLELE> without a value"),
                ));
            }
            calls.push(value);
        }
        Ok(calls)
    }
}

/// Why a (trimmed, non-empty) value is not an identifier of at most `max`
/// characters (any but control characters, as the CMF 3.2 schema's strings
/// of that length), as the end of a sentence.
fn check_identifier(value: &str, max: usize) -> Result<(), String> {
    let length = value.chars().count();
    if length > max {
        return Err(format!(
            "is too long: {length} characters, at most {max} (CMF 3.2)"
        ));
    }
    if let Some(bad) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "has the control character U+{:04X}: an identifier is one line of text",
            bad as u32
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Specimen categories

/// What a specimen is to the registry, by its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecimenRole {
    /// A relative of the missing child of the case named by `CASEID`.
    Reference {
        /// The relationships the category allows. A reference registered
        /// before (by sample name) must have one of them.
        allowed: &'static [Relative],
        /// The relationship of a reference not registered before, when the
        /// category names exactly one; `None` when the category does not say
        /// which relative (the reference must then be registered first).
        new: Option<Relative>,
    },
    /// A person of unknown identity: a found child.
    Found,
}

const MOTHER: &[Relative] = &[Relative::Mother];
const FATHER: &[Relative] = &[Relative::Father];
const SIBLINGS: &[Relative] = &[
    Relative::FullSibling,
    Relative::MaternalHalfSibling,
    Relative::PaternalHalfSibling,
];
const MATERNAL: &[Relative] = &[
    Relative::MaternalHalfSibling,
    Relative::MaternalGrandmother,
    Relative::MaternalGrandfather,
    Relative::MaternalAunt,
    Relative::MaternalUncle,
];
const PATERNAL: &[Relative] = &[
    Relative::PaternalHalfSibling,
    Relative::PaternalGrandmother,
    Relative::PaternalGrandfather,
    Relative::PaternalAunt,
    Relative::PaternalUncle,
];

/// The categories [`specimen_role`] accepts, as CODIS writes them.
pub const ACCEPTED_CATEGORIES: [&str; 9] = [
    "Biological Mother",
    "Biological Father",
    "Alleged Mother",
    "Alleged Father",
    "Biological Sibling",
    "Maternal Relative",
    "Paternal Relative",
    "Unidentified Person",
    "Unidentified Human (Remains)",
];

/// The role of a specimen category (matched ignoring case, spaces and
/// punctuation), or why the registry cannot hold it.
///
/// - `Biological Mother`, `Alleged Mother`: the mother; `Biological Father`,
///   `Alleged Father`: the father (an alleged parent is the parent the family
///   names, which is what the match tests).
/// - `Biological Sibling`: a full sibling (CODIS enters half siblings as
///   maternal or paternal relatives); a reference registered before as a half
///   sibling is accepted too.
/// - `Maternal Relative`, `Paternal Relative`: a grandparent, aunt, uncle or
///   half sibling on that side. The category does not say which, so the
///   reference must have been registered before with its exact relationship
///   (`reunite import references`); the file then brings its profile.
/// - `Unidentified Person`, `Unidentified Human (Remains)`, `Unidentified
///   Human`, `Unidentified Remains`, `Unidentified Living`: a found child.
/// - Refused: `Biological Child` (a child of the missing person: the registry
///   places a missing child's parents, siblings, grandparents, aunts and
///   uncles, not its children), `Spouse` (not a blood relative of the missing
///   person), `Missing Person` (a direct reference sample of the missing
///   person: the registry matches found children against relatives only), and
///   every other category (casework and offender categories).
pub fn specimen_role(category: &str) -> Result<SpecimenRole, String> {
    let key: String = category
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let reference = |allowed: &'static [Relative], new: Option<Relative>| {
        Ok(SpecimenRole::Reference { allowed, new })
    };
    match key.as_str() {
        "biologicalmother" | "allegedmother" => reference(MOTHER, Some(Relative::Mother)),
        "biologicalfather" | "allegedfather" => reference(FATHER, Some(Relative::Father)),
        "biologicalsibling" => reference(SIBLINGS, Some(Relative::FullSibling)),
        "maternalrelative" => reference(MATERNAL, None),
        "paternalrelative" => reference(PATERNAL, None),
        "unidentifiedperson"
        | "unidentifiedhumanremains"
        | "unidentifiedhuman"
        | "unidentifiedremains"
        | "unidentifiedliving" => Ok(SpecimenRole::Found),
        "biologicalchild" => Err(format!(
            "category {category:?} is a child of the missing person; the registry places a \
             missing child's parents, siblings, grandparents, aunts and uncles, not its children"
        )),
        "spouse" => Err(format!(
            "category {category:?} is not a blood relative of the missing person; the registry \
             holds relatives who share DNA with the missing child"
        )),
        "missingperson" => Err(format!(
            "category {category:?} is a direct reference sample of the missing person; the \
             registry matches found children against relatives, not against the missing \
             person's own profile"
        )),
        _ => Err(format!(
            "category {category:?} is not one the registry can hold; it reads {}",
            ACCEPTED_CATEGORIES.join(", ")
        )),
    }
}

// ---------------------------------------------------------------------------
// Writing

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

/// Writes a CMF file (CMF 3.2 layout, in the CMF namespace) that
/// [`parse_cmf`] reads back to `cmf` (up to the specimens' lines): header
/// fields that are set, then per specimen its `CASEID` (an attribute),
/// `SPECIMENID`, `SPECIMENCATEGORY`, `SPECIMENCOMMENT`, an `AMEL` locus for a
/// known sex, a locus per marker with one allele for a homozygote and two
/// otherwise, and a locus per Y-STR locus of [`Specimen::y`] (by its
/// canonical name, a two-copy locus whole) with an allele per allele of its
/// call (one for a two-copy locus whose copies are alike, `null` for a null
/// allele); `READINGBY` is the header's `SUBMITBYUSERID` when set. Written
/// with quick-xml, two spaces of indentation per level.
///
/// Values are written as given; they should be trimmed and free of control
/// characters other than tab, line feed and carriage return (XML 1.0 cannot
/// hold the others), as every value [`parse_cmf`] returns is.
pub fn write_cmf(cmf: &CmfFile) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut writer, cmf).expect("writing to memory does not fail");
    let mut out = String::from_utf8(writer.into_inner()).expect("UTF-8 in, UTF-8 out");
    out.push('\n');
    out
}

type XmlWriter = Writer<Vec<u8>>;

fn write_document(w: &mut XmlWriter, cmf: &CmfFile) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element(ROOT)
        .with_attribute(("xmlns", CMF_NAMESPACE))
        .write_inner_content(|w| {
            for name in HEADER_FIELDS {
                if let Some(value) = cmf.header.field(name) {
                    element(w, name, value)?;
                }
            }
            let reading_by = cmf.header.submit_by_user_id.as_deref();
            for s in &cmf.specimens {
                write_specimen(w, s, reading_by)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_specimen(
    w: &mut XmlWriter,
    s: &Specimen,
    reading_by: Option<&str>,
) -> std::io::Result<()> {
    let mut specimen = w.create_element("SPECIMEN");
    if let Some(case) = &s.case_id {
        specimen = specimen.with_attribute(("CASEID", case.as_str()));
    }
    specimen.write_inner_content(|w| {
        element(w, "SPECIMENID", &s.id)?;
        element(w, "SPECIMENCATEGORY", &s.category)?;
        if let Some(comment) = &s.comment {
            element(w, "SPECIMENCOMMENT", comment)?;
        }
        let amelogenin: Option<&[&str]> = match s.sex {
            Some(Sex::Female) => Some(&["X"]),
            Some(Sex::Male) => Some(&["X", "Y"]),
            Some(Sex::Unknown) | None => None,
        };
        if let Some(calls) = amelogenin {
            locus(w, "AMEL", reading_by, calls)?;
        }
        for (marker, genotype) in &s.markers {
            let (a, b) = (genotype.first().to_string(), genotype.second().to_string());
            if genotype.is_homozygous() {
                locus(w, marker, reading_by, &[&a])?;
            } else {
                locus(w, marker, reading_by, &[&a, &b])?;
            }
        }
        for (name, call) in s.y.iter().flat_map(|y| y.calls()) {
            let alleles = y_alleles(call);
            let alleles: Vec<&str> = alleles.iter().map(String::as_str).collect();
            locus(w, name.name(), reading_by, &alleles)?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The `ALLELE` values of a Y-STR call, as the reader reads them back.
fn y_alleles(call: &ystr::Call) -> Vec<String> {
    match call {
        ystr::Call::One(a) => vec![a.to_string()],
        ystr::Call::Two(a, b) if a == b => vec![a.to_string()],
        ystr::Call::Two(a, b) => vec![a.to_string(), b.to_string()],
        ystr::Call::Null => vec!["null".to_string()],
        ystr::Call::Extra(v) => v.iter().map(ystr::Allele::to_string).collect(),
    }
}

fn locus(
    w: &mut XmlWriter,
    name: &str,
    reading_by: Option<&str>,
    alleles: &[&str],
) -> std::io::Result<()> {
    w.create_element("LOCUS").write_inner_content(|w| {
        element(w, "LOCUSNAME", name)?;
        if let Some(by) = reading_by {
            element(w, "READINGBY", by)?;
        }
        for allele in alleles {
            w.create_element("ALLELE")
                .write_inner_content(|w| element(w, "ALLELEVALUE", allele))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// `<name>value</name>`, the value escaped by quick-xml (markup characters
/// and quotes as entities, a carriage return as `&#13;`).
fn element(w: &mut XmlWriter, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinship::Allele;
    use proptest::prelude::*;

    fn g(a: &str, b: &str) -> Genotype {
        Genotype::new(a.parse().unwrap(), b.parse().unwrap())
    }

    fn at(line: usize, field: &str, reason: &str) -> FormatError {
        FormatError::new("c.xml", Location::line_field(line, field), reason)
    }

    fn err(text: &str) -> FormatError {
        parse_cmf("c.xml", text).unwrap_err()
    }

    /// The content without the lines, for round trips.
    fn content(mut cmf: CmfFile) -> CmfFile {
        for s in &mut cmf.specimens {
            s.line = 0;
        }
        cmf
    }

    /// A file as a CODIS-bound export writes it: namespace, schema location,
    /// CASEID attributes, readers and times, homozygotes as one allele.
    const REALISTIC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CODISImportFile xmlns="urn:CODISImportFile-schema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:CODISImportFile-schema CODIS-32.Appendix-B.xsd">
  <HEADERVERSION>3.2</HEADERVERSION>
  <MESSAGETYPE>Import</MESSAGETYPE>
  <DESTINATIONORI>NDIS01</DESTINATIONORI>
  <SOURCELAB>LAB042</SOURCELAB>
  <SUBMITBYUSERID>analyst7</SUBMITBYUSERID>
  <SUBMITDATETIME>2026-03-14T09:30:00</SUBMITDATETIME>
  <BATCHID>MP-2026-03</BATCHID>
  <KIT>GlobalFiler</KIT>
  <SPECIMEN CASEID="MC-7" SOURCEID="LAB042" PARTIAL="false">
    <SPECIMENID>RS-7M</SPECIMENID>
    <SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>
    <SPECIMENCOMMENT>buccal swab &amp; card</SPECIMENCOMMENT>
    <LOCUS BATCHID="MP-2026-03" KIT="GlobalFiler">
      <LOCUSNAME>D3S1358</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <READINGDATETIME>2026-03-13T16:02:11</READINGDATETIME>
      <ALLELE ALLELEREQUIRED="false"><ALLELEVALUE>15</ALLELEVALUE></ALLELE>
      <ALLELE><ALLELEVALUE>16</ALLELEVALUE></ALLELE>
    </LOCUS>
    <LOCUS>
      <LOCUSNAME>THO1</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <ALLELE><ALLELEVALUE>9.3</ALLELEVALUE></ALLELE>
    </LOCUS>
    <LOCUS>
      <LOCUSNAME>AMEL</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <ALLELE><ALLELEVALUE>X</ALLELEVALUE></ALLELE>
    </LOCUS>
    <LOCUS>
      <LOCUSNAME>Penta D</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
    </LOCUS>
  </SPECIMEN>
  <SPECIMEN>
    <SPECIMENID>UP-2026-001</SPECIMENID>
    <SPECIMENCATEGORY>Unidentified Person</SPECIMENCATEGORY>
    <!-- rescued child, shelter intake -->
    <LOCUS>
      <LOCUSNAME>vWA</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <ALLELE><ALLELEVALUE>17</ALLELEVALUE></ALLELE>
      <ALLELE><ALLELEVALUE>17.0</ALLELEVALUE></ALLELE>
    </LOCUS>
    <LOCUS>
      <LOCUSNAME>D3S1358</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <ALLELE><ALLELEVALUE>16</ALLELEVALUE></ALLELE>
      <ALLELE><ALLELEVALUE>15</ALLELEVALUE></ALLELE>
    </LOCUS>
    <LOCUS>
      <LOCUSNAME>AMEL</LOCUSNAME>
      <READINGBY>analyst7</READINGBY>
      <ALLELE><ALLELEVALUE>X</ALLELEVALUE></ALLELE>
      <ALLELE><ALLELEVALUE>Y</ALLELEVALUE></ALLELE>
    </LOCUS>
  </SPECIMEN>
</CODISImportFile>
"#;

    #[test]
    fn reads_a_realistic_file() {
        let cmf = parse_cmf("c.xml", REALISTIC).unwrap();
        assert_eq!(
            cmf.header,
            CmfHeader {
                header_version: Some("3.2".into()),
                message_type: Some("Import".into()),
                destination_ori: Some("NDIS01".into()),
                source_lab: Some("LAB042".into()),
                submit_by_user_id: Some("analyst7".into()),
                submit_date_time: Some("2026-03-14T09:30:00".into()),
                batch_id: Some("MP-2026-03".into()),
                kit: Some("GlobalFiler".into()),
            }
        );
        assert_eq!(
            cmf.specimens,
            vec![
                Specimen {
                    line: 11,
                    id: "RS-7M".into(),
                    case_id: Some("MC-7".into()),
                    category: "Biological Mother".into(),
                    comment: Some("buccal swab & card".into()),
                    sex: Some(Sex::Female),
                    markers: vec![
                        ("D3S1358".into(), g("15", "16")),
                        ("TH01".into(), g("9.3", "9.3")),
                    ],
                    y: None,
                },
                Specimen {
                    line: 37,
                    id: "UP-2026-001".into(),
                    case_id: None,
                    category: "Unidentified Person".into(),
                    comment: None,
                    sex: Some(Sex::Male),
                    markers: vec![
                        ("vWA".into(), g("17", "17")),
                        ("D3S1358".into(), g("15", "16")),
                    ],
                    y: None,
                },
            ]
        );
        let profile = cmf.specimens[1].profile();
        assert_eq!(profile.sample, "UP-2026-001");
        assert_eq!(profile.genotype("D3S1358"), Some(g("15", "16")));
    }

    #[test]
    fn reads_attributes_for_elements_without_namespace_in_any_case() {
        let text = "\u{feff}<codisimportfile SOURCELAB=\"LAB9\">\r\n\
            <specimen specimenid=\"RS-1\" SpecimenCategory=\"biological father\">\r\n\
            <CaseId> MC-1 </CaseId>\r\n\
            <Locus LocusName=\"PENTA_E\"><Allele>5</Allele><Allele ALLELEVALUE=\"20\"/></Locus>\r\n\
            <LOCUS><LOCUSNAME>Amelogenin</LOCUSNAME><ALLELE>x</ALLELE><ALLELE>y</ALLELE></LOCUS>\r\n\
            </specimen>\r\n\
            </codisimportfile>\r\n";
        let cmf = parse_cmf("c.xml", text).unwrap();
        assert_eq!(cmf.header.source_lab.as_deref(), Some("LAB9"));
        assert_eq!(
            cmf.specimens,
            vec![Specimen {
                line: 2,
                id: "RS-1".into(),
                case_id: Some("MC-1".into()),
                category: "biological father".into(),
                comment: None,
                sex: Some(Sex::Male),
                markers: vec![("Penta E".into(), g("5", "20"))],
                y: None,
            }]
        );
        // A file of no specimens is read as such.
        let empty = parse_cmf(
            "c.xml",
            "<CODISImportFile><KIT>Identifiler</KIT></CODISImportFile>",
        );
        assert_eq!(empty.unwrap().specimens, vec![]);
    }

    /// A one-specimen file with `loci` inside the specimen.
    fn one(loci: &str) -> String {
        format!(
            "<CODISImportFile>\n<SPECIMEN CASEID=\"MC-1\">\n<SPECIMENID>S1</SPECIMENID>\n\
             <SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>\n{loci}</SPECIMEN>\n\
             </CODISImportFile>\n"
        )
    }

    #[test]
    fn refuses_mixtures_off_ladder_unknown_loci_and_bad_calls() {
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME>\n<ALLELE><ALLELEVALUE>6</ALLELEVALUE></ALLELE>\n\
                 <ALLELE><ALLELEVALUE>7</ALLELEVALUE></ALLELE><ALLELE><ALLELEVALUE>9.3</ALLELEVALUE></ALLELE>\n\
                 </LOCUS>\n"
            )),
            at(5, "LOCUS", "specimen S1, marker TH01: 3 alleles (mixture)")
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME>\n<ALLELE><ALLELEVALUE>6</ALLELEVALUE></ALLELE>\n\
                 <ALLELE>\n<ALLELEVALUE>OL</ALLELEVALUE></ALLELE></LOCUS>\n"
            )),
            at(
                8,
                "ALLELEVALUE",
                "specimen S1, marker TH01: off-ladder allele \"OL\" (OL) cannot be used; resolve it to a sized allele first"
            )
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>FGA</LOCUSNAME><ALLELE>&gt;30</ALLELE></LOCUS>\n"
            )),
            at(
                5,
                "ALLELE",
                "specimen S1, marker FGA: \">30\" is not an allele: expected a repeat number such as \"12\" or a microvariant such as \"9.3\""
            )
        );
        assert_eq!(
            err(&one(
                "<LOCUS>\n<LOCUSNAME>D99S999</LOCUSNAME><ALLELE>6</ALLELE></LOCUS>\n"
            )),
            at(6, "LOCUSNAME", "specimen S1: unknown marker \"D99S999\"")
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME></LOCUS>\n<LOCUS><LOCUSNAME>THO1</LOCUSNAME></LOCUS>\n"
            )),
            at(
                6,
                "LOCUS",
                "specimen S1, marker TH01: given twice (first on line 5)"
            )
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>AMEL</LOCUSNAME><ALLELE>Y</ALLELE></LOCUS>\n"
            )),
            at(
                5,
                "LOCUS",
                "specimen S1, marker Amelogenin: \"Y\" is neither X,X (female) nor X,Y (male)"
            )
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME><ALLELE><ALLELEVALUE> </ALLELEVALUE></ALLELE></LOCUS>\n"
            )),
            at(
                5,
                "ALLELEVALUE",
                "specimen S1, marker TH01: an <ALLELE> without a value"
            )
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME><ALLELE>6<ALLELEVALUE>7</ALLELEVALUE></ALLELE></LOCUS>\n"
            )),
            at(
                5,
                "ALLELE",
                "specimen S1, marker TH01: both an ALLELEVALUE and the text \"6\""
            )
        );
        assert_eq!(
            err(&one("<LOCUS><ALLELE>6</ALLELE></LOCUS>\n")),
            at(5, "LOCUSNAME", "specimen S1: a <LOCUS> without LOCUSNAME")
        );
        assert_eq!(
            err(&one(
                "<LOCUS><LOCUSNAME>TH01</LOCUSNAME><SIZE>120</SIZE></LOCUS>\n"
            )),
            at(
                5,
                "SIZE",
                "unexpected element <SIZE> in <LOCUS>: expected LOCUSNAME, READINGBY, READINGDATETIME, BATCHID, KIT, ALLELE"
            )
        );
    }

    #[test]
    fn refuses_bad_structure_with_the_place() {
        assert_eq!(
            err("  \n"),
            FormatError::whole("c.xml", "empty file: no CMF document")
        );
        let broken = err("<CODISImportFile>\n<SPECIMEN>\n</SPECIMENS>\n</CODISImportFile>\n");
        assert_eq!(broken.location, Location::line(3));
        assert!(
            broken.reason.starts_with("not well-formed XML: "),
            "{broken}"
        );
        assert_eq!(
            err("<?xml version=\"1.0\"?>\n<Profiles/>"),
            at(
                2,
                "Profiles",
                "not a CODIS CMF file: the root element is <Profiles>, expected <CODISImportFile>"
            )
        );
        assert_eq!(
            err(
                "<CODISImportFile>\n<SPECIMEN>\n<SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>\n</SPECIMEN></CODISImportFile>"
            ),
            at(2, "SPECIMENID", "a <SPECIMEN> without SPECIMENID")
        );
        assert_eq!(
            err(
                "<CODISImportFile>\n<SPECIMEN>\n<SPECIMENID>S1</SPECIMENID>\n</SPECIMEN></CODISImportFile>"
            ),
            at(2, "SPECIMENCATEGORY", "specimen S1: no SPECIMENCATEGORY")
        );
        assert_eq!(
            err(
                "<CODISImportFile>\n<SPECIMEN SPECIMENID=\"S1\">\n<SPECIMENID>S2</SPECIMENID>\n</SPECIMEN></CODISImportFile>"
            ),
            at(
                3,
                "SPECIMENID",
                "SPECIMENID is given twice in one <SPECIMEN> (first on line 2)"
            )
        );
        let twice = format!(
            "<CODISImportFile>{}{}</CODISImportFile>",
            "\n<SPECIMEN SPECIMENID=\"S1\" SPECIMENCATEGORY=\"Spouse\"/>",
            "\n<SPECIMEN SPECIMENID=\"S1\" SPECIMENCATEGORY=\"Spouse\"/>"
        );
        assert_eq!(
            err(&twice),
            at(
                3,
                "SPECIMENID",
                "specimen S1 appears twice (first on line 2)"
            )
        );
        assert_eq!(
            err("<CODISImportFile>\n<SPECIMENS/></CODISImportFile>"),
            at(
                2,
                "SPECIMENS",
                "unexpected element <SPECIMENS> in <CODISImportFile>: expected HEADERVERSION, MESSAGETYPE, DESTINATIONORI, SOURCELAB, SUBMITBYUSERID, SUBMITDATETIME, BATCHID, KIT, SPECIMEN"
            )
        );
        assert_eq!(
            err("<CODISImportFile>\n<KIT><NAME>x</NAME></KIT></CODISImportFile>"),
            at(
                2,
                "KIT",
                "<KIT> holds the element <NAME>: expected text only"
            )
        );
        assert_eq!(
            err(&one("stray\n")),
            at(2, "SPECIMEN", "text \"stray\" outside any element")
        );
        // A DTD (and with it entity expansion) is not read.
        let dtd =
            err("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<CODISImportFile/>");
        assert_eq!(
            dtd,
            FormatError::new(
                "c.xml",
                Location::line(2),
                "a DTD (<!DOCTYPE ...>) is not allowed in a CMF file"
            )
        );
    }

    /// Identifiers as the CMF 3.2 schema has them: SPECIMENID 1 to 24
    /// characters of any kind, CASEID 0 to 32 with spaces; errors name the
    /// line and the field.
    #[test]
    fn identifiers_follow_the_cmf_schema() {
        let file = |specimen: &str, case: &str| {
            format!(
                "<CODISImportFile>\n<SPECIMEN>\n<SPECIMENID>{specimen}</SPECIMENID>\n\
                 <CASEID>{case}</CASEID>\n<SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>\n\
                 </SPECIMEN>\n</CODISImportFile>"
            )
        };
        let read = |specimen: &str, case: &str| {
            let cmf = parse_cmf("c.xml", &file(specimen, case)).unwrap();
            let s = &cmf.specimens[0];
            (s.id.clone(), s.case_id.clone())
        };
        // 24 characters: '#', a space, '/', 'é', '&' (written &amp;) among them.
        let want24 = "#".repeat(12) + "ab cd/é*&xyz";
        assert_eq!(want24.chars().count(), 24);
        let id24 = want24.replace('&', "&amp;");
        let case32 = "Case 2026 / Province of Y-12 #ab";
        assert_eq!(case32.chars().count(), 32);
        assert_eq!(
            read("#", case32),
            ("#".to_string(), Some(case32.to_string()))
        );
        assert_eq!(
            read(&id24, "MC-1"),
            (want24.clone(), Some("MC-1".to_string()))
        );
        // An empty CASEID is no case.
        assert_eq!(read("S 1", ""), ("S 1".to_string(), None));

        assert_eq!(
            err(&file(&format!("{id24}z"), "MC-1")),
            at(
                3,
                "SPECIMENID",
                &format!(
                    "SPECIMENID \"{want24}z\" is too long: 25 characters, at most 24 (CMF 3.2)"
                )
            )
        );
        assert_eq!(
            err(&file("S1", &format!("{case32}c"))),
            at(
                4,
                "CASEID",
                &format!(
                    "specimen S1: CASEID \"{case32}c\" is too long: 33 characters, at most 32 (CMF 3.2)"
                )
            )
        );
        assert_eq!(
            err(&file("S\t1", "MC-1")),
            at(
                3,
                "SPECIMENID",
                "SPECIMENID \"S\\t1\" has the control character U+0009: an identifier is one line of text"
            )
        );
    }

    /// Errors are at the same line whatever ends the lines (roxmltree counts
    /// LF only: a CR-only file was all line 1).
    #[test]
    fn lines_are_counted_alike_with_every_line_end() {
        let text = "<?xml version=\"1.0\"?>\n<CODISImportFile>\n<SPECIMEN>\n\
                    <SPECIMENID>S1</SPECIMENID>\n\
                    <SPECIMENCATEGORY>Biological Mother</SPECIMENCATEGORY>\n\
                    <LOCUS><LOCUSNAME>D3S1358</LOCUSNAME><ALLELE>OL</ALLELE></LOCUS>\n\
                    </SPECIMEN>\n</CODISImportFile>\n";
        let want = err(text);
        assert_eq!(want.location.line, Some(6), "{want}");
        let broken = text.replace("</SPECIMEN>", "</SPECIMENS>");
        assert_eq!(err(&broken).location.line, Some(7));
        let dtd = text.replace("<CODISImportFile>", "<!DOCTYPE x>\n<CODISImportFile>");
        assert_eq!(err(&dtd).location.line, Some(2));
        for end in ["\r\n", "\r"] {
            assert_eq!(err(&text.replace('\n', end)), want, "{end:?}");
            assert_eq!(
                err(&broken.replace('\n', end)).location.line,
                Some(7),
                "{end:?}"
            );
            assert_eq!(
                err(&dtd.replace('\n', end)).location.line,
                Some(2),
                "{end:?}"
            );
            let ok = parse_cmf("c.xml", &text.replace("OL", "15").replace('\n', end)).unwrap();
            assert_eq!(ok.specimens[0].line, 3, "{end:?}");
        }
    }

    /// A `LOCUS` of one allele per `ALLELE`.
    fn y_locus(name: &str, alleles: &[&str]) -> String {
        let alleles: String = alleles
            .iter()
            .map(|a| format!("<ALLELE><ALLELEVALUE>{a}</ALLELEVALUE></ALLELE>"))
            .collect();
        format!("<LOCUS><LOCUSNAME>{name}</LOCUSNAME>{alleles}</LOCUS>\n")
    }

    /// Y-STR loci go to the specimen's haplotype (DYS391 too), read as the
    /// genotype tables read them; a two-copy locus's copies as two `LOCUS`
    /// elements make the whole locus's call; the profile carries it and
    /// the writer writes it back.
    #[test]
    fn reads_y_loci_and_copies_into_the_haplotype() {
        let haplotype = |t: &str| ystr::Haplotype::parse(t, "test").unwrap();
        let whole = parse_cmf(
            "c.xml",
            &one(&[
                y_locus("DYS19", &["14"]),
                y_locus("TH01", &["6", "7"]),
                y_locus("DYS385", &["14", "11"]),
                y_locus("DYF387S1", &["36"]),
                y_locus("DYS391", &["10", "10.0"]),
                y_locus("DYS448", &[]),
            ]
            .concat()),
        )
        .unwrap();
        let s = &whole.specimens[0];
        let want = haplotype("DYS19=14,DYS385=11-14,DYF387S1=36,DYS391=10");
        assert_eq!(s.y.as_ref(), Some(&want));
        assert_eq!(s.markers, vec![("TH01".into(), g("6", "7"))]);
        assert_eq!(s.profile().y.as_ref(), Some(&want));
        // The long genotype table gives the same haplotype.
        let table = crate::genotypes::parse_genotypes(
            "g.csv",
            "sample,marker,allele1,allele2\nS1,DYS19,14,\nS1,DYS385,11,14\n\
             S1,DYF387S1,36,36\nS1,DYS391,10,\n",
        )
        .unwrap();
        assert_eq!(table.profiles[0].y.as_ref(), Some(&want));
        let copies = parse_cmf(
            "c.xml",
            &one(&[
                y_locus("DYS19", &["14"]),
                y_locus("TH01", &["6", "7"]),
                y_locus("DYS385b", &["14"]),
                y_locus("dys385a", &["11"]),
                y_locus("DYF387S1a", &["36"]),
                y_locus("DYF387S1b", &["36"]),
                y_locus("DYS391", &["10"]),
                y_locus("DYS448", &[]),
            ]
            .concat()),
        )
        .unwrap();
        assert_eq!(copies.specimens[0].y.as_ref(), Some(&want));
        assert_eq!(content(copies.clone()), content(whole.clone()));
        // Written whole, read back the same.
        let written = write_cmf(&copies);
        assert!(
            written.contains(
                "<LOCUSNAME>DYS385</LOCUSNAME>\n      <ALLELE>\n        <ALLELEVALUE>11</ALLELEVALUE>"
            ),
            "{written}"
        );
        assert_eq!(
            content(parse_cmf("w.xml", &written).unwrap()),
            content(copies)
        );
        // Both copies empty: untyped.
        let untyped = parse_cmf(
            "c.xml",
            &one(&[y_locus("DYS385a", &[]), y_locus("DYS385b", &[])].concat()),
        )
        .unwrap();
        assert_eq!(untyped.specimens[0].y, None);
    }

    #[test]
    fn y_loci_refused_with_the_place() {
        let both =
            "give the locus whole (DYS385) or as its two copies (DYS385a, DYS385b), not both";
        let cases: Vec<(String, FormatError)> = vec![
            (
                [y_locus("DYS385a", &["11"]), y_locus("DYS385a", &["11"])].concat(),
                at(
                    6,
                    "LOCUS",
                    "specimen S1, Y locus DYS385: DYS385a given twice (first on line 5)",
                ),
            ),
            (
                [
                    y_locus("DYS385", &["11", "14"]),
                    y_locus("DYS385b", &["14"]),
                ]
                .concat(),
                at(
                    6,
                    "LOCUS",
                    &format!(
                        "specimen S1, Y locus DYS385: DYS385b here, but DYS385 on line 5: {both}"
                    ),
                ),
            ),
            (
                [
                    y_locus("DYS385a", &["11"]),
                    y_locus("DYS19", &["14"]),
                    y_locus("DYS385", &["11", "14"]),
                ]
                .concat(),
                at(
                    7,
                    "LOCUS",
                    &format!(
                        "specimen S1, Y locus DYS385: DYS385 here, but DYS385a on line 5: {both}"
                    ),
                ),
            ),
            (
                [y_locus("DYS19", &["14"]), y_locus("DYS19", &["14"])].concat(),
                at(
                    6,
                    "LOCUS",
                    "specimen S1, Y locus DYS19: given twice (first on line 5)",
                ),
            ),
            (
                [y_locus("DYS19", &["14"]), y_locus("DYF387S1b", &["38"])].concat(),
                at(
                    6,
                    "LOCUS",
                    "specimen S1, Y locus DYF387S1: DYF387S1b without DYF387S1a: give both \
                     copies, or the locus whole (DYF387S1) with both alleles",
                ),
            ),
            (
                y_locus("DYS385a", &["11", "12"]),
                at(
                    5,
                    "LOCUS",
                    "specimen S1, Y locus DYS385: DYS385a is one copy of DYS385 and holds one \
                     allele: 2 given (11, 12); give every allele as DYS385 instead",
                ),
            ),
            (
                [y_locus("DYS385a", &["11"]), y_locus("DYS385b", &[])].concat(),
                at(
                    6,
                    "LOCUS",
                    "specimen S1, Y locus DYS385: DYS385b is empty but DYS385a is 11 on line 5: \
                     give both copies (the same allele twice for one peak), or neither",
                ),
            ),
            (
                "<LOCUS><LOCUSNAME>DYS385b</LOCUSNAME>\n<ALLELE>1x</ALLELE></LOCUS>\n".into(),
                at(
                    6,
                    "ALLELE",
                    "specimen S1, Y locus DYS385: DYS385b: \"1x\" is not a repeat number (such \
                     as 14 or 18.2)",
                ),
            ),
            (
                "<LOCUS><LOCUSNAME>DYS19</LOCUSNAME><ALLELE>14</ALLELE>\n\
                 <ALLELE><ALLELEVALUE>1x</ALLELEVALUE></ALLELE></LOCUS>\n"
                    .into(),
                at(
                    6,
                    "ALLELEVALUE",
                    "specimen S1, Y locus DYS19: \"1x\" is not a repeat number (such as 14 or \
                     18.2)",
                ),
            ),
            (
                y_locus("DYS19", &["null", "14"]),
                at(
                    5,
                    "LOCUS",
                    "specimen S1, Y locus DYS19: a null allele with other alleles (14, null): a \
                     null allele is a locus's only call",
                ),
            ),
            (
                y_locus("DYS19", &[" "]),
                at(
                    5,
                    "ALLELEVALUE",
                    "specimen S1, Y locus DYS19: an <ALLELE> without a value",
                ),
            ),
        ];
        for (loci, want) in cases {
            assert_eq!(err(&one(&loci)), want, "{loci}");
        }
    }

    #[test]
    fn the_display_names_file_line_element_and_reason() {
        let e = err(&one("<LOCUS>\n<LOCUSNAME>D99S999</LOCUSNAME></LOCUS>\n"));
        assert_eq!(
            e.to_string(),
            "c.xml:6: field \"LOCUSNAME\": specimen S1: unknown marker \"D99S999\""
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let cmf = parse_cmf("c.xml", REALISTIC).unwrap();
        let written = write_cmf(&cmf);
        let again = parse_cmf("w.xml", &written).unwrap();
        assert_eq!(content(again.clone()), content(cmf));
        assert_eq!(write_cmf(&again), written);
        assert!(written.contains("<LOCUSNAME>AMEL</LOCUSNAME>"), "{written}");
        assert!(written.contains("<SPECIMEN CASEID=\"MC-7\">"), "{written}");
        assert!(
            written.contains("<SPECIMENCOMMENT>buccal swab &amp; card</SPECIMENCOMMENT>"),
            "{written}"
        );
    }

    #[test]
    fn categories() {
        use Relative::*;
        let role = |c: &str| specimen_role(c).unwrap();
        assert_eq!(
            role("Biological Mother"),
            SpecimenRole::Reference {
                allowed: &[Mother],
                new: Some(Mother)
            }
        );
        assert_eq!(role("ALLEGED FATHER"), role("Biological Father"));
        assert_eq!(
            role("Biological Sibling"),
            SpecimenRole::Reference {
                allowed: &[FullSibling, MaternalHalfSibling, PaternalHalfSibling],
                new: Some(FullSibling)
            }
        );
        let SpecimenRole::Reference { allowed, new } = role("Maternal Relative") else {
            panic!("a reference");
        };
        assert_eq!(new, None);
        assert!(allowed.contains(&MaternalGrandmother) && !allowed.contains(&Mother));
        assert!(allowed.iter().all(|r| r.name().starts_with("maternal_")));
        let SpecimenRole::Reference { allowed, .. } = role("paternal relative") else {
            panic!("a reference");
        };
        assert!(allowed.iter().all(|r| r.name().starts_with("paternal_")));
        for found in [
            "Unidentified Person",
            "Unidentified Human (Remains)",
            "unidentified human remains",
            "Unidentified Living",
        ] {
            assert_eq!(role(found), SpecimenRole::Found, "{found}");
        }
        for accepted in ACCEPTED_CATEGORIES {
            assert!(specimen_role(accepted).is_ok(), "{accepted}");
        }
        let refused = |c: &str| specimen_role(c).unwrap_err();
        assert!(refused("Biological Child").contains("not its children"));
        assert!(refused("Spouse").contains("not a blood relative"));
        assert!(refused("Missing Person").contains("direct reference sample"));
        assert!(
            refused("Convicted Offender")
                .starts_with("category \"Convicted Offender\" is not one the registry can hold")
        );
    }

    #[test]
    fn the_example_file_reads() {
        let path = format!(
            "{}/../../data/examples/cmf-family.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        let cmf = read_cmf(Path::new(&path)).unwrap();
        let roles: Vec<SpecimenRole> = cmf
            .specimens
            .iter()
            .map(|s| specimen_role(&s.category).unwrap())
            .collect();
        assert_eq!(roles.len(), 3);
        assert!(matches!(roles[0], SpecimenRole::Reference { .. }));
        assert!(matches!(roles[1], SpecimenRole::Reference { .. }));
        assert_eq!(roles[2], SpecimenRole::Found);
        assert!(cmf.specimens.iter().all(|s| s.markers.len() >= 20));
        assert_eq!(
            content(parse_cmf("w.xml", &write_cmf(&cmf)).unwrap()),
            content(cmf)
        );
    }

    fn arb_specimen() -> impl Strategy<Value = Specimen> {
        let marker = proptest::sample::select(&crate::markers::CODIS_PENTA_22[..]);
        let allele = (1u32..500).prop_map(|t| {
            // Whole repeats mostly, microvariants sometimes.
            Allele::from_tenths(if t % 3 == 0 { t } else { t / 10 * 10 })
        });
        let loci = proptest::collection::btree_map(marker, (allele.clone(), allele), 0..8);
        (
            "[A-Za-z0-9._-]{1,24}",
            proptest::option::of("[A-Z]{2}-[0-9]{1,4}"),
            proptest::sample::select(&ACCEPTED_CATEGORIES[..]),
            proptest::option::of("[ -~]{0,30}[!-~]"),
            proptest::option::of(prop_oneof![Just(Sex::Male), Just(Sex::Female)]),
            loci,
            proptest::option::of(arb_haplotype()),
        )
            .prop_map(|(id, case_id, category, comment, sex, loci, y)| Specimen {
                line: 0,
                id,
                case_id,
                category: category.to_string(),
                comment: comment.map(|c| c.trim().to_string()),
                sex,
                markers: loci
                    .into_iter()
                    .map(|(m, (a, b))| (m.to_string(), Genotype::new(a, b)))
                    .collect(),
                y,
            })
    }

    /// A Y haplotype the reader can give: loci in any order, each a single
    /// allele, a pair (alike or not) at a two-copy locus, a null allele, or
    /// distinct alleles beyond the locus's copies (a duplication); whole
    /// repeats mostly, intermediate alleles sometimes.
    fn arb_haplotype() -> impl Strategy<Value = ystr::Haplotype> {
        use ystr::{Allele as Y, Call, Locus};
        let allele = (8i32..40, 0i32..10).prop_map(|(w, t)| Y(w * 10 + (t - 6).max(0)));
        let call = (
            0..Locus::count(),
            0u8..6,
            proptest::collection::vec(allele, 1..5),
        );
        proptest::collection::vec(call, 1..8).prop_map(|calls| {
            let mut h = ystr::Haplotype::new();
            for (i, kind, mut alleles) in calls {
                let locus = Locus::all().nth(i).expect("an index below the count");
                if h.get(locus).is_some() {
                    continue;
                }
                alleles.sort_unstable();
                alleles.dedup();
                let copies = usize::from(locus.copies());
                let call = match (kind, copies) {
                    (0, _) => Call::Null,
                    (1, _) if alleles.len() > copies => Call::Extra(alleles),
                    (_, 1) => Call::One(alleles[0]),
                    (2, _) => Call::Two(alleles[0], alleles[0]),
                    _ => Call::Two(alleles[0], *alleles.last().expect("one at least")),
                };
                h.insert(locus, call).expect("each locus once");
            }
            h
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// read(write(x)) == x for any content the reader can give.
        #[test]
        fn round_trip(
            specimens in proptest::collection::vec(arb_specimen(), 0..5),
            source_lab in proptest::option::of("[A-Z0-9]{1,10}"),
            kit in proptest::option::of("[A-Za-z0-9][A-Za-z0-9 ]{0,10}[A-Za-z0-9]"),
        ) {
            let mut seen = std::collections::HashSet::new();
            let specimens: Vec<Specimen> = specimens
                .into_iter()
                .filter(|s| seen.insert(s.id.clone()))
                .map(|mut s| {
                    if s.comment.as_deref() == Some("") {
                        s.comment = None;
                    }
                    s
                })
                .collect();
            let cmf = CmfFile {
                header: CmfHeader {
                    header_version: Some("3.2".into()),
                    message_type: Some("Import".into()),
                    source_lab,
                    kit,
                    ..CmfHeader::default()
                },
                specimens,
            };
            let back = parse_cmf("w.xml", &write_cmf(&cmf)).unwrap();
            prop_assert_eq!(content(back), cmf);
        }
    }
}
