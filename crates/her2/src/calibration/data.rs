//! The curated GR dose-response data (`models/her2/data/`) turned into calibration points:
//! each published GR curve (Hafner 2016 sigmoid: GEC50, GRinf, Hill) evaluated on a fixed
//! concentration grid, with the training/validation split the data set fixed before fitting.
//!
//! The screens publish fitted curves, not the per-dose values (see the data README's gaps), so
//! a point here is the published fit at that dose, not a raw measurement. Only doses inside the
//! range the screens test are used (`GRID_UM`), a curve whose fit is flat (GEC50 infinite or
//! zero, Hill ~0) gives only its GRmax at the top dose, and a curve with only GRmax (HMS LINCS
//! breast-cancer profiling) gives that single point. The seeding-density study is not used (see
//! [`gr_points`]).

use std::collections::HashMap;

const EXPERIMENTS: &str = include_str!("../../../../models/her2/data/experiments.tsv");
const SUMMARY_VALUES: &str = include_str!("../../../../models/her2/data/summary_values.tsv");

/// Concentrations (µM) at which a published curve is evaluated: 1 nM to 10 µM, one per decade.
/// Assumed to lie inside every screen's tested range (HMS LINCS and gCSI screens span about
/// 1 nM to 10 µM; the data files do not carry the ranges).
pub const GRID_UM: [f64; 5] = [0.001, 0.01, 0.1, 1.0, 10.0];

/// Cisplatin is tested to higher concentrations (its published GEC50s of 15-55 µM are reached
/// with GRmax at GRinf), so its grid is shifted up a decade (assumed top dose 100 µM).
pub const GRID_UM_CISPLATIN: [f64; 5] = [0.01, 0.1, 1.0, 10.0, 100.0];

/// Assay length of every GR experiment used (72 h screens).
pub const ASSAY_H: f64 = 72.0;

/// Below this Hill coefficient a published fit is flat (the GR browser writes 0 or 0.01).
const FLAT_HILL: f64 = 0.05;

/// One calibration point: the GR value of a published curve at one concentration.
#[derive(Clone, Debug, PartialEq)]
pub struct GrPoint {
    pub experiment: String,
    pub source: String,
    pub cell_line: String,
    pub drug: String,
    pub dose_um: f64,
    pub gr: f64,
    pub validation: bool,
    /// How the value was obtained from the publication.
    pub method: &'static str,
}

/// The grid of a drug (µM).
pub fn grid(drug: &str) -> &'static [f64; 5] {
    if drug == "cisplatin" {
        &GRID_UM_CISPLATIN
    } else {
        &GRID_UM
    }
}

/// The GR value of a Hafner 2016 sigmoid at concentration `c`.
pub fn gr_curve(c: f64, gec50: f64, gr_inf: f64, hill: f64) -> f64 {
    gr_inf + (1.0 - gr_inf) / (1.0 + (c / gec50).powf(hill))
}

/// Every GR point for the cell lines in `lines` and the drugs in `drugs` (catalogue ids).
pub fn gr_points(lines: &[&str], drugs: &[&str]) -> Result<Vec<GrPoint>, String> {
    let experiments = rows(EXPERIMENTS, "experiments.tsv")?;
    let values = rows(SUMMARY_VALUES, "summary_values.tsv")?;
    let mut metrics: HashMap<&str, (String, HashMap<String, f64>)> = HashMap::new();
    for v in &values {
        let (Some(exp), Some(q), Some(x), Some(drug)) = (
            v.get("experiment_id"),
            v.get("quantity"),
            v.get("value"),
            v.get("drug"),
        ) else {
            return Err("models/her2/data/summary_values.tsv: a row misses a column".into());
        };
        // `inf`, `-inf` and numbers parse; anything else is not a metric we use.
        if let Ok(x) = x.parse::<f64>() {
            let entry = metrics
                .entry(exp.as_str())
                .or_insert_with(|| (drug.clone(), HashMap::new()));
            entry.1.insert(q.clone(), x);
        }
    }
    let mut out = Vec::new();
    for e in &experiments {
        let get = |k: &str| e.get(k).map(String::as_str).unwrap_or("");
        let id = get("experiment_id");
        let line = get("cell_line");
        let Some((drug, m)) = metrics.get(id) else {
            continue;
        };
        if !lines.contains(&line) || !drugs.contains(&drug.as_str()) {
            continue;
        }
        // Only GR screens of parental lines (72-h counts). The seeding-density study is left
        // out: its metrics lack the sigmoid, and its 84 curves of three drugs in two lines
        // would outweigh every other source.
        let duration = get("assay_duration_h");
        let readout = get("readout");
        if !(duration.is_empty() || duration == "72")
            || get("variant") != "parental"
            || !(readout == "GR" || readout == "viability")
        {
            continue;
        }
        let base = GrPoint {
            experiment: id.to_string(),
            source: get("source_id").to_string(),
            cell_line: line.to_string(),
            drug: drug.clone(),
            dose_um: 0.0,
            gr: 0.0,
            validation: get("split") == "validation",
            method: "",
        };
        let (gec50, gr_inf, hill, gr_max) = (
            m.get("GEC50").copied(),
            m.get("GRinf").copied(),
            m.get("GR_Hill").copied(),
            m.get("GRmax").copied(),
        );
        let top = grid(drug)[4];
        match (gec50, gr_inf, hill) {
            (Some(g), Some(inf), Some(h)) if g.is_finite() && g > 0.0 && h > FLAT_HILL => {
                for &c in grid(drug) {
                    out.push(GrPoint {
                        dose_um: c,
                        gr: gr_curve(c, g, inf, h),
                        method: "published GR sigmoid (GEC50, GRinf, Hill) evaluated at the dose",
                        ..base.clone()
                    });
                }
            }
            _ => {
                if let Some(gm) = gr_max.filter(|x| x.is_finite()) {
                    out.push(GrPoint {
                        dose_um: top,
                        gr: gm,
                        method: "published GRmax, placed at the grid's top dose",
                        ..base.clone()
                    });
                }
            }
        }
    }
    Ok(out)
}

/// One untreated doubling time of a line (hours), as a screen reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct DoublingPoint {
    pub cell_line: String,
    pub hours: f64,
    pub source: String,
    pub validation: bool,
}

/// The untreated doubling times of `lines`: the gCSI screen reports one per line beside its
/// dose-response rows (the GR metrics are computed from it, Hafner 2017), copied into the
/// experiment notes as `DoublingTime=<h>`. The GR value divides the treated growth by the
/// control's, so it says nothing about the growth rate itself: without these points a fit may
/// slow every line down at will. One point per line; its split follows the line's rows.
pub fn doubling_points(lines: &[&str]) -> Result<Vec<DoublingPoint>, String> {
    let mut out: Vec<DoublingPoint> = Vec::new();
    for e in rows(EXPERIMENTS, "experiments.tsv")? {
        let get = |k: &str| e.get(k).map(String::as_str).unwrap_or("");
        let line = get("cell_line");
        if get("source_id") != "gcsi2016_gr"
            || !lines.contains(&line)
            || out.iter().any(|p| p.cell_line == line)
        {
            continue;
        }
        let Some(rest) = get("notes").split("DoublingTime=").nth(1) else {
            continue;
        };
        let text: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let hours: f64 = text.parse().map_err(|_| {
            format!(
                "models/her2/data/experiments.tsv: {}: DoublingTime {text:?} is not a number",
                get("experiment_id")
            )
        })?;
        out.push(DoublingPoint {
            cell_line: line.to_string(),
            hours,
            source: "gcsi2016_gr".to_string(),
            validation: get("split") == "validation",
        });
    }
    Ok(out)
}

/// A TSV text as rows of column -> value.
fn rows(text: &str, file: &str) -> Result<Vec<HashMap<String, String>>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("models/her2/data/{file}: empty"))?
        .split('\t')
        .collect();
    Ok(lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_one_at_zero_and_halfway_at_gec50() {
        assert!((gr_curve(0.0, 0.1, -0.5, 2.0) - 1.0).abs() < 1e-12);
        assert!((gr_curve(0.1, 0.1, -0.5, 2.0) - 0.25).abs() < 1e-12);
        assert!((gr_curve(1e6, 0.1, -0.5, 2.0) + 0.5).abs() < 1e-9);
    }

    /// The gCSI doubling times of the catalogue lines (BT474 70 h, MCF7 30 h, NCIN87 70 h).
    #[test]
    fn reads_doubling_times() {
        let d = doubling_points(&["bt474", "mcf7", "nci-n87", "zr-75-1"]).unwrap();
        let h = |l: &str| d.iter().find(|p| p.cell_line == l).map(|p| p.hours);
        assert_eq!(h("bt474"), Some(70.0));
        assert_eq!(h("mcf7"), Some(30.0));
        assert_eq!(h("nci-n87"), Some(70.0));
        assert_eq!(h("zr-75-1"), None);
        assert!(d.iter().any(|p| p.cell_line == "nci-n87" && p.validation));
    }

    /// BT-474 lapatinib in gCSI (GEC50 0.32353 µM, GRinf -0.66044, Hill 1.4579) gives five
    /// training points on the grid, the one at 10 µM near the published GRmax (-0.72).
    #[test]
    fn reconstructs_a_published_curve() {
        let pts = gr_points(&["bt474"], &["lapatinib"]).unwrap();
        let gcsi: Vec<&GrPoint> = pts.iter().filter(|p| p.source == "gcsi2016_gr").collect();
        assert_eq!(gcsi.len(), 5);
        assert!(gcsi.iter().all(|p| !p.validation));
        let top = gcsi.iter().find(|p| p.dose_um == 10.0).unwrap();
        let expect = -0.66044 + 1.66044 / (1.0 + (10.0f64 / 0.32353).powf(1.4579));
        assert!((top.gr - expect).abs() < 1e-12);
        assert!((top.gr + 0.63).abs() < 0.02, "{}", top.gr);
    }
}
