//! `TRIAL.toml`, the description of a virtual trial: its setting, size, follow-up and seed,
//! and its arms as regimens written in the [`regimen`](super::regimen) grammar, each with
//! the published results it is meant to reproduce.
//!
//! ```toml
//! [trial]
//! name = "CLEOPATRA"
//! setting = "metastatic"           # "metastatic" | "neoadjuvant"
//! line = 1                         # line of therapy (default 1)
//! prior = []                       # drugs given before, e.g. ["trastuzumab", "t-dm1"]
//! patients = 1000                  # per arm (default 1000, at most MAX_PATIENTS)
//! months = 60                      # follow-up; required for metastatic trials
//! # surgery_week = 18              # neoadjuvant: week of surgery (pCR assessed there)
//! seed = 1                         # default 1
//! # purpose = "validation"         # or "calibration": how docs/trials.md uses its results
//!
//! [[arm]]
//! name = "placebo+H+D"
//! regimen = ["trastuzumab 8 mg/kg load then 6 mg/kg q3w", "docetaxel 75 mg/m2 q3w x6"]
//! [arm.published]                  # optional; every key optional
//! orr = 0.693
//! median_pfs_months = 12.4
//! hazard_ratio = 1.0               # against the first arm
//! hazard_ratio_ci = [0.5, 0.9]
//! source = "Baselga et al., NEJM 2012"
//!
//! [[arm]]                          # an arm whose patients get one of several regimens
//! name = "physician's choice"      # (treatment of physician's choice): `option` instead
//! [[arm.option]]                   # of `regimen`; shares sum to 1
//! share = 0.83
//! regimen = ["trastuzumab 6 mg/kg q3w", "vinorelbine 25 mg/m2 qw"]
//! [[arm.option]]
//! share = 0.17
//! regimen = ["vinorelbine 25 mg/m2 qw"]
//! [[arm.subgroup]]                 # optional, repeatable: a published biomarker split
//! marker = "pik3ca-h1047r"         # one of subgroups::SUBGROUP_MARKERS
//! median_pfs_positive = 10.9       # every number optional
//! median_pfs_negative = 9.8
//! # orr_positive = 0.4, orr_negative = 0.4
//! source = "Baselga 2016 Clin Cancer Res 22:3755"
//! ```
//!
//! Arms are numbered from 0 in error keys (`arm[1].regimen[0]`), as TOML arrays are.
//! Sizes are checked before anything is simulated or allocated per patient.

use std::path::Path;

use serde::Deserialize;

use super::drugs::KnownDrugs;
use super::regimen::Regimen;
use super::subgroups::PublishedSubgroup;

/// Most patients per arm: 10⁵ gives hazard-ratio intervals far narrower than any trial's,
/// and keeps one arm's state within memory.
pub const MAX_PATIENTS: i64 = 100_000;
pub const DEFAULT_PATIENTS: i64 = 1000;
/// Longest follow-up (months) and latest surgery (weeks) accepted.
pub const MAX_MONTHS: f64 = 240.0;
pub const MAX_SURGERY_WEEK: f64 = 104.0;
pub const MAX_ARMS: usize = 16;
pub const MAX_LINE: i64 = 10;
/// Larger files are not trial descriptions.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Metastatic (survival endpoints) or neoadjuvant (pathological response at surgery).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Metastatic,
    Neoadjuvant,
}

/// What a trial is used for in the clinical layer's calibration (docs/trials.md): its
/// published results either set population parameters or only check the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Calibration,
    Validation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Calibration => "calibration",
            Purpose::Validation => "validation",
        }
    }
}

/// What the trial reported for an arm.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub orr: Option<f64>,
    /// Complete responses (fraction of patients).
    pub cr: Option<f64>,
    pub median_pfs_months: Option<f64>,
    pub pfs_12_months: Option<f64>,
    pub median_os_months: Option<f64>,
    pub hazard_ratio: Option<f64>,
    pub hazard_ratio_ci: Option<[f64; 2]>,
    pub pcr: Option<f64>,
    pub source: Option<String>,
}

/// One regimen an arm gives, to `share` of its patients.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmOption {
    pub share: f64,
    /// The regimen items as written.
    pub items: Vec<String>,
    pub regimen: Regimen,
}

/// One arm, its regimens read: one option with share 1 for an arm written with `regimen`,
/// several for one written with `[[arm.option]]` (each patient gets one of them).
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    pub name: String,
    pub options: Vec<ArmOption>,
    pub published: Option<Published>,
    /// Published biomarker subgroups of this arm (at most one per marker).
    pub subgroups: Vec<PublishedSubgroup>,
}

/// A checked trial description.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub name: String,
    pub setting: Setting,
    pub line: u32,
    /// Canonical drug ids.
    pub prior: Vec<String>,
    pub patients: u32,
    pub months: Option<f64>,
    pub surgery_week: Option<f64>,
    pub seed: u64,
    /// Calibration or validation trial (optional; `validate-trials` reports it).
    pub purpose: Option<Purpose>,
    pub arms: Vec<Arm>,
}

/// Why a trial file was refused: the file, the key, the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrialFileError {
    #[error("{file}: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: {message}")]
    Toml { file: String, message: String },
    #[error("{file}: {key}: {reason}")]
    Invalid {
        file: String,
        key: String,
        reason: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    trial: RawTrial,
    #[serde(default)]
    arm: Vec<RawArm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrial {
    name: String,
    setting: Setting,
    line: Option<i64>,
    #[serde(default)]
    prior: Vec<String>,
    patients: Option<i64>,
    months: Option<f64>,
    surgery_week: Option<f64>,
    seed: Option<i64>,
    purpose: Option<Purpose>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArm {
    name: String,
    regimen: Option<Vec<String>>,
    #[serde(default)]
    option: Vec<RawOption>,
    published: Option<Published>,
    #[serde(default)]
    subgroup: Vec<PublishedSubgroup>,
}

impl Arm {
    /// The drugs any option of the arm gives, in the order written, once each.
    pub fn drugs(&self) -> Vec<String> {
        let mut drugs: Vec<String> = Vec::new();
        for item in self.options.iter().flat_map(|o| &o.regimen.items) {
            if !drugs.contains(&item.drug) {
                drugs.push(item.drug.clone());
            }
        }
        drugs
    }

    /// The regimen as written: the items of a single-regimen arm; for a mixed arm each
    /// option's items prefixed by its share ("83%: ...").
    pub fn described(&self) -> Vec<String> {
        match self.options.as_slice() {
            [one] => one.items.clone(),
            many => many
                .iter()
                .map(|o| format!("{:.0}%: {}", 100.0 * o.share, o.items.join(" + ")))
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    share: f64,
    regimen: Vec<String>,
}

/// Shares of a mixed arm must sum to 1 within this.
const SHARE_TOLERANCE: f64 = 1e-6;
/// Most regimens one arm may mix.
pub const MAX_OPTIONS: usize = 8;

impl Trial {
    /// Reads and checks `path`.
    pub fn read(path: &Path, known: &KnownDrugs) -> Result<Trial, TrialFileError> {
        let file = path.display().to_string();
        let read_err = |reason: String| TrialFileError::Read {
            file: file.clone(),
            reason,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| read_err(format!("cannot read: {e}")))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(read_err(format!(
                "{size} bytes is over the limit of {MAX_FILE_BYTES} for a trial file"
            )));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| read_err(format!("cannot read: {e}")))?;
        Trial::from_toml(&text, &file, known)
    }

    /// Reads and checks the text of a trial file; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str, known: &KnownDrugs) -> Result<Trial, TrialFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| TrialFileError::Toml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let bad = |key: &str, reason: String| TrialFileError::Invalid {
            file: file.to_string(),
            key: key.to_string(),
            reason,
        };
        let t = raw.trial;
        if t.name.trim().is_empty() {
            return Err(bad("trial.name", "is empty".into()));
        }
        let patients = t.patients.unwrap_or(DEFAULT_PATIENTS);
        if !(1..=MAX_PATIENTS).contains(&patients) {
            return Err(bad(
                "trial.patients",
                format!("{patients}: expected 1 to {MAX_PATIENTS} patients per arm"),
            ));
        }
        let line = t.line.unwrap_or(1);
        if !(1..=MAX_LINE).contains(&line) {
            return Err(bad(
                "trial.line",
                format!("{line}: expected a line of therapy from 1 to {MAX_LINE}"),
            ));
        }
        let seed = t.seed.unwrap_or(1);
        let seed = u64::try_from(seed)
            .map_err(|_| bad("trial.seed", format!("{seed}: expected a number >= 0")))?;
        if let Some(m) = t.months {
            if !(m.is_finite() && m > 0.0 && m <= MAX_MONTHS) {
                return Err(bad(
                    "trial.months",
                    format!(
                        "{m}: expected a follow-up of more than 0 and at most {MAX_MONTHS} months"
                    ),
                ));
            }
        }
        match (t.setting, t.months, t.surgery_week) {
            (Setting::Metastatic, None, _) => {
                return Err(bad(
                    "trial.months",
                    "missing: a metastatic trial needs its follow-up in months".into(),
                ))
            }
            (Setting::Metastatic, _, Some(_)) => {
                return Err(bad(
                    "trial.surgery_week",
                    "only neoadjuvant trials have surgery".into(),
                ))
            }
            (Setting::Neoadjuvant, _, None) => {
                return Err(bad(
                    "trial.surgery_week",
                    "missing: a neoadjuvant trial needs the week of surgery".into(),
                ))
            }
            (Setting::Neoadjuvant, _, Some(w))
                if !(w.is_finite() && w > 0.0 && w <= MAX_SURGERY_WEEK) =>
            {
                return Err(bad(
                    "trial.surgery_week",
                    format!("{w}: expected a week after 0 and at most {MAX_SURGERY_WEEK}"),
                ))
            }
            _ => {}
        }
        let prior =
            t.prior
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    known.resolve(p).map(str::to_string).ok_or_else(|| {
                        bad(&format!("trial.prior[{i}]"), format!("unknown drug {p:?}"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;

        if raw.arm.is_empty() {
            return Err(bad(
                "arm",
                "no [[arm]]: a trial needs at least one arm".into(),
            ));
        }
        if raw.arm.len() > MAX_ARMS {
            return Err(bad(
                "arm",
                format!("{} arms: at most {MAX_ARMS}", raw.arm.len()),
            ));
        }
        let mut arms: Vec<Arm> = Vec::with_capacity(raw.arm.len());
        for (a, arm) in raw.arm.into_iter().enumerate() {
            let key = |k: &str| format!("arm[{a}].{k}");
            let name = arm.name.trim().to_string();
            if name.is_empty() {
                return Err(bad(&key("name"), "is empty".into()));
            }
            if let Some(j) = arms.iter().position(|x| x.name == name) {
                return Err(bad(
                    &key("name"),
                    format!("{name:?} is also the name of arm[{j}]"),
                ));
            }
            // (key prefix, share, items as written) per option.
            let written: Vec<(String, f64, Vec<String>)> = match (arm.regimen, arm.option) {
                (Some(_), o) if !o.is_empty() => {
                    return Err(bad(
                        &key("option"),
                        "an arm has either `regimen` or `[[arm.option]]`, not both".into(),
                    ))
                }
                (Some(r), _) => vec![(key("regimen"), 1.0, r)],
                (None, o) if o.is_empty() => {
                    return Err(bad(
                        &key("regimen"),
                        "is missing: an arm needs `regimen` or `[[arm.option]]`".into(),
                    ))
                }
                (None, o) => {
                    if o.len() > MAX_OPTIONS {
                        return Err(bad(
                            &key("option"),
                            format!("{} options: at most {MAX_OPTIONS}", o.len()),
                        ));
                    }
                    let mut out = Vec::with_capacity(o.len());
                    for (i, opt) in o.into_iter().enumerate() {
                        if !(opt.share > 0.0 && opt.share <= 1.0) {
                            return Err(bad(
                                &key(&format!("option[{i}].share")),
                                format!("{}: expected a fraction above 0, at most 1", opt.share),
                            ));
                        }
                        out.push((key(&format!("option[{i}].regimen")), opt.share, opt.regimen));
                    }
                    let total: f64 = out.iter().map(|x| x.1).sum();
                    if (total - 1.0).abs() > SHARE_TOLERANCE {
                        return Err(bad(&key("option"), format!("shares sum to {total}, not 1")));
                    }
                    out
                }
            };
            let mut options = Vec::with_capacity(written.len());
            for (k, share, texts) in written {
                if texts.is_empty() {
                    return Err(bad(&k, "is empty: an arm needs at least one drug".into()));
                }
                let mut items = Vec::with_capacity(texts.len());
                for (r, text) in texts.iter().enumerate() {
                    let item = super::regimen::RegimenItem::parse(text, known)
                        .map_err(|e| bad(&format!("{k}[{r}]"), e.to_string()))?;
                    items.push(item);
                }
                options.push(ArmOption {
                    share,
                    items: texts,
                    regimen: Regimen { items },
                });
            }
            if let Some(p) = &arm.published {
                check_published(p)
                    .map_err(|(k, reason)| bad(&key(&format!("published.{k}")), reason))?;
            }
            for (g, sub) in arm.subgroup.iter().enumerate() {
                sub.check()
                    .map_err(|(k, reason)| bad(&key(&format!("subgroup[{g}].{k}")), reason))?;
                if let Some(h) = arm.subgroup[..g]
                    .iter()
                    .position(|x| x.marker == sub.marker)
                {
                    return Err(bad(
                        &key(&format!("subgroup[{g}].marker")),
                        format!("{:?} is also the marker of subgroup[{h}]", sub.marker),
                    ));
                }
            }
            arms.push(Arm {
                name,
                options,
                published: arm.published,
                subgroups: arm.subgroup,
            });
        }
        Ok(Trial {
            name: t.name,
            setting: t.setting,
            line: line as u32,
            prior,
            patients: patients as u32,
            months: t.months,
            surgery_week: t.surgery_week,
            seed,
            purpose: t.purpose,
            arms,
        })
    }
}

/// The published numbers must be what they claim: fractions, positive times and ratios, an
/// interval around its estimate. Returns the offending key and why.
fn check_published(p: &Published) -> Result<(), (&'static str, String)> {
    for (key, v) in [
        ("orr", p.orr),
        ("cr", p.cr),
        ("pcr", p.pcr),
        ("pfs_12_months", p.pfs_12_months),
    ] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                return Err((key, format!("{v}: expected a fraction from 0 to 1")));
            }
        }
    }
    for (key, v) in [
        ("median_pfs_months", p.median_pfs_months),
        ("median_os_months", p.median_os_months),
        ("hazard_ratio", p.hazard_ratio),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && v > 0.0) {
                return Err((key, format!("{v}: expected a positive number")));
            }
        }
    }
    if let Some([lo, hi]) = p.hazard_ratio_ci {
        let around = p.hazard_ratio.is_none_or(|hr| lo <= hr && hr <= hi);
        if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo <= hi && around) {
            return Err((
                "hazard_ratio_ci",
                format!("[{lo}, {hi}]: expected 0 < lower <= hazard_ratio <= upper"),
            ));
        }
    }
    if p.source.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(("source", "is empty".into()));
    }
    Ok(())
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
