//! The HER2 model's calibration problem in PEtab v1: the network model with the laboratory's
//! drug actions written into it as rules (so each potency is a fittable parameter), the
//! curated GR data as measurements (training and validation kept in separate files), and the
//! parameters to estimate with their literature values. `her2sim calibration export` writes
//! it; `her2sim fit` (or any PEtab tool) fits it.
//!
//! How the laboratory's experiment becomes a PEtab one:
//! - **Drug actions.** Every hook a calibration drug acts on becomes an assignment rule of the
//!   drug concentrations `conc_<drug>` (nM), combined by the hook's kind exactly as
//!   [`crate::treatment`] combines them (independent inhibition, competing binders of a site,
//!   summed damage rates). The primary effect's half-maximal concentration `ec50_<drug>_<hook>`
//!   (and a damage rate's ceiling `emax_<drug>_<hook>`) is set per condition: to the estimated
//!   parameter where the drug is present, to its literature value elsewhere, so a condition
//!   only carries sensitivities for the drugs it contains.
//! - **Pre-equilibration.** Each cell line is pre-equilibrated untreated (`pre_<line>`) with
//!   growth switched off (`growth_on = 0`, so the cell count has a steady state), while
//!   `net_growth_control` tracks the untreated net growth rate (`control_tracking = 1`); the
//!   treated condition freezes it and lets the cells grow.
//! - **Observable.** The GR value after the assay time T (observableParameter1, minutes),
//!   `2^(ln(cells) / (net_growth_control * T)) - 1`, the Hafner 2016 definition with the
//!   untreated control's growth `exp(net_growth_control * T)`.

mod data;
pub mod mathml;
pub mod report;

use std::fmt::Write as _;

pub use data::{
    doubling_points, gr_curve, gr_points, DoublingPoint, GrPoint, ASSAY_H, GRID_UM,
    GRID_UM_CISPLATIN,
};

use crate::actions::{Effect, Response};
use crate::hooks::{hook, HookKind};
use crate::lab::Lab;
use crate::panel::{gene_copies, MODEL_SBML};
use mathml::{math_element, Math};

/// Cell lines of the catalogue that have GR data (held-out lines are validation by the data
/// set's split).
pub const LINES: [&str; 7] = [
    "bt474",
    "skbr3",
    "mda-mb-453",
    "mcf7",
    "mda-mb-361",
    "zr-75-1",
    "nci-n87",
];

/// Drugs with GR data in those lines.
pub const DRUGS: [&str; 12] = [
    "trastuzumab",
    "lapatinib",
    "neratinib",
    "17-aag",
    "alpelisib",
    "mk-2206",
    "everolimus",
    "trametinib",
    "paclitaxel",
    "docetaxel",
    "cisplatin",
    "doxorubicin",
];

/// Phenotype constants fitted to the data: (id, lower bound, upper bound).
pub const PHENOTYPE: [(&str, f64, f64); 7] = [
    // The maximal division rate: the doubling times (gCSI: MCF-7 30 h, MDA-MB-453 35 h) need
    // it above SK-BR-3's 37.4 h, from which the model took it (bounds: doubling 5.8 h to 4.8 d).
    ("mu_max", 1e-4, 2e-3),
    ("addiction_death_max", 1e-5, 1e-2),
    ("K_addiction", 0.01, 0.9),
    ("survival_max", 0.05, 0.99),
    ("w_prolif_erk", 0.01, 0.99),
    ("K_prolif_akt", 0.02, 20.0),
    ("K_dna_arrest", 1e-6, 1e-2),
];

/// Parameters estimated per training line: (model parameter, lower, upper bound, what,
/// reference line). Lines with the same HER2 level differ in properties the data show but
/// nobody measured:
/// - `other_drive`, the HER2-independent growth drive (other receptors, oestrogen receptor): at
///   10 µM lapatinib BT-474 dies, GR -0.63, MDA-MB-453 keeps growing, GR +0.47 (Heiser 2012,
///   gCSI); up to several times the HER2 homodimer signal of an amplified line (a first fit
///   put MCF-7 at the earlier bound of 5);
/// - `mitotic_death_fraction`, the share of cells arrested in mitosis by a taxane that die
///   rather than slip out (cell fate after antimitotics varies profoundly between lines,
///   Gascoigne & Taylor 2008 Cancer Cell 14:111): taxanes kill BT-474 (GR -0.7) but leave
///   MCF-7 growing (GR +0.1 to +0.2). Only its product with a taxane's ceiling reaches the
///   data, so the reference line (BT-474) keeps 1 and the ceilings carry the scale.
///
/// Held-out lines take the mean value of the training lines of their HER2 class.
pub const LINE_PARAMS: [(&str, f64, f64, &str, Option<&str>); 2] = [
    (
        "other_drive",
        0.0,
        20.0,
        "HER2-independent drive (nM)",
        None,
    ),
    (
        "mitotic_death_fraction",
        0.01,
        1.0,
        "share of mitotically arrested cells that die",
        Some("bt474"),
    ),
];

/// Engineered lines and the parental line whose fitted line parameters they share: the same
/// cells with a transgene (MCF-7-neo/HER2 is MCF-7 carrying a HER2 construct, catalogue).
pub const DERIVED_LINES: [(&str, &str); 1] = [("mcf7-her2", "mcf7")];

/// Whether `param` is estimated per line.
fn is_line_param(param: &str) -> bool {
    LINE_PARAMS.iter().any(|(p, ..)| *p == param)
}

/// The estimated parameter of `param` for a line.
fn line_param_id(param: &str, line: &str) -> String {
    format!("{param}_{}", sid(line))
}

/// Whether a line has training points (its line parameters are then estimated).
fn is_training_line(line: &str, points: &[GrPoint]) -> bool {
    points.iter().any(|p| p.cell_line == line && !p.validation)
}

/// The class a held-out line's parameters are predicted from: HER2-low lines (oestrogen-
/// receptor driven) or HER2-positive ones, by the catalogue's HER2 status.
fn line_class(lab: &Lab, line: &str) -> Result<bool, String> {
    let cl = lab.catalogue().cell_line(line).map_err(|e| e.to_string())?;
    Ok(cl.her2_status.starts_with("HER2-low"))
}

/// The line parameters of held-out lines predicted from a fit: each takes the mean fitted
/// value of the training lines of its class (a held-out line has no data to fit its own).
/// Returns (parameter id, value) for every held-out line and line parameter.
pub fn held_out_line_params(
    lab: &Lab,
    fitted: &std::collections::HashMap<String, f64>,
) -> Result<Vec<(String, f64)>, String> {
    let points = gr_points(&LINES, &DRUGS)?;
    let mut out = Vec::new();
    for line in LINES {
        if is_training_line(line, &points) || !points.iter().any(|p| p.cell_line == line) {
            continue;
        }
        let class = line_class(lab, line)?;
        for (param, ..) in LINE_PARAMS {
            let mut same = Vec::new();
            for other in LINES {
                if is_training_line(other, &points) && line_class(lab, other)? == class {
                    if let Some(v) = fitted.get(&line_param_id(param, other)) {
                        same.push(*v);
                    }
                }
            }
            if same.is_empty() {
                return Err(format!(
                    "no training line of {line}'s class to predict its {param} from"
                ));
            }
            out.push((
                line_param_id(param, line),
                same.iter().sum::<f64>() / same.len() as f64,
            ));
        }
    }
    Ok(out)
}

/// Line settings whose strength is one estimated parameter shared by every line that carries
/// the setting (a mutation class): (model parameter, estimated id, lower, upper bound, what).
/// A line's catalogue value is the nominal start; the condition table maps the model parameter
/// to the estimated id in the lines that set it. Estimated only if a training line sets it.
pub const SHARED_LINE_PARAMS: [(&str, &str, f64, f64, &str); 2] = [
    (
        "pik3ca_gain",
        "PIK3CA_mutant_gain",
        1.0,
        30.0,
        "factor on PI3K catalytic output in lines with an activating PIK3CA mutation",
    ),
    (
        "pten_activity",
        "PTEN_mutant_activity",
        0.001,
        1.0,
        "PTEN activity left in lines with a loss-of-function PTEN mutation",
    ),
];

/// The estimated id a line's setting of `param` maps to, if `param` is a shared line parameter
/// and the line sets it.
fn shared_line_param(lab: &Lab, line: &str, param: &str) -> Option<&'static str> {
    let (_, id, ..) = SHARED_LINE_PARAMS.iter().find(|(p, ..)| *p == param)?;
    lab.actions()
        .cell_line_settings(line)
        .iter()
        .any(|s| s.param == param)
        .then_some(*id)
}

/// Prior width of a literature potency: one decade (log10 standard deviation).
pub const POTENCY_PRIOR_SD_LOG10: f64 = 1.0;

/// Assumed starting value of the GR noise (estimated): published replicate curves of one line
/// and drug differ by 0.1-0.5 GR units (e.g. BT-474 docetaxel GRinf -0.11 and -0.71).
const SD_GR_START: f64 = 0.2;

/// Minutes per hour (model time is in minutes).
const MIN_PER_H: f64 = 60.0;

/// A written calibration problem: file names and contents.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationProblem {
    pub files: Vec<(String, String)>,
    /// Training and validation point counts.
    pub training_points: usize,
    pub validation_points: usize,
}

/// One drug effect whose potency is estimated: its current values (the laboratory's, which
/// are a previous fit's once adopted) start the fit; the literature values centre the prior and
/// the bounds.
struct Fitted<'a> {
    drug: &'a str,
    effect: &'a Effect,
    ec50_nm: f64,
    max: f64,
    lit_ec50_nm: f64,
    lit_max: f64,
}

impl Fitted<'_> {
    fn model_ec50(&self) -> String {
        format!("ec50_{}_{}", sid(self.drug), self.effect.hook)
    }
    fn model_emax(&self) -> String {
        format!("emax_{}_{}", sid(self.drug), self.effect.hook)
    }
    fn estimated_ec50(&self) -> String {
        format!("EC50_{}_{}", sid(self.drug), self.effect.hook)
    }
    fn estimated_emax(&self) -> String {
        format!("EMAX_{}_{}", sid(self.drug), self.effect.hook)
    }
    /// Damage rates have a fitted ceiling; fractions keep theirs (full inhibition = 1).
    fn fits_max(&self) -> bool {
        matches!(hook(&self.effect.hook), Some((HookKind::Rate, _)))
    }
}

/// The doubling times the problem holds: those of lines with GR points, in the data's order
/// (the measurement tables list them after the GR points; the report reads them back so).
pub(crate) fn problem_doubling_points(points: &[GrPoint]) -> Result<Vec<DoublingPoint>, String> {
    Ok(doubling_points(&LINES)?
        .into_iter()
        .filter(|d| points.iter().any(|p| p.cell_line == d.cell_line))
        .collect())
}

/// A drug id as part of an SBML identifier (`17-aag` -> `17_aag`).
pub fn sid(drug: &str) -> String {
    drug.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The concentration parameter of a drug (nM).
pub fn conc_id(drug: &str) -> String {
    format!("conc_{}", sid(drug))
}

/// The calibration problem of the built-in model and data.
pub fn build(lab: &Lab) -> Result<CalibrationProblem, String> {
    let actions = lab.actions();
    // Every concentration-dependent effect of the calibration drugs; the first of each drug is
    // the one whose potency is fitted (its main target), the others keep literature values.
    let mut effects: Vec<(&str, &Effect, bool)> = Vec::new();
    for drug in DRUGS {
        let mut first = true;
        for e in actions.effects(drug) {
            if let Response::Concentration { .. } = e.response {
                effects.push((drug, e, first));
                first = false;
            }
        }
        if first {
            return Err(format!(
                "calibration drug {drug} has no concentration effect"
            ));
        }
    }
    let fitted: Vec<Fitted> = effects
        .iter()
        .filter(|(_, _, first)| *first)
        .filter_map(
            |&(drug, effect, _)| match (&effect.response, &effect.literature) {
                (
                    Response::Concentration { ec50_nm, max, .. },
                    Response::Concentration {
                        ec50_nm: lit_ec50_nm,
                        max: lit_max,
                        ..
                    },
                ) => Some(Fitted {
                    drug,
                    effect,
                    ec50_nm: *ec50_nm,
                    max: *max,
                    lit_ec50_nm: *lit_ec50_nm,
                    lit_max: *lit_max,
                }),
                _ => None,
            },
        )
        .collect();
    let sbml = model_sbml(&effects, &fitted)?;
    let points = gr_points(&LINES, &DRUGS)?;
    let doubling = problem_doubling_points(&points)?;
    let conditions = conditions_tsv(lab, &fitted, &points, &doubling)?;
    let (training, validation): (Vec<&GrPoint>, Vec<&GrPoint>) =
        points.iter().partition(|p| !p.validation);
    let (dbl_training, dbl_validation): (Vec<&DoublingPoint>, Vec<&DoublingPoint>) =
        doubling.iter().partition(|d| !d.validation);
    let files = vec![
        (
            "her2_calibration.yaml".to_string(),
            yaml("measurements_training.tsv"),
        ),
        (
            "her2_validation.yaml".to_string(),
            yaml("measurements_validation.tsv"),
        ),
        ("model.xml".to_string(), sbml),
        ("conditions.tsv".to_string(), conditions),
        ("observables.tsv".to_string(), OBSERVABLES.to_string()),
        (
            "measurements_training.tsv".to_string(),
            measurements_tsv(&training, &dbl_training),
        ),
        (
            "measurements_validation.tsv".to_string(),
            measurements_tsv(&validation, &dbl_validation),
        ),
        (
            "parameters.tsv".to_string(),
            parameters_tsv(lab, &fitted, &points)?,
        ),
    ];
    Ok(CalibrationProblem {
        files,
        training_points: training.len() + dbl_training.len(),
        validation_points: validation.len() + dbl_validation.len(),
    })
}

fn yaml(measurements: &str) -> String {
    format!(
        "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n- condition_files:\n  - conditions.tsv\n  measurement_files:\n  - {measurements}\n  observable_files:\n  - observables.tsv\n  sbml_files:\n  - model.xml\n"
    )
}

const OBSERVABLES: &str = "observableId\tobservableName\tobservableFormula\tobservableTransformation\tnoiseFormula\tnoiseDistribution\n\
GR\tGR value of viable cells (Hafner 2016)\t2^(log(cells) / (net_growth_control * observableParameter1_GR)) - 1\tlin\tnoiseParameter1_GR\tnormal\n\
doubling_time\tuntreated doubling time (h)\tlog(2) / (net_growth_control * 60)\tlog\tnoiseParameter1_doubling_time\tnormal\n";

/// Noise of a reported doubling time on the natural-log scale (assumed): sources disagree by
/// up to a factor of 2 for one line (SK-BR-3: 73 h in gCSI, 37.4 h in Cellosaurus), ln 2 ~ 0.7
/// being about two standard deviations.
pub const DOUBLING_SD_LN: f64 = 0.35;

/// The network model with the growth switch, the control-growth tracker, the drug
/// concentrations and the rules that turn them into hook values.
fn model_sbml(effects: &[(&str, &Effect, bool)], fitted: &[Fitted]) -> Result<String, String> {
    let mut params = String::new();
    let mut param = |id: &str, value: f64, constant: bool, note: &str| {
        let _ = writeln!(
            params,
            "      <parameter id=\"{id}\" value=\"{value:?}\" constant=\"{constant}\">\n        <notes><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>calibration: {note}</p></body></notes>\n      </parameter>"
        );
    };
    param(
        "growth_on",
        1.0,
        true,
        "1 lets the cells grow, 0 holds the count (pre-equilibration)",
    );
    param(
        "control_tracking",
        0.0,
        true,
        "1 makes net_growth_control follow the net growth rate (untreated pre-equilibration), 0 freezes it",
    );
    param(
        "k_control_tracking",
        0.1,
        true,
        "per min; how fast net_growth_control follows",
    );
    param(
        "net_growth_control",
        0.0,
        false,
        "per min; the untreated net growth rate, recorded in pre-equilibration",
    );
    for drug in DRUGS {
        param(
            &conc_id(drug),
            0.0,
            true,
            &format!("nM of {drug} in the medium"),
        );
    }
    for f in fitted {
        param(
            &f.model_ec50(),
            f.ec50_nm,
            true,
            &format!(
                "nM; half-maximal concentration of {} on {} ({})",
                f.drug, f.effect.hook, f.effect.basis
            ),
        );
        if f.fits_max() {
            param(
                &f.model_emax(),
                f.max,
                true,
                &format!("per min; ceiling of {}'s {}", f.drug, f.effect.hook),
            );
        }
    }
    // Hooks the drugs act on: (hook, effects).
    let mut hooks: Vec<(&str, Vec<(&str, &Effect)>)> = Vec::new();
    for &(drug, e, _) in effects {
        match hooks.iter_mut().find(|(h, _)| *h == e.hook) {
            Some((_, list)) => list.push((drug, e)),
            None => hooks.push((e.hook.as_str(), vec![(drug, e)])),
        }
    }
    let mut rules = String::new();
    let _ = writeln!(
        rules,
        "      <rateRule variable=\"net_growth_control\">\n        {}\n      </rateRule>",
        math_element(&Math::times(vec![
            Math::ci("control_tracking"),
            Math::ci("k_control_tracking"),
            Math::minus(
                Math::minus(Math::ci("proliferation_rate"), Math::ci("apoptosis_rate")),
                Math::ci("net_growth_control")
            ),
        ]))
    );
    let mut sbml = MODEL_SBML.to_string();
    for (h, list) in &hooks {
        let rule = hook_rule(h, list, effects, fitted)?;
        let _ = writeln!(
            rules,
            "      <assignmentRule variable=\"{h}\">\n        {}\n      </assignmentRule>",
            math_element(&rule)
        );
        // The hook stops being a constant.
        let open = format!("<parameter id=\"{h}\" ");
        let start = sbml
            .find(&open)
            .ok_or_else(|| format!("model.xml: hook parameter {h} not found"))?;
        let end = start
            + sbml[start..]
                .find('>')
                .ok_or_else(|| format!("model.xml: parameter {h} is not closed"))?;
        let tag = sbml[start..end].replace("constant=\"true\"", "constant=\"false\"");
        sbml.replace_range(start..end, &tag);
    }
    // The cell count grows only when growth is on.
    let cells_rule = "<rateRule variable=\"cells\">";
    let start = sbml
        .find(cells_rule)
        .ok_or("model.xml: the rate rule of cells is missing")?;
    let end = start
        + sbml[start..]
            .find("</rateRule>")
            .ok_or("model.xml: the rate rule of cells is not closed")?;
    let growth = Math::times(vec![
        Math::ci("growth_on"),
        Math::minus(Math::ci("proliferation_rate"), Math::ci("apoptosis_rate")),
        Math::ci("cells"),
    ]);
    sbml.replace_range(
        start..end,
        &format!("{cells_rule}\n        {}\n      ", math_element(&growth)),
    );
    insert_before(&mut sbml, "    </listOfParameters>", &params)?;
    insert_before(&mut sbml, "    </listOfRules>", &rules)?;
    Ok(sbml)
}

fn insert_before(text: &mut String, marker: &str, insert: &str) -> Result<(), String> {
    let at = text
        .find(marker)
        .ok_or_else(|| format!("model.xml: {} not found", marker.trim()))?;
    text.insert_str(at, insert);
    Ok(())
}

/// A hook's value from the concentrations of the drugs acting on it, combined by its kind.
fn hook_rule(
    h: &str,
    list: &[(&str, &Effect)],
    all: &[(&str, &Effect, bool)],
    fitted: &[Fitted],
) -> Result<Math, String> {
    let (kind, _) = hook(h).ok_or_else(|| format!("{h} is not a hook"))?;
    let ec50 = |drug: &str, e: &Effect| -> Math {
        match fitted
            .iter()
            .find(|f| f.drug == drug && std::ptr::eq(f.effect, e))
        {
            Some(f) => Math::ci(&f.model_ec50()),
            None => match e.response {
                Response::Concentration { ec50_nm, .. } => Math::Cn(ec50_nm),
                Response::Fixed(_) => Math::Cn(f64::NAN),
            },
        }
    };
    let mut terms = Vec::new();
    for &(drug, e) in list {
        let Response::Concentration { hill, max, .. } = e.response else {
            continue;
        };
        let max = match fitted
            .iter()
            .find(|f| f.drug == drug && std::ptr::eq(f.effect, e))
        {
            Some(f) if f.fits_max() => Math::ci(&f.model_emax()),
            _ => Math::Cn(max),
        };
        let ratio = Math::divide(Math::ci(&conc_id(drug)), ec50(drug, e));
        let share = match &e.site {
            // Competing binders of a site: (C/K) / (1 + sum over its binders of C/K).
            Some(site) => {
                let mut load = vec![Math::Cn(1.0)];
                let mut seen: Vec<&str> = Vec::new();
                for &(d, other, _) in all {
                    if other.site.as_deref() == Some(site.as_str()) && !seen.contains(&d) {
                        seen.push(d);
                        load.push(Math::divide(Math::ci(&conc_id(d)), ec50(d, other)));
                    }
                }
                Math::divide(ratio, Math::plus(load))
            }
            None => {
                let r = Math::power(ratio, Math::Cn(hill));
                Math::divide(r.clone(), Math::plus(vec![Math::Cn(1.0), r]))
            }
        };
        terms.push(Math::times(vec![max, share]));
    }
    Ok(match kind {
        HookKind::Inhibited => Math::minus(
            Math::Cn(1.0),
            Math::times(
                terms
                    .into_iter()
                    .map(|t| Math::minus(Math::Cn(1.0), t))
                    .chain([Math::Cn(1.0)])
                    .collect(),
            ),
        ),
        HookKind::Occupancy | HookKind::Rate => {
            Math::plus(terms.into_iter().chain([Math::Cn(0.0)]).collect())
        }
        HookKind::Factor => Math::times(terms.into_iter().chain([Math::Cn(1.0)]).collect()),
        HookKind::Level => return Err(format!("hook {h} is a level, not set by a drug dose")),
    })
}

/// Condition id of a line treated with a drug at grid dose `k`.
fn condition_id(line: &str, drug: &str, k: usize) -> String {
    format!("{}__{}__{k}", sid(line), sid(drug))
}

/// Condition id of a line growing untreated (its doubling time is measured there).
fn untreated_id(line: &str) -> String {
    format!("{}__untreated", sid(line))
}

fn pre_id(line: &str) -> String {
    format!("pre_{}", sid(line))
}

/// One pre-equilibration row per line and one row per (line, drug, grid dose) with data.
fn conditions_tsv(
    lab: &Lab,
    fitted: &[Fitted],
    points: &[GrPoint],
    doubling: &[DoublingPoint],
) -> Result<String, String> {
    let actions = lab.actions();
    // Line settings: HER2 gene dose and every parameter any line sets.
    let mut line_params: Vec<String> = vec!["her2_gene_copies".into()];
    line_params.extend(LINE_PARAMS.iter().map(|(p, ..)| p.to_string()));
    for line in LINES {
        for s in actions.cell_line_settings(line) {
            if !line_params.contains(&s.param) {
                line_params.push(s.param.clone());
            }
        }
    }
    let mut header = vec!["conditionId".to_string(), "conditionName".to_string()];
    header.extend(line_params.iter().cloned());
    header.extend(["growth_on".into(), "control_tracking".into()]);
    header.extend(DRUGS.iter().map(|d| conc_id(d)));
    for f in fitted {
        header.push(f.model_ec50());
        if f.fits_max() {
            header.push(f.model_emax());
        }
    }
    let mut out = header.join("\t");
    out.push('\n');
    let default_of = |id: &str| model_value(lab, id);
    for line in LINES {
        if !points.iter().any(|p| p.cell_line == line) {
            continue;
        }
        let cl = lab.catalogue().cell_line(line).map_err(|e| e.to_string())?;
        let (_, copies) =
            gene_copies(cl).ok_or_else(|| format!("cell line {line} has no HER2 count"))?;
        let mut settings = Vec::new();
        for p in &line_params {
            let v = if p == "her2_gene_copies" {
                copies
            } else {
                match actions
                    .cell_line_settings(line)
                    .iter()
                    .find(|s| &s.param == p)
                {
                    Some(s) => s.value,
                    None => default_of(p)?,
                }
            };
            // Line parameters are estimated per line (see `LINE_PARAMS`), and the strength
            // of a line's mutation class is shared (see `SHARED_LINE_PARAMS`).
            if is_line_param(p) {
                settings.push(line_param_id(p, line));
            } else if let Some(id) = shared_line_param(lab, line, p) {
                settings.push(id.to_string());
            } else {
                settings.push(format!("{v:?}"));
            }
        }
        let row = |id: String, name: String, growth: bool, drug: Option<(&str, f64)>| -> String {
            let mut cells = vec![id, name];
            cells.extend(settings.iter().cloned());
            cells.push(if growth { "1" } else { "0" }.into());
            cells.push(if growth { "0" } else { "1" }.into());
            for d in DRUGS {
                let c = match drug {
                    Some((x, nm)) if x == d => nm,
                    _ => 0.0,
                };
                cells.push(format!("{c:?}"));
            }
            for f in fitted {
                let present = drug.is_some_and(|(x, _)| x == f.drug);
                cells.push(if present {
                    f.estimated_ec50()
                } else {
                    format!("{:?}", f.ec50_nm)
                });
                if f.fits_max() {
                    cells.push(if present {
                        f.estimated_emax()
                    } else {
                        format!("{:?}", f.max)
                    });
                }
            }
            cells.join("\t")
        };
        let _ = writeln!(
            out,
            "{}",
            row(
                pre_id(line),
                format!("{line} untreated, growth held"),
                false,
                None
            )
        );
        if doubling.iter().any(|d| d.cell_line == line) {
            let _ = writeln!(
                out,
                "{}",
                row(
                    untreated_id(line),
                    format!("{line} untreated growing"),
                    true,
                    None
                )
            );
        }
        for drug in DRUGS {
            for (k, &um) in data::grid(drug).iter().enumerate() {
                if points
                    .iter()
                    .any(|p| p.cell_line == line && p.drug == drug && p.dose_um == um)
                {
                    let _ = writeln!(
                        out,
                        "{}",
                        row(
                            condition_id(line, drug, k),
                            format!("{line} {drug} {um} uM"),
                            true,
                            Some((drug, um * 1000.0)),
                        )
                    );
                }
            }
        }
    }
    Ok(out)
}

/// GR points first, then doubling times (the report relies on this order).
fn measurements_tsv(points: &[&GrPoint], doubling: &[&DoublingPoint]) -> String {
    let mut out = "observableId\tpreequilibrationConditionId\tsimulationConditionId\tmeasurement\ttime\tobservableParameters\tnoiseParameters\tdatasetId\treplicateId\n".to_string();
    let t = ASSAY_H * MIN_PER_H;
    for p in points {
        let k = data::grid(&p.drug)
            .iter()
            .position(|&c| c == p.dose_um)
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "GR\t{}\t{}\t{:?}\t{t:?}\t{t:?}\tsd_GR\t{}\t{}",
            pre_id(&p.cell_line),
            condition_id(&p.cell_line, &p.drug, k),
            p.gr,
            p.source,
            dataset_id(&p.experiment),
        );
    }
    for d in doubling {
        let _ = writeln!(
            out,
            "doubling_time\t{}\t{}\t{:?}\t0.0\t\t{DOUBLING_SD_LN:?}\t{}\t{}",
            pre_id(&d.cell_line),
            untreated_id(&d.cell_line),
            d.hours,
            d.source,
            dataset_id(&format!("{}:{}:doubling", d.source, d.cell_line)),
        );
    }
    out
}

/// An experiment id as a PEtab identifier.
fn dataset_id(experiment: &str) -> String {
    experiment
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn parameters_tsv(lab: &Lab, fitted: &[Fitted], points: &[GrPoint]) -> Result<String, String> {
    let mut out = "parameterId\tparameterName\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\tobjectivePriorType\tobjectivePriorParameters\n".to_string();
    for f in fitted {
        let (lo, hi) = (f.lit_ec50_nm / 1e3, f.lit_ec50_nm * 1e3);
        let _ = writeln!(
            out,
            "{}\t{} half-maximal concentration on {} (nM)\tlog10\t{lo:?}\t{hi:?}\t{:?}\t1\tparameterScaleNormal\t{:?};{POTENCY_PRIOR_SD_LOG10:?}",
            f.estimated_ec50(),
            f.drug,
            f.effect.hook,
            f.ec50_nm,
            f.lit_ec50_nm.log10(),
        );
        if f.fits_max() {
            let _ = writeln!(
                out,
                "{}\t{} ceiling of {} (per min)\tlog10\t{:?}\t{:?}\t{:?}\t1\t\t",
                f.estimated_emax(),
                f.drug,
                f.effect.hook,
                f.lit_max / 100.0,
                f.lit_max * 100.0,
                f.max,
            );
        }
    }
    for (id, lo, hi) in PHENOTYPE {
        let v = model_value(lab, id)?;
        let _ = writeln!(out, "{id}\t{id}\tlog10\t{lo:?}\t{hi:?}\t{v:?}\t1\t\t");
    }
    for line in LINES {
        if !points.iter().any(|p| p.cell_line == line) {
            continue;
        }
        let training = is_training_line(line, points);
        for (param, lo, hi, what, reference) in LINE_PARAMS {
            let v = match lab
                .actions()
                .cell_line_settings(line)
                .iter()
                .find(|s| s.param == param)
            {
                Some(s) => s.value,
                None => model_value(lab, param)?,
            };
            // Held-out lines are not estimated: the report predicts theirs from the fit
            // (`held_out_line_params`); the nominal value is the catalogue's.
            let scale = if lo > 0.0 { "log10" } else { "lin" };
            let is_reference = reference == Some(line);
            let note = if is_reference {
                ", the reference line (fixed)"
            } else if training {
                ""
            } else {
                ", held out: predicted from its class"
            };
            let _ = writeln!(
                out,
                "{}\t{line} {what}{note}\t{scale}\t{lo:?}\t{hi:?}\t{v:?}\t{}\t\t",
                line_param_id(param, line),
                u8::from(training && !is_reference)
            );
        }
    }
    for (param, id, lo, hi, what) in SHARED_LINE_PARAMS {
        let carriers: Vec<&str> = LINES
            .into_iter()
            .filter(|l| points.iter().any(|p| p.cell_line == *l))
            .filter(|l| shared_line_param(lab, l, param).is_some())
            .collect();
        let Some(first) = carriers.first() else {
            continue;
        };
        let nominal = lab
            .actions()
            .cell_line_settings(first)
            .iter()
            .find(|s| s.param == param)
            .map(|s| s.value)
            .ok_or_else(|| format!("{first}: no {param} setting"))?;
        let estimate = carriers.iter().any(|l| is_training_line(l, points));
        let _ = writeln!(
            out,
            "{id}\t{what} ({})\tlog10\t{lo:?}\t{hi:?}\t{nominal:?}\t{}\t\t",
            carriers.join(", "),
            u8::from(estimate)
        );
    }
    // The noise starts where the adopted fit left it, else at the assumed value.
    let sd = crate::fitted::adopted()?
        .iter()
        .find(|f| f.id == "sd_GR")
        .map_or(SD_GR_START, |f| f.value);
    let _ = writeln!(
        out,
        "sd_GR\tGR noise standard deviation\tlog10\t0.01\t1.0\t{sd:?}\t1\t\t"
    );
    Ok(out)
}

/// A model parameter's value at the start.
fn model_value(lab: &Lab, id: &str) -> Result<f64, String> {
    let sim = lab.simulator();
    let what = |e: her2sim_engine::EngineError| format!("model.xml: {id}: {e}");
    let selector = sim.selector(id).map_err(what)?;
    let mut run = sim
        .start(&her2sim_engine::SimOptions::default())
        .map_err(what)?;
    Ok(run.sample(&[selector])[0])
}
