//! The adopted calibration fit: `models/her2/fitted_parameters.tsv`, the table
//! `her2sim calibration report` writes from a fit (copy it there to adopt it). The laboratory
//! takes its drug potencies and ceilings, line parameters and mutation strengths from it
//! ([`crate::actions`]); `tools/build_her2_model.py` takes the phenotype constants from it into
//! the network model. Every row keeps the value it replaced (`prior`) and its interval, so each
//! parameter's provenance stays readable: sourced, fitted with an interval, or assumed.

const FITTED_TSV: &str = include_str!("../../../models/her2/fitted_parameters.tsv");

/// The header of the table, in order.
pub const HEADER: [&str; 7] = [
    "parameterId",
    "value",
    "ci95_lower",
    "ci95_upper",
    "interval",
    "prior",
    "verdict",
];

/// One adopted parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedParameter {
    pub id: String,
    pub value: f64,
    /// 95 % interval ends; `None` where the data do not bound that side.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// How the interval was found: `profile`, `Wald`, or `class mean` for a held-out line's
    /// parameter predicted from the training lines.
    pub interval: String,
    /// The value before the fit (literature or assumed).
    pub prior: f64,
    /// Identifiability verdict.
    pub verdict: String,
}

impl FittedParameter {
    /// A short provenance text: the value, its interval and what it replaced.
    pub fn provenance(&self) -> String {
        let end = |x: Option<f64>| x.map_or_else(|| "open".to_string(), |v| format!("{v:.3e}"));
        format!(
            "{:.3e} ({} 95% CI {} to {}, {}; before the fit {:.3e})",
            self.value,
            self.interval,
            end(self.lower),
            end(self.upper),
            self.verdict,
            self.prior
        )
    }
}

/// The shipped table.
pub fn adopted() -> Result<Vec<FittedParameter>, String> {
    parse(FITTED_TSV)
}

/// Parses a table with [`HEADER`]; empty interval cells mean open ends.
pub fn parse(text: &str) -> Result<Vec<FittedParameter>, String> {
    let name = "fitted_parameters.tsv";
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(Vec::new());
    };
    let cols: Vec<&str> = header.split('\t').collect();
    if cols != HEADER {
        return Err(format!(
            "{name}: header must be {}, got {header:?}",
            HEADER.join(" ")
        ));
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let row = i + 1;
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != HEADER.len() {
            return Err(format!(
                "{name}: row {row}: {} cells, expected {}",
                cells.len(),
                HEADER.len()
            ));
        }
        let number = |col: usize| -> Result<f64, String> {
            cells[col]
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{name}: row {row}, column {}: {:?} is not a finite number",
                        HEADER[col], cells[col]
                    )
                })
        };
        let end = |col: usize| -> Result<Option<f64>, String> {
            if cells[col].trim().is_empty() {
                Ok(None)
            } else {
                number(col).map(Some)
            }
        };
        out.push(FittedParameter {
            id: cells[0].trim().to_string(),
            value: number(1)?,
            lower: end(2)?,
            upper: end(3)?,
            interval: cells[4].trim().to_string(),
            prior: number(5)?,
            verdict: cells[6].trim().to_string(),
        });
    }
    Ok(out)
}

/// Writes rows as the table (the report's `fitted_parameters.tsv`).
pub fn to_tsv(rows: &[FittedParameter]) -> String {
    let mut out = HEADER.join("\t");
    out.push('\n');
    let end = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:?}"));
    for r in rows {
        out.push_str(&format!(
            "{}\t{:?}\t{}\t{}\t{}\t{:?}\t{}\n",
            r.id,
            r.value,
            end(r.lower),
            end(r.upper),
            r.interval,
            r.prior,
            r.verdict
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_bad_cells() {
        let rows = vec![FittedParameter {
            id: "EC50_lapatinib_tki_her2_inhibition".into(),
            value: 369.0,
            lower: Some(200.0),
            upper: None,
            interval: "Wald".into(),
            prior: 9.2,
            verdict: "one-sided".into(),
        }];
        assert_eq!(parse(&to_tsv(&rows)).unwrap(), rows);
        let bad = to_tsv(&rows).replace("369.0", "x");
        let e = parse(&bad).unwrap_err();
        assert!(e.contains("row 2, column value"), "{e}");
        assert!(parse("a\tb\n").unwrap_err().contains("header"));
        assert!(parse("").unwrap().is_empty());
    }
}
