//! A candidate's report as a PDF for police files and courts
//! (`/candidates/{id}/report.pdf`): what the report page says, section by
//! section, in the page's language, laid out by `pdf.rs`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::User;
use crate::i18n::Lang;
use crate::pages::{ReportTemplate, report_view};
use crate::pdf::{Document, Row, Span};
use crate::{AppError, Shared, words};

/// The PDF's route, merged beside the pages' (which it reads the report from).
pub fn router() -> Router<Shared> {
    Router::new().route("/candidates/{id}/report.pdf", get(report_pdf))
}

/// The report of candidate `id` as a PDF: private to the user who asked,
/// never stored by a browser or a proxy, and read like the page (audited).
pub(crate) async fn report_pdf(
    State(state): State<Shared>,
    User(a): User,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let view = report_view(&state, &a, lang, &id).await?;
    let pdf = document(lang, &view);
    let file = format!(
        "attachment; filename=\"reunite-report-candidate-{}.pdf\"",
        view.d.summary.id
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        pdf,
    )
        .into_response())
}

/// The report laid out: the same sections and words as `report.html`.
pub(crate) fn document(lang: Lang, v: &ReportTemplate) -> Vec<u8> {
    let d = &v.d;
    let id = d.summary.id;
    let found = d.found.found_id.as_str();
    let case = d.case.case_id.as_str();
    let colon = lang.t("common-colon");
    let mut doc = Document::new();
    let title = lang.t("report-heading");
    doc.title(&title);
    let mut case_text = case.to_string();
    if let Some(name) = &d.case.child_name {
        case_text.push_str(&format!(" ({name})"));
    }
    doc.paragraph(&[
        Span::plain(lang.t1("report-candidate", "id", id)),
        Span::plain(" · "),
        Span::plain(lang.t1("report-made", "made", &v.made)),
        Span::plain(" · "),
        Span::plain(format!("{} ", lang.t("report-found-child"))),
        Span::bold(found),
        Span::plain(" · "),
        Span::plain(format!("{} ", lang.t("report-case"))),
        Span::bold(case_text),
    ]);
    if !v.confirmed {
        doc.warning(&[
            Span::bold(lang.t("report-not-confirmed")),
            Span::plain(" "),
            Span::plain(lang.t1(
                "report-not-confirmed-detail",
                "status",
                words::review(lang, d.summary.status),
            )),
        ]);
    }
    for w in &v.same_dna {
        doc.warning(&[
            Span::plain(w.before.as_str()),
            Span::bold(w.link.as_str()),
            Span::plain(w.after.as_str()),
        ]);
    }

    doc.heading(&format!("1. {}", lang.t("report-question")));
    doc.paragraph(&[Span::plain(lang.t2(
        "report-question-text",
        "found",
        found,
        "case",
        case,
    ))]);
    doc.bullets(&[
        vec![
            Span::bold(format!("{}{colon}", lang.t("report-hypothesis-1"))),
            Span::plain(lang.t1("report-pdf-hypothesis-1-text", "found", found)),
        ],
        vec![
            Span::bold(format!("{}{colon}", lang.t("report-hypothesis-2"))),
            Span::plain(lang.t1("report-hypothesis-2-text", "found", found)),
        ],
    ]);
    let relatives: Vec<Row> = d
        .case
        .references
        .iter()
        .map(|r| Row {
            cells: vec![
                words::relationship(lang, r.relationship.as_str()),
                r.person_name.clone().unwrap_or_else(|| "—".into()),
                r.sample_name.clone(),
            ],
            warn: false,
        })
        .collect();
    doc.table(
        &[
            lang.t("report-relative"),
            lang.t("report-name"),
            lang.t("report-sample"),
        ],
        &relatives,
        &[1.0, 1.5, 1.0],
    );

    doc.heading(&format!("2. {}", lang.t("report-result")));
    doc.paragraph(&[
        Span::plain(format!("{} ", lang.t("report-lr-before"))),
        Span::bold(v.lr_text.as_str()),
        Span::plain(format!(
            " {}",
            lang.tn("report-lr-after", d.summary.markers_compared)
        )),
    ]);
    doc.paragraph(&[Span::bold(v.scale.as_str())]);
    doc.small(&[Span::plain(lang.t("report-enfsi-scale"))]);
    doc.paragraph(&[
        Span::plain(lang.t1("report-posterior-before", "found", found)),
        Span::bold(v.posterior_text.as_str()),
        Span::plain(lang.t1("report-posterior-after", "compatible", &v.compatible_cases)),
    ]);
    doc.paragraph(&[
        Span::plain(format!("{}{colon}", lang.t("report-category"))),
        Span::bold(words::category(lang, d.summary.category)),
    ]);

    doc.heading(&format!("3. {}", lang.t("report-facts")));
    let facts: Vec<Row> = v
        .facts
        .iter()
        .map(|f| Row {
            cells: vec![f.fact.clone(), f.verdict.clone(), f.detail.clone()],
            warn: f.excludes,
        })
        .collect();
    doc.table(
        &[
            lang.t("report-fact"),
            lang.t("report-verdict"),
            lang.t("report-detail"),
        ],
        &facts,
        &[1.0, 1.0, 2.2],
    );

    doc.heading(&format!("4. {}", lang.t("report-markers")));
    let mut header = vec![lang.t("report-marker"), lang.t("report-found-child-column")];
    header.extend(d.case.references.iter().map(|r| {
        format!(
            "{} ({})",
            words::relationship(lang, r.relationship.as_str()),
            r.sample_name
        )
    }));
    header.push(lang.t("report-lr"));
    let markers: Vec<Row> = v
        .markers
        .iter()
        .map(|m| {
            let mut marker = m.marker.clone();
            if m.inconsistent {
                marker.push_str(&format!(" ({})", lang.t("report-does-not-fit")));
            }
            let mut cells = vec![marker, m.child.clone()];
            cells.extend(m.references.iter().cloned());
            cells.push(m.lr.clone());
            Row {
                cells,
                warn: m.inconsistent,
            }
        })
        .collect();
    let mut weights = vec![1.3, 1.0];
    weights.extend(d.case.references.iter().map(|_| 1.0));
    weights.push(1.0);
    doc.table(&header, &markers, &weights);

    doc.heading(&format!("5. {}", lang.t("report-method")));
    doc.bullets(&[
        vec![Span::plain(words::shape(lang, d.shape.as_str()))],
        vec![Span::plain(format!(
            "{}{colon}{}",
            lang.t("report-model"),
            d.model
        ))],
        vec![Span::plain(format!(
            "{}{colon}{}",
            lang.t("report-frequencies"),
            d.frequency_database
        ))],
        vec![Span::plain(lang.t("report-exact"))],
    ]);

    doc.heading(&format!("6. {}", lang.t("report-review")));
    if v.signatures.is_empty() {
        doc.paragraph(&[Span::plain(lang.t("report-no-review"))]);
    } else {
        let rows: Vec<Row> = v
            .signatures
            .iter()
            .map(|(what, who, when)| Row {
                cells: vec![what.clone(), who.clone(), when.clone()],
                warn: false,
            })
            .collect();
        doc.table(
            &[
                lang.t("report-step"),
                lang.t("report-case-worker"),
                lang.t("report-when"),
            ],
            &rows,
            &[1.5, 1.0, 1.0],
        );
    }
    doc.paragraph(&[
        Span::plain(format!("{}{colon}", lang.t("report-status-now"))),
        Span::bold(words::review(lang, d.summary.status)),
    ]);

    let pdf_title = lang.t1("report-title", "id", id);
    doc.finish(
        &pdf_title,
        lang.tag(),
        jiff::Timestamp::now(),
        |page, pages| {
            lang.ta(
                "report-pdf-footer",
                &[("id", &id), ("page", &page), ("pages", &pages)],
            )
        },
    )
}
