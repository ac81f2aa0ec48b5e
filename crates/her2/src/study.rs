//! Studies: which cell lines (with modifiers) get which treatments for how long, plus
//! dose-response series and combination matrices. Read from a study file (TOML, errors name
//! the bad key) or built in (the default study), and run in parallel.

use rayon::prelude::*;
use serde::Deserialize;

use her2sim_analysis::hill::{self, HillFit};
use her2sim_analysis::synergy::{self, DoseMatrix, Model, Scores};

use crate::lab::{Condition, Lab, LabError, Prediction, Trajectory, READOUTS};
use crate::treatment::Treatment;
use crate::units::{parse_dose_series, Quantity};

/// A study file as written (`her2sim run study.toml`).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Days of treatment (default 5).
    pub days: Option<f64>,
    /// Time-course samples per day (default 8).
    pub samples_per_day: Option<usize>,
    pub cell_lines: Vec<String>,
    /// Modifier sets applied to every cell line, e.g. `[[], ["pten-loss"]]` (default `[[]]`).
    #[serde(default)]
    pub modifiers: Vec<Vec<String>>,
    /// Treatment strings (`"none"`, `"trastuzumab@10ug/mL+pertuzumab"`).
    pub treatments: Vec<String>,
    #[serde(default)]
    pub dose_response: Vec<DoseResponseEntry>,
    #[serde(default)]
    pub combination: Vec<CombinationEntry>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct DoseResponseEntry {
    pub cell_line: String,
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// One strategy name (the dose varies) — other agents can be added with `background`.
    pub treatment: String,
    /// `"1nM..10uM:12"` or `"1nM,10nM"`.
    pub doses: String,
    /// Read-out name (default `viable_cells`).
    pub readout: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CombinationEntry {
    pub cell_line: String,
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// Two strategy names (a list, so that any other length is an error, not silently cut).
    pub treatments: Vec<String>,
    /// A dose series for each (zero is added to each series as the single-agent edge).
    pub doses: Vec<String>,
    pub readout: Option<String>,
}

/// A study, checked against the catalogue.
pub struct Study {
    pub name: String,
    pub description: String,
    pub days: f64,
    pub samples: usize,
    pub conditions: Vec<Condition>,
    pub treatments: Vec<Treatment>,
    pub dose_responses: Vec<DoseResponseSpec>,
    pub combinations: Vec<CombinationSpec>,
}

pub struct DoseResponseSpec {
    pub condition: Condition,
    pub strategy: String,
    pub doses: Vec<Quantity>,
    pub readout: usize,
}

pub struct CombinationSpec {
    pub condition: Condition,
    pub strategies: [String; 2],
    pub doses: [Vec<Quantity>; 2],
    pub readout: usize,
}

/// What a study produced.
pub struct StudyResults {
    pub name: String,
    pub description: String,
    pub days: f64,
    pub conditions: Vec<Condition>,
    /// Canonical treatment strings (with doses).
    pub treatments: Vec<String>,
    /// Short names (strategies joined by " + ") for charts.
    pub treatment_names: Vec<String>,
    /// The doses of each treatment, e.g. "20 ug/mL + 5 nM".
    pub doses: Vec<String>,
    /// `[condition][treatment]`, relative to untreated at the end.
    pub predictions: Vec<Vec<Prediction>>,
    /// `[condition][treatment]`, absolute read-outs over time.
    pub trajectories: Vec<Vec<Trajectory>>,
    pub dose_responses: Vec<DoseResponseResult>,
    pub combinations: Vec<CombinationResult>,
}

pub struct DoseResponseResult {
    pub condition: Condition,
    pub strategy: String,
    pub readout: &'static str,
    pub doses: Vec<Quantity>,
    pub doses_nm: Vec<f64>,
    pub responses: Vec<f64>,
    pub fit: Result<HillFit, String>,
    /// Growth-rate inhibition of viable cells at the same doses.
    pub gr: GrMetrics,
}

/// GR metrics of a dose series (Hafner et al. 2016): the GR value at each dose, GR50 (the
/// concentration where the GR curve first falls to 0.5, interpolated in log-concentration
/// between tested doses; NaN if it never does) and GRmax (the GR value at the highest dose).
#[derive(Clone, Debug, PartialEq)]
pub struct GrMetrics {
    pub values: Vec<f64>,
    pub gr50_nm: f64,
    pub gr_max: f64,
}

impl GrMetrics {
    /// From doses (nM, ascending or not) and the GR value at each.
    pub fn of(doses_nm: &[f64], values: Vec<f64>) -> GrMetrics {
        let mut order: Vec<usize> = (0..doses_nm.len()).collect();
        order.sort_by(|&a, &b| doses_nm[a].total_cmp(&doses_nm[b]));
        let gr_max = order.last().map_or(f64::NAN, |&i| values[i]);
        let mut gr50_nm = f64::NAN;
        for w in order.windows(2) {
            let ((c0, g0), (c1, g1)) = (
                (doses_nm[w[0]], values[w[0]]),
                (doses_nm[w[1]], values[w[1]]),
            );
            if g0 > 0.5 && g1 <= 0.5 && c0 > 0.0 && c1 > 0.0 {
                let f = (g0 - 0.5) / (g0 - g1);
                gr50_nm = (c0.ln() + f * (c1.ln() - c0.ln())).exp();
                break;
            }
        }
        GrMetrics {
            values,
            gr50_nm,
            gr_max,
        }
    }
}

pub struct CombinationResult {
    pub condition: Condition,
    pub strategies: [String; 2],
    pub readout: &'static str,
    /// Dose series in nM, each starting with 0.
    pub doses_nm: [Vec<f64>; 2],
    /// `response[i][j]` at `doses_nm[0][i]`, `doses_nm[1][j]` (relative to untreated).
    pub response: Vec<Vec<f64>>,
    pub scores: Vec<(&'static str, Result<Scores, String>)>,
}

impl CombinationResult {
    /// A model's per-cell scores laid out as the response matrix (`[i][j]` at
    /// `doses_nm[0][i]`, `doses_nm[1][j]`); NaN where the model gives no score (the
    /// untreated edge).
    pub fn score_matrix(&self, scores: &Scores) -> Vec<Vec<f64>> {
        self.doses_nm[0]
            .iter()
            .map(|da| {
                self.doses_nm[1]
                    .iter()
                    .map(|db| {
                        scores
                            .cells
                            .iter()
                            .find(|x| x.0 == *da && x.1 == *db)
                            .map_or(f64::NAN, |x| x.2)
                    })
                    .collect()
            })
            .collect()
    }
}

fn readout_index(name: Option<&str>, whose: &str) -> Result<usize, LabError> {
    let name = name.unwrap_or("viable_cells");
    READOUTS
        .iter()
        .position(|(n, _)| *n == name)
        .ok_or_else(|| {
            let known: Vec<&str> = READOUTS.iter().map(|(n, _)| *n).collect();
            LabError::Invalid(format!(
                "{whose}: unknown readout {name:?}; known: {}",
                known.join(", ")
            ))
        })
}

impl Study {
    /// Reads a study file's text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str, lab: &Lab) -> Result<Study, LabError> {
        let f: StudyFile =
            toml::from_str(text).map_err(|e| LabError::Invalid(format!("{file}: {e}")))?;
        Study::from_file(f, lab).map_err(|e| LabError::Invalid(format!("{file}: {e}")))
    }

    /// Checks a parsed study file against the catalogue.
    pub fn from_file(f: StudyFile, lab: &Lab) -> Result<Study, LabError> {
        let days = f.days.unwrap_or(5.0);
        if !(days.is_finite() && days > 0.0 && days <= 365.0) {
            return Err(LabError::Invalid(format!(
                "days: must be in (0, 365], got {days}"
            )));
        }
        let samples = f.samples_per_day.unwrap_or(8);
        if samples == 0 || samples > 1440 {
            return Err(LabError::Invalid(format!(
                "samples_per_day: must be 1..=1440, got {samples}"
            )));
        }
        if f.cell_lines.is_empty() {
            return Err(LabError::Invalid(
                "cell_lines: give at least one cell line".into(),
            ));
        }
        let variants = if f.modifiers.is_empty() {
            vec![Vec::new()]
        } else {
            f.modifiers.clone()
        };
        let mut conditions = Vec::new();
        for line in &f.cell_lines {
            for mods in &variants {
                let c = lab
                    .condition(line, mods)
                    .map_err(|e| LabError::Invalid(format!("cell_lines/modifiers: {e}")))?;
                if !conditions.contains(&c) {
                    conditions.push(c);
                }
            }
        }
        let mut treatments = Vec::new();
        for t in &f.treatments {
            let t = lab
                .treatment(t)
                .map_err(|e| LabError::Invalid(format!("treatments: {t:?}: {e}")))?;
            if !treatments.contains(&t) {
                treatments.push(t);
            }
        }
        if treatments.is_empty() {
            return Err(LabError::Invalid(
                "treatments: give at least one treatment".into(),
            ));
        }
        let mut dose_responses = Vec::new();
        for (i, d) in f.dose_response.iter().enumerate() {
            let w = format!("dose_response[{i}]");
            let condition = lab
                .condition(&d.cell_line, &d.modifiers)
                .map_err(|e| LabError::Invalid(format!("{w}: {e}")))?;
            let strategy = lab
                .catalogue()
                .strategy(&d.treatment)
                .map_err(|e| LabError::Invalid(format!("{w}.treatment: {e}")))?
                .id
                .clone();
            let doses = parse_dose_series(&d.doses)
                .map_err(|e| LabError::Invalid(format!("{w}.doses: {e}")))?;
            dose_responses.push(DoseResponseSpec {
                condition,
                strategy,
                doses,
                readout: readout_index(d.readout.as_deref(), &w)?,
            });
        }
        let mut combinations = Vec::new();
        for (i, c) in f.combination.iter().enumerate() {
            let w = format!("combination[{i}]");
            let condition = lab
                .condition(&c.cell_line, &c.modifiers)
                .map_err(|e| LabError::Invalid(format!("{w}: {e}")))?;
            for (key, n) in [("treatments", c.treatments.len()), ("doses", c.doses.len())] {
                if n != 2 {
                    return Err(LabError::Invalid(format!(
                        "{w}.{key}: a combination matrix takes exactly two, got {n}"
                    )));
                }
            }
            let mut ids = Vec::new();
            let mut series = Vec::new();
            for k in 0..2 {
                ids.push(
                    lab.catalogue()
                        .strategy(&c.treatments[k])
                        .map_err(|e| LabError::Invalid(format!("{w}.treatments: {e}")))?
                        .id
                        .clone(),
                );
                series.push(
                    parse_dose_series(&c.doses[k])
                        .map_err(|e| LabError::Invalid(format!("{w}.doses[{k}]: {e}")))?,
                );
            }
            let [a, b]: [String; 2] = ids.try_into().map_err(|_| LabError::Invalid(w.clone()))?;
            let [da, db]: [Vec<Quantity>; 2] = series
                .try_into()
                .map_err(|_| LabError::Invalid(w.clone()))?;
            combinations.push(CombinationSpec {
                condition,
                strategies: [a, b],
                doses: [da, db],
                readout: readout_index(c.readout.as_deref(), &w)?,
            });
        }
        Ok(Study {
            name: f.name.unwrap_or_else(|| "study".into()),
            description: f.description.unwrap_or_default(),
            days,
            samples,
            conditions,
            treatments,
            dose_responses,
            combinations,
        })
    }

    /// Number of simulations the study runs (for progress bars).
    pub fn run_count(&self) -> usize {
        self.conditions.len() * (self.treatments.len() + 1)
            + self
                .dose_responses
                .iter()
                .map(|d| d.doses.len())
                .sum::<usize>()
            + self
                .combinations
                .iter()
                .map(|c| (c.doses[0].len() + 1) * (c.doses[1].len() + 1))
                .sum::<usize>()
    }

    /// Runs everything in parallel; `tick` is called once per finished simulation.
    pub fn run(&self, lab: &Lab, tick: &(dyn Fn() + Sync)) -> Result<StudyResults, LabError> {
        let hours = self.days * 24.0;
        let steps = (self.days * self.samples as f64).round().max(1.0) as usize;
        // Steady states first (cached in the lab), one per condition.
        let mut needed: Vec<&Condition> = self.conditions.iter().collect();
        needed.extend(self.dose_responses.iter().map(|d| &d.condition));
        needed.extend(self.combinations.iter().map(|c| &c.condition));
        needed
            .par_iter()
            .try_for_each(|c| lab.steady_state(c).map(|_| ()))?;

        let untreated: Vec<Trajectory> = self
            .conditions
            .par_iter()
            .map(|c| {
                let t = lab.run(c, &Treatment::none(), hours, steps);
                tick();
                t
            })
            .collect::<Result<_, _>>()?;
        let pairs: Vec<(usize, usize)> = (0..self.conditions.len())
            .flat_map(|c| (0..self.treatments.len()).map(move |t| (c, t)))
            .collect();
        let runs: Vec<Trajectory> = pairs
            .par_iter()
            .map(|&(c, t)| {
                let r = lab.run(&self.conditions[c], &self.treatments[t], hours, steps);
                tick();
                r
            })
            .collect::<Result<_, _>>()?;
        let mut predictions = Vec::new();
        let mut trajectories = Vec::new();
        let mut it = runs.into_iter();
        for (c, cond) in self.conditions.iter().enumerate() {
            let base = untreated[c].last();
            let start_cells = untreated[c].values.first().map_or(f64::NAN, |v| v[0]);
            let mut prow = Vec::new();
            let mut trow = Vec::new();
            for t in &self.treatments {
                let Some(traj) = it.next() else { break };
                prow.push(Prediction::from_runs(
                    cond.clone(),
                    t.to_string(),
                    self.days,
                    traj.last(),
                    base,
                    start_cells,
                ));
                trow.push(traj);
            }
            predictions.push(prow);
            trajectories.push(trow);
        }
        let dose_responses = self
            .dose_responses
            .iter()
            .map(|d| self.dose_response(lab, d, tick))
            .collect::<Result<_, _>>()?;
        let combinations = self
            .combinations
            .iter()
            .map(|c| self.combination(lab, c, tick))
            .collect::<Result<_, _>>()?;
        Ok(StudyResults {
            name: self.name.clone(),
            description: self.description.clone(),
            days: self.days,
            conditions: self.conditions.clone(),
            treatments: self.treatments.iter().map(|t| t.to_string()).collect(),
            treatment_names: self.treatments.iter().map(Treatment::short_label).collect(),
            doses: self.treatments.iter().map(Treatment::dose_label).collect(),
            predictions,
            trajectories,
            dose_responses,
            combinations,
        })
    }

    /// Read-out `readout` relative to untreated for each treatment, and the GR value of
    /// viable cells, in parallel.
    fn relative(
        &self,
        lab: &Lab,
        cond: &Condition,
        treatments: &[Treatment],
        readout: usize,
        tick: &(dyn Fn() + Sync),
    ) -> Result<Vec<(f64, f64)>, LabError> {
        let hours = self.days * 24.0;
        let run = lab.run(cond, &Treatment::none(), hours, 1)?;
        let (start, base) = (run.values[0][0], run.last());
        treatments
            .par_iter()
            .map(|t| {
                let v = lab.run(cond, t, hours, 1)?.last();
                tick();
                Ok((
                    crate::lab::relative_readout(readout, v[readout], base[readout]),
                    crate::lab::gr_value(v[0], base[0], start),
                ))
            })
            .collect()
    }

    fn dose_response(
        &self,
        lab: &Lab,
        d: &DoseResponseSpec,
        tick: &(dyn Fn() + Sync),
    ) -> Result<DoseResponseResult, LabError> {
        let treatments = d
            .doses
            .iter()
            .map(|q| Treatment::single(&d.strategy, Some(*q), lab.catalogue(), lab.actions()))
            .collect::<Result<Vec<_>, _>>()?;
        let doses_nm: Vec<f64> = treatments
            .iter()
            .map(|t| t.components[0].concentration_nm.unwrap_or(f64::NAN))
            .collect();
        let (responses, gr_values): (Vec<f64>, Vec<f64>) = self
            .relative(lab, &d.condition, &treatments, d.readout, tick)?
            .into_iter()
            .unzip();
        let fit = hill::fit(&doses_nm, &responses).map_err(|e| e.to_string());
        let gr = GrMetrics::of(&doses_nm, gr_values);
        Ok(DoseResponseResult {
            condition: d.condition.clone(),
            strategy: d.strategy.clone(),
            readout: READOUTS[d.readout].0,
            doses: d.doses.clone(),
            doses_nm,
            responses,
            fit,
            gr,
        })
    }

    fn combination(
        &self,
        lab: &Lab,
        c: &CombinationSpec,
        tick: &(dyn Fn() + Sync),
    ) -> Result<CombinationResult, LabError> {
        let single = |k: usize| -> Result<Vec<(f64, Treatment)>, LabError> {
            let mut v = vec![(0.0, Treatment::none())];
            for q in &c.doses[k] {
                let t =
                    Treatment::single(&c.strategies[k], Some(*q), lab.catalogue(), lab.actions())?;
                v.push((t.components[0].concentration_nm.unwrap_or(f64::NAN), t));
            }
            Ok(v)
        };
        let (a, b) = (single(0)?, single(1)?);
        let mut grid = Vec::new();
        for (_, ta) in &a {
            for (_, tb) in &b {
                grid.push(ta.with(tb));
            }
        }
        let flat: Vec<f64> = self
            .relative(lab, &c.condition, &grid, c.readout, tick)?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let response: Vec<Vec<f64>> = flat.chunks(b.len()).map(<[f64]>::to_vec).collect();
        let mut points = Vec::new();
        for (i, (da, _)) in a.iter().enumerate() {
            for (j, (db, _)) in b.iter().enumerate() {
                points.push((*da, *db, response[i][j]));
            }
        }
        let m = DoseMatrix { points };
        let scores = score_all(&m);
        Ok(CombinationResult {
            condition: c.condition.clone(),
            strategies: c.strategies.clone(),
            readout: READOUTS[c.readout].0,
            doses_nm: [
                a.iter().map(|x| x.0).collect(),
                b.iter().map(|x| x.0).collect(),
            ],
            response,
            scores,
        })
    }
}

/// The clinically used combinations the default study includes.
pub const CLINICAL_COMBINATIONS: [&str; 8] = [
    "trastuzumab+pertuzumab",
    "trastuzumab+paclitaxel",
    "trastuzumab+pertuzumab+docetaxel",
    "lapatinib+trastuzumab",
    "trastuzumab+everolimus",
    "tucatinib+trastuzumab",
    "t-dm1+pertuzumab",
    "trastuzumab+alpelisib",
];

/// Cell lines that get every resistance modifier in the default study.
pub const RESISTANCE_LINES: [&str; 2] = ["bt474", "skbr3"];

impl Study {
    /// The default study: every catalogue cell line × every single strategy at its default dose
    /// and the clinical combinations, the resistance modifiers on BT-474 and SK-BR-3, dose-response
    /// series of every concentration-dependent agent on BT-474, and dose matrices of four clinical
    /// pairs on BT-474.
    pub fn default_study(lab: &Lab) -> Result<Study, LabError> {
        let cat = lab.catalogue();
        let mut conditions: Vec<Condition> = Vec::new();
        for line in cat.cell_lines() {
            conditions.push(lab.condition(&line.id, &[])?);
        }
        for line in RESISTANCE_LINES {
            for m in cat.modifiers() {
                conditions.push(lab.condition(line, std::slice::from_ref(&m.id))?);
            }
        }
        let mut treatments = Vec::new();
        for s in cat.strategies() {
            treatments.push(lab.treatment(&s.id)?);
        }
        for c in CLINICAL_COMBINATIONS {
            treatments.push(lab.treatment(c)?);
        }
        let bt474 = lab.condition("bt474", &[])?;
        let mut dose_responses = Vec::new();
        for s in cat.strategies() {
            let t = lab.treatment(&s.id)?;
            let Some(q) = t.components[0].dose else {
                continue;
            };
            // Nine doses from 1/1000 to 10x the default dose.
            let doses = half_decades(q, -3.0, 9);
            dose_responses.push(DoseResponseSpec {
                condition: bt474.clone(),
                strategy: s.id.clone(),
                doses,
                readout: 0,
            });
        }
        let mut combinations = Vec::new();
        for (a, b) in [
            ("trastuzumab", "pertuzumab"),
            ("trastuzumab", "paclitaxel"),
            ("lapatinib", "trastuzumab"),
            ("trastuzumab", "everolimus"),
        ] {
            let series = |id: &str| -> Result<Vec<Quantity>, LabError> {
                let t = lab.treatment(id)?;
                let q = t.components[0]
                    .dose
                    .ok_or_else(|| LabError::Invalid(format!("{id} has no dose")))?;
                // Five doses from 1/100 of the default to the default.
                Ok(half_decades(q, -2.0, 5))
            };
            combinations.push(CombinationSpec {
                condition: bt474.clone(),
                strategies: [a.to_string(), b.to_string()],
                doses: [series(a)?, series(b)?],
                readout: 0,
            });
        }
        Ok(Study {
            name: "default study".into(),
            description: "Every catalogue cell line under every single strategy at its documented default dose and the clinically used combinations; resistance modifiers on BT-474 and SK-BR-3.".into(),
            days: 5.0,
            samples: 8,
            conditions,
            treatments,
            dose_responses,
            combinations,
        })
    }
}

/// `n` doses half a decade apart, the first at `q x 10^first_decade`.
fn half_decades(q: Quantity, first_decade: f64, n: usize) -> Vec<Quantity> {
    (0..n)
        .map(|i| Quantity {
            value: q.value * 10f64.powf(first_decade + 0.5 * i as f64),
            unit: q.unit,
        })
        .collect()
}

/// Every synergy model's scores of a dose matrix (HSA, Bliss, Loewe, ZIP), or why a model
/// cannot score it (e.g. Loewe needs five doses per agent for its single-agent fits).
pub fn score_all(m: &DoseMatrix) -> Vec<(&'static str, Result<Scores, String>)> {
    [
        ("HSA", Model::Hsa),
        ("Bliss", Model::Bliss),
        ("Loewe", Model::Loewe),
        ("ZIP", Model::Zip),
    ]
    .into_iter()
    .map(|(n, model)| (n, synergy::score(m, model).map_err(|e| e.to_string())))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::GrMetrics;

    /// GR50 interpolated in log-dose between the tested doses around 0.5; GRmax at the
    /// highest dose; never reaching 0.5 leaves GR50 undefined.
    #[test]
    fn gr_metrics_interpolate_in_log_dose() {
        let m = GrMetrics::of(&[1000.0, 1.0, 10.0, 100.0], vec![-0.2, 0.9, 0.7, 0.3]);
        // Between 10 nM (0.7) and 100 nM (0.3): halfway in log-dose, 10^1.5 nM.
        assert!((m.gr50_nm - 10f64.powf(1.5)).abs() < 1e-9, "{}", m.gr50_nm);
        assert_eq!(m.gr_max, -0.2);
        let flat = GrMetrics::of(&[1.0, 10.0], vec![0.9, 0.8]);
        assert!(flat.gr50_nm.is_nan());
    }
}
