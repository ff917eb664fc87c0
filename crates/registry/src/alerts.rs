//! Public alerts: cases whose families opted in, shown without DNA and
//! with the place rounded.

use serde::Serialize;
use sqlx::Row;

use formats::pfif::ApproxDate;
use formats::registry_csv::Date;

use crate::pfif::age_years;
use crate::store::Event;
use crate::{Registry, RegistryError, Result};

/// A public alert: no DNA, no exact place.
#[derive(Debug, Clone, Serialize)]
pub struct PublicAlert {
    pub case_id: String,
    /// The child's name, as the PFIF feed gives it.
    pub child_name: Option<String>,
    pub sex: String,
    /// The narrowest `YYYY`, `YYYY-MM` or `YYYY-MM-DD` holding the birth
    /// range (the PFIF feed's `date_of_birth`).
    pub born: Option<String>,
    /// Whole years today: at least, at most.
    pub age_years: Option<(i64, i64)>,
    pub missing_date: Option<String>,
    pub approximate_place: Option<String>,
    pub description: Option<String>,
}

impl Registry {
    /// Opt a case in or out of the public alerts.
    pub async fn set_public_alert(&self, actor: &str, case_id: &str, on: bool) -> Result<()> {
        self.audited(async |tx| {
            let n = sqlx::query("UPDATE cases SET public_alert = $1 WHERE case_id = $2")
                .bind(i64::from(on))
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
            if n.rows_affected() == 0 {
                return Err(RegistryError::not_found("case", case_id));
            }
            let event = Event {
                actor,
                action: "case.public_alert",
                target_type: "case",
                target_id: case_id,
                detail: format!("{on}"),
            };
            Ok(((), event))
        })
        .await
    }

    /// A public alert from a row with the columns case_id, child_name,
    /// child_sex, birth_from, birth_to, missing_date, missing_lat,
    /// missing_lon, description.
    pub(crate) fn public_alert_of(&self, r: &sqlx::any::AnyRow) -> Result<PublicAlert> {
        let case_id: String = r.try_get("case_id")?;
        let date = |column: &str| -> Result<Option<Date>> {
            Ok(r.try_get::<Option<String>, _>(column)?
                .and_then(|s| s.parse().ok()))
        };
        let (born, age_years) = match (date("birth_from")?, date("birth_to")?) {
            (Some(f), Some(t)) if f <= t => {
                let today = Date::today_utc();
                let (min, max) = (age_years(t, today), age_years(f, today));
                (
                    ApproxDate::covering(f, t).map(|d| d.to_string()),
                    (min >= 0).then_some((min, max)),
                )
            }
            _ => (None, None),
        };
        let (lat, lon): (Option<f64>, Option<f64>) =
            (r.try_get("missing_lat")?, r.try_get("missing_lon")?);
        Ok(PublicAlert {
            child_name: self.open_column("cases", "child_name", &case_id, r)?,
            born,
            age_years,
            sex: r.try_get("child_sex")?,
            missing_date: r.try_get("missing_date")?,
            approximate_place: lat
                .zip(lon)
                .map(|(a, b)| format!("near {:.1}, {:.1}", a, b)),
            description: self.open_column("cases", "description", &case_id, r)?,
            case_id,
        })
    }
}
