//! Virtual patients: body size, baseline tumour burden, growth rate, HER2 class, resistance
//! genotype mix and pharmacokinetic random effects, drawn from the `[population]` table of
//! `models/her2/popPK.toml`. Every patient has its own random streams keyed by (trial seed,
//! patient index, purpose), so a patient is the same in every arm (paired arms) and at any
//! thread count.

use serde::Deserialize;

use super::poppk::{canonical, Param, EFFECTS};
use super::rng::{log_sd, Stream};
use crate::catalogue::StrategyClass;

/// Resistance modifiers of the laboratory a tumour's subclones may carry, in the order their
/// shares are drawn.
pub const RESISTANCE: [&str; 4] = ["pten-loss", "pik3ca-h1047r", "p95her2", "tdm1-resistance"];
/// Markers of a patient: the `RESISTANCE` ones, then HER2 heterogeneity.
pub const MARKERS: usize = RESISTANCE.len() + 1;
/// Index of HER2 heterogeneity among the markers.
pub const HETEROGENEOUS: usize = RESISTANCE.len();

/// Cell lines standing for the HER2 classes: BT-474 (IHC 3+, ~4.7e5 HER2/cell) and
/// MDA-MB-361 (IHC 2/3+, ~2.1e5 HER2/cell; HERmark, facts.md §1a).
pub const IHC3_LINE: &str = "bt474";
pub const IHC2_LINE: &str = "mda-mb-361";
/// The cell line standing for a HER2-low (non-amplified) clone inside a HER2-positive tumour:
/// ZR-75-1 (HER2 IHC 1+).
pub const HER2_LOW_LINE: &str = "zr-75-1";
/// Subclones of a tumour: parental, the `RESISTANCE` ones, the HER2-low one and the
/// chemotherapy-resistant one.
pub const CLONES: usize = RESISTANCE.len() + 3;
/// Index in `Patient::clones` of the HER2-low clone.
pub const HER2_LOW_CLONE: usize = RESISTANCE.len() + 1;
/// Index in `Patient::clones` of the chemotherapy-resistant clone: cells of the tumour's
/// dominant genotype on which the cytotoxic chemotherapy of a regimen has no effect
/// (trial/tumour.rs).
pub const CHEMO_RESISTANT_CLONE: usize = RESISTANCE.len() + 2;

/// Groups of drugs a patient's sensitivity is drawn for, one log-normal factor each,
/// correlated by `Numbers::sensitivity_correlation`: agents against HER2 and its pathway,
/// cytotoxic chemotherapy, and antibody-drug conjugates (HER2-targeted delivery of a
/// cytotoxic payload). Separate factors let a combination help patients through whichever of
/// its drugs their tumour responds to (independent drug action; Palmer & Sorger 2017).
pub const SENSITIVITY_GROUPS: [&str; 3] = ["targeted", "chemotherapy", "adc"];
/// Index of cytotoxic chemotherapy in `SENSITIVITY_GROUPS`.
pub const CHEMOTHERAPY_GROUP: usize = 1;
/// Index of the agents against HER2 and its pathway in `SENSITIVITY_GROUPS`.
pub const TARGETED_GROUP: usize = 0;
/// Index of the antibody-drug conjugates in `SENSITIVITY_GROUPS`.
pub const ADC_GROUP: usize = 2;

/// The sensitivity group (index into `SENSITIVITY_GROUPS`) of a strategy class.
pub fn sensitivity_group(class: StrategyClass) -> usize {
    match class {
        StrategyClass::Chemo => CHEMOTHERAPY_GROUP,
        StrategyClass::Adc => ADC_GROUP,
        StrategyClass::Antibody
        | StrategyClass::Tki
        | StrategyClass::Hsp90
        | StrategyClass::Transcriptional
        | StrategyClass::Rna
        | StrategyClass::Pi3k
        | StrategyClass::Akt
        | StrategyClass::Mtor
        | StrategyClass::Mek => TARGETED_GROUP,
    }
}

/// Marker frequencies (fractions) for one population.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frequencies {
    pub pten_loss: Param,
    pub pik3ca: Param,
    pub p95her2: Param,
    /// Tumours made mostly of cells that lose T-DM1's DM1 catabolite (ABCC1 efflux, SLC46A3
    /// loss): the `tdm1-resistance` modifier.
    pub tdm1_resistance: Param,
    /// Tumours with a HER2-low (non-amplified) region: intratumoral HER2 heterogeneity.
    pub her2_heterogeneity: Param,
}

/// The `[population]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    pub weight_median: Param,
    pub weight_cv: Param,
    pub height_mean: Param,
    pub height_sd: Param,
    pub baseline_sld_median: Param,
    pub baseline_sld_cv: Param,
    pub doubling_time_median: Param,
    pub doubling_time_cv: Param,
    pub plateau_sld: Param,
    pub ihc3_fraction: Param,
    pub minor_clone_fraction: Param,
    pub tdm1_resistant_minor_fraction: Param,
    pub chemo_resistant_minor_fraction: Param,
    pub her2_low_share_min: Param,
    pub her2_low_share_max: Param,
    pub her2_low_minor_fraction: Param,
    pub recist_detection: Param,
    pub pcr_detection: Param,
    pub effect_multiplier: Param,
    pub norton_simon_exponent: Param,
    pub effector_activity: Param,
    pub tumour_heregulin: Param,
    pub targeted_effect_factor: Param,
    pub adc_effect_factor: Param,
    pub sensitivity_cv: Param,
    pub sensitivity_correlation: Param,
    pub line_sensitivity_factor: Param,
    /// Albumin of the laboratory's medium relative to human plasma (the serum shift of the
    /// lab's potencies for highly bound drugs; poppk.rs `unbound_in_medium`).
    pub assay_albumin_ratio: Param,
    pub first_line: Frequencies,
    pub after_trastuzumab: Frequencies,
}

/// The population's numbers in canonical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numbers {
    pub weight_median: f64,
    pub weight_cv: f64,
    pub height_mean: f64,
    pub height_sd: f64,
    pub sld_median: f64,
    pub sld_cv: f64,
    /// Hours.
    pub doubling_median_h: f64,
    pub doubling_cv: f64,
    pub plateau_sld: f64,
    pub ihc3: f64,
    /// Minor-clone share of the trastuzumab-resistance markers (PTEN loss, PIK3CA, p95HER2)
    /// in a tumour negative for them.
    pub minor: f64,
    /// Minor-clone share of T-DM1-resistant cells (`tdm1-resistance`), calibrated on T-DM1
    /// monotherapy (Krop 2012) because no trastuzumab trial sees it.
    pub minor_tdm1: f64,
    /// Share of chemotherapy-resistant cells (of the dominant genotype) in every tumour:
    /// what ends a response to a chemotherapy given until progression.
    pub minor_chemo: f64,
    /// Share range of the HER2-low clone in a HER2-heterogeneous tumour.
    pub her2_low_share: (f64, f64),
    /// HER2-low share of a tumour without detected heterogeneity.
    pub her2_low_minor: f64,
    pub recist_detection: f64,
    pub pcr_detection: f64,
    /// Multiplier on the in-vivo drug-effect scale κ (trial/tumour.rs).
    pub effect_multiplier: f64,
    /// How the drug effect follows the tumour's current untreated growth rate (trial/tumour.rs):
    /// 1 = Norton–Simon (kill proportional to the Gompertz growth rate at the current size), 0 =
    /// proportional to the growth rate at baseline only.
    pub norton_simon: f64,
    /// Immune effectors for ADCC in the tumour, relative to the lab's in-vivo reference
    /// (the laboratory's `effector_activity`; 0 = none).
    pub effector_activity: f64,
    /// Heregulin (NRG1) in the tumour's interstitium (nM), set on every genotype of the
    /// response surfaces: the ligand whose HER2:HER3 signalling pertuzumab blocks and
    /// trastuzumab does not.
    pub tumour_heregulin_nm: f64,
    /// Factors on the in-vivo effect of the targeted group (`TARGETED_GROUP`) and of the
    /// ADCs (`ADC_GROUP`) beyond `effect_multiplier`, which every group shares (the
    /// cytotoxics' in-vivo strength is set per drug, by their tumour exposure).
    pub targeted_factor: f64,
    pub adc_factor: f64,
    /// Between-patient variability of the drug effect (log-normal CV) on top of genotype,
    /// HER2 class and PK.
    pub sensitivity_cv: f64,
    /// Correlation (on the log scale) between a patient's sensitivities to the drug groups of
    /// `SENSITIVITY_GROUPS` (1 = one factor for every drug).
    pub sensitivity_correlation: f64,
    /// Factor on the median sensitivity per line of therapy after the first: tumours that
    /// progressed on earlier lines carry resistance beyond the modelled markers.
    pub line_factor: f64,
    /// Albumin of the laboratory's medium relative to human plasma.
    pub assay_albumin_ratio: f64,
    /// `RESISTANCE` order, then HER2 heterogeneity.
    pub first_line: [f64; MARKERS],
    pub after_trastuzumab: [f64; MARKERS],
}

impl Population {
    /// Checks every entry; the error names the key.
    pub fn check(&self) -> Result<(), String> {
        self.numbers().map(|_| ())
    }

    /// Values in canonical units (kg, cm, mm, h, fractions).
    pub fn numbers(&self) -> Result<Numbers, String> {
        let g = |k: &str, p: &Param, dims: &[&str]| {
            canonical(p, dims)
                .map(|v| v.0)
                .map_err(|e| format!("{k}: {e}"))
        };
        let frac = |k: &str, p: &Param| {
            let v = g(k, p, &["%", "1"])?;
            if v <= 1.0 {
                Ok(v)
            } else {
                Err(format!("{k}: {} is more than 100 %", p.value))
            }
        };
        let freqs = |k: &str, f: &Frequencies| -> Result<[f64; MARKERS], String> {
            Ok([
                frac(&format!("{k}.pten_loss"), &f.pten_loss)?,
                frac(&format!("{k}.pik3ca"), &f.pik3ca)?,
                frac(&format!("{k}.p95her2"), &f.p95her2)?,
                frac(&format!("{k}.tdm1_resistance"), &f.tdm1_resistance)?,
                frac(&format!("{k}.her2_heterogeneity"), &f.her2_heterogeneity)?,
            ])
        };
        let n = Numbers {
            weight_median: g("weight_median", &self.weight_median, &["kg"])?,
            weight_cv: g("weight_cv", &self.weight_cv, &["%CV"])?,
            height_mean: g("height_mean", &self.height_mean, &["cm"])?,
            height_sd: g("height_sd", &self.height_sd, &["cm"])?,
            sld_median: g("baseline_sld_median", &self.baseline_sld_median, &["mm"])?,
            sld_cv: g("baseline_sld_cv", &self.baseline_sld_cv, &["%CV"])?,
            doubling_median_h: g(
                "doubling_time_median",
                &self.doubling_time_median,
                &["day", "h"],
            )?,
            doubling_cv: g("doubling_time_cv", &self.doubling_time_cv, &["%CV"])?,
            plateau_sld: g("plateau_sld", &self.plateau_sld, &["mm"])?,
            ihc3: frac("ihc3_fraction", &self.ihc3_fraction)?,
            minor: frac("minor_clone_fraction", &self.minor_clone_fraction)?,
            minor_tdm1: frac(
                "tdm1_resistant_minor_fraction",
                &self.tdm1_resistant_minor_fraction,
            )?,
            minor_chemo: frac(
                "chemo_resistant_minor_fraction",
                &self.chemo_resistant_minor_fraction,
            )?,
            her2_low_share: (
                frac("her2_low_share_min", &self.her2_low_share_min)?,
                frac("her2_low_share_max", &self.her2_low_share_max)?,
            ),
            her2_low_minor: frac("her2_low_minor_fraction", &self.her2_low_minor_fraction)?,
            recist_detection: g("recist_detection", &self.recist_detection, &["mm"])?,
            pcr_detection: g("pcr_detection", &self.pcr_detection, &["mm"])?,
            effect_multiplier: g("effect_multiplier", &self.effect_multiplier, &["1"])?,
            norton_simon: g("norton_simon_exponent", &self.norton_simon_exponent, &["1"])?,
            effector_activity: g("effector_activity", &self.effector_activity, &["1"])?,
            tumour_heregulin_nm: g("tumour_heregulin", &self.tumour_heregulin, &["nM"])?,
            targeted_factor: g(
                "targeted_effect_factor",
                &self.targeted_effect_factor,
                &["1"],
            )?,
            adc_factor: g("adc_effect_factor", &self.adc_effect_factor, &["1"])?,
            sensitivity_cv: g("sensitivity_cv", &self.sensitivity_cv, &["%CV"])?,
            sensitivity_correlation: g(
                "sensitivity_correlation",
                &self.sensitivity_correlation,
                &["1"],
            )?,
            line_factor: g(
                "line_sensitivity_factor",
                &self.line_sensitivity_factor,
                &["1"],
            )?,
            assay_albumin_ratio: frac("assay_albumin_ratio", &self.assay_albumin_ratio)?,
            first_line: freqs("first_line", &self.first_line)?,
            after_trastuzumab: freqs("after_trastuzumab", &self.after_trastuzumab)?,
        };
        for (k, v) in [
            ("weight_median", n.weight_median),
            ("height_mean", n.height_mean),
            ("baseline_sld_median", n.sld_median),
            ("doubling_time_median", n.doubling_median_h),
            ("line_sensitivity_factor", n.line_factor),
        ] {
            if v <= 0.0 {
                return Err(format!("{k}: must be > 0"));
            }
        }
        if !(0.0..=1.0).contains(&n.sensitivity_correlation) {
            return Err(format!(
                "sensitivity_correlation: {} must lie in 0-1",
                n.sensitivity_correlation
            ));
        }
        if !(0.0..=1.0).contains(&n.norton_simon) {
            return Err(format!(
                "norton_simon_exponent: {} must lie in 0-1",
                n.norton_simon
            ));
        }
        if n.her2_low_share.0 > n.her2_low_share.1 {
            return Err(format!(
                "her2_low_share_min: {} exceeds her2_low_share_max {}",
                n.her2_low_share.0, n.her2_low_share.1
            ));
        }
        if n.plateau_sld <= 2.0 * MAX_BASELINE_SLD_MM {
            return Err(format!(
                "plateau_sld: {} mm must exceed twice the largest baseline ({MAX_BASELINE_SLD_MM} mm)",
                n.plateau_sld
            ));
        }
        Ok(n)
    }
}

/// Baseline burden bounds: RECIST's smallest measurable lesion, and a cap on the draw.
pub const MIN_BASELINE_SLD_MM: f64 = 10.0;
pub const MAX_BASELINE_SLD_MM: f64 = 100.0;
/// Doubling-time bounds (days) that keep the log-normal tails physiological.
const DOUBLING_DAYS: (f64, f64) = (5.0, 1000.0);

/// Stream purposes (fixed numbers, so adding one never shifts another).
const DEMOGRAPHY: u64 = 1;
const TUMOUR: u64 = 2;
const SENSITIVITY: u64 = 3;
const HETEROGENEITY: u64 = 4;
const PK: u64 = 1000;

/// One virtual patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Patient {
    pub index: usize,
    seed: u64,
    pub weight_kg: f64,
    pub height_cm: f64,
    /// Mosteller: sqrt(height cm x weight kg / 3600).
    pub bsa_m2: f64,
    pub baseline_sld_mm: f64,
    pub doubling_time_h: f64,
    /// The laboratory cell line standing for the tumour's HER2 class.
    pub cell_line: &'static str,
    /// Which markers are positive (`RESISTANCE` order, then HER2 heterogeneity).
    pub markers: [bool; MARKERS],
    /// Subclone shares: parental first, then `RESISTANCE` order, then HER2-low
    /// (`HER2_LOW_CLONE`), then chemotherapy-resistant (`CHEMO_RESISTANT_CLONE`); they sum
    /// to 1.
    pub clones: [f64; CLONES],
    /// Factors on the in-vivo drug effect per `SENSITIVITY_GROUPS` group (log-normal, median
    /// 1 in first line): what makes tumours of one genotype respond differently in different
    /// patients (stroma, immune infiltrate, heterogeneity the genotypes do not carry).
    pub sensitivity: [f64; SENSITIVITY_GROUPS.len()],
}

impl Patient {
    /// Patient `index` of a trial seeded `seed`; `pretreated`: the population progressed on
    /// a HER2 agent (the post-trastuzumab marker frequencies apply); `line`: the line of
    /// therapy (1 = first), which lowers the median drug sensitivity by `line_factor` per
    /// line after the first.
    pub fn draw(seed: u64, index: usize, pop: &Numbers, pretreated: bool, line: u32) -> Patient {
        let mut d = Stream::new(seed, index as u64, DEMOGRAPHY);
        let weight_kg = d
            .lognormal(pop.weight_median, pop.weight_cv)
            .clamp(35.0, 150.0);
        let height_cm = (pop.height_mean + pop.height_sd * d.normal()).clamp(135.0, 200.0);
        let bsa_m2 = (height_cm * weight_kg / 3600.0).sqrt();
        let mut t = Stream::new(seed, index as u64, TUMOUR);
        let baseline_sld_mm = t
            .lognormal(pop.sld_median, pop.sld_cv)
            .clamp(MIN_BASELINE_SLD_MM, MAX_BASELINE_SLD_MM);
        let doubling_time_h = t
            .lognormal(pop.doubling_median_h, pop.doubling_cv)
            .clamp(DOUBLING_DAYS.0 * 24.0, DOUBLING_DAYS.1 * 24.0);
        let cell_line = if t.bernoulli(pop.ihc3) {
            IHC3_LINE
        } else {
            IHC2_LINE
        };
        let freq = if pretreated {
            pop.after_trastuzumab
        } else {
            pop.first_line
        };
        let mut markers = [false; MARKERS];
        let mut clones = [0.0; CLONES];
        // Stick-breaking: each resistant clone takes its share of what the ones before left;
        // the parental (sensitive) clone keeps the rest. Every draw is made whether or not it
        // is used, so streams stay aligned between patients.
        let mut left = 1.0;
        for m in 0..RESISTANCE.len() {
            let positive = t.bernoulli(freq[m]);
            let u = 0.5 + 0.5 * t.uniform();
            markers[m] = positive;
            let minor = if RESISTANCE[m] == "tdm1-resistance" {
                pop.minor_tdm1
            } else {
                pop.minor
            };
            let share = if positive { u } else { minor };
            clones[m + 1] = left * share;
            left -= clones[m + 1];
        }
        clones[0] = left;
        // HER2 heterogeneity from its own stream (so adding it left every other draw as it
        // was): a heterogeneous tumour holds a HER2-low region of a share drawn uniformly in
        // `her2_low_share`, any other a minor HER2-low clone (`her2_low_minor`, which may be 0); the rest keep their proportions.
        let mut h = Stream::new(seed, index as u64, HETEROGENEITY);
        markers[HETEROGENEOUS] = h.bernoulli(freq[HETEROGENEOUS]);
        let (lo, hi) = pop.her2_low_share;
        let u = h.uniform();
        let low = if markers[HETEROGENEOUS] {
            lo + (hi - lo) * u
        } else {
            pop.her2_low_minor
        };
        for c in &mut clones[..HER2_LOW_CLONE] {
            *c *= 1.0 - low;
        }
        clones[HER2_LOW_CLONE] = low;
        // The chemotherapy-resistant cells (no draw: every tumour holds the same share) are
        // of the dominant genotype and are taken from its clone, so a regimen without
        // chemotherapy sees the tumour it saw without them.
        let mut patient = Patient {
            index,
            seed,
            weight_kg,
            height_cm,
            bsa_m2,
            baseline_sld_mm,
            doubling_time_h,
            cell_line,
            markers,
            clones,
            sensitivity: [1.0; SENSITIVITY_GROUPS.len()],
        };
        let dominant = patient.dominant_marker().map_or(0, |d| d + 1);
        let resistant = pop.minor_chemo.min(patient.clones[dominant]);
        patient.clones[dominant] -= resistant;
        patient.clones[CHEMO_RESISTANT_CLONE] = resistant;
        let median = pop.line_factor.powi(line.saturating_sub(1) as i32);
        // A shared normal deviate and one per group, mixed to the population's correlation;
        // the shared one is drawn first, so a correlation of 1 gives every group the factor a
        // single draw gave before the groups existed.
        let mut st = Stream::new(seed, index as u64, SENSITIVITY);
        let shared = st.normal();
        let w = log_sd(pop.sensitivity_cv);
        let rho = pop.sensitivity_correlation;
        let sensitivity = [(); SENSITIVITY_GROUPS.len()].map(|_| {
            let z = rho.sqrt() * shared + (1.0 - rho).sqrt() * st.normal();
            median * (w * z).exp()
        });
        patient.sensitivity = sensitivity;
        patient
    }

    /// Standard-normal PK random effects (CL, V1, V2, Km, V3, Vmax) of this patient for
    /// `drug`: the same in every arm, whichever other drugs the arm gives. The last two were
    /// added after the first four and are drawn after them, so earlier draws are unchanged.
    pub fn pk_effects(&self, drug: &str) -> [f64; EFFECTS] {
        let key = drug.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut s = Stream::new(self.seed, self.index as u64, PK ^ key);
        std::array::from_fn(|_| s.normal())
    }

    /// The resistance marker (index into `RESISTANCE`) of the tumour's largest clone, the
    /// HER2-low region aside; `None` when the parental clone is the largest. Minor clones
    /// arise in it and carry its marker (trial/tumour.rs `composite_index`).
    pub fn dominant_marker(&self) -> Option<usize> {
        // The first of equal shares wins, so a tie leaves the parental clone dominant.
        let mut best = 0;
        for (i, c) in self.clones[..=RESISTANCE.len()].iter().enumerate() {
            if *c > self.clones[best] {
                best = i;
            }
        }
        best.checked_sub(1)
    }

    /// Genotype label of the dominant clone, e.g. `bt474+pten-loss`.
    pub fn genotype_label(&self) -> String {
        let mut parts = vec![self.cell_line.to_string()];
        for (m, on) in self.markers.iter().enumerate() {
            if *on {
                parts.push(
                    RESISTANCE
                        .get(m)
                        .copied()
                        .unwrap_or("her2-heterogeneous")
                        .to_string(),
                );
            }
        }
        parts.join("+")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trial::poppk::PopPk;

    /// Marker frequencies over 20,000 patients match the file's (binomial SE ~0.0035), and
    /// the body-surface areas are adult (Mosteller, median ~1.7 m2).
    #[test]
    fn a_cohort_has_the_stated_marker_frequencies() {
        let pop = PopPk::builtin().unwrap().population.numbers().unwrap();
        let n = 20_000;
        let ps: Vec<Patient> = (0..n).map(|i| Patient::draw(3, i, &pop, true, 1)).collect();
        for m in 0..MARKERS {
            let f = ps.iter().filter(|p| p.markers[m]).count() as f64 / n as f64;
            assert!((f - pop.after_trastuzumab[m]).abs() < 0.015, "{m}: {f}");
        }
        let (lo, hi) = pop.her2_low_share;
        for p in &ps {
            assert!((p.clones.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(p.clones[..HER2_LOW_CLONE].iter().all(|c| *c > 0.0));
            assert_eq!(p.clones[CHEMO_RESISTANT_CLONE], pop.minor_chemo);
            // A heterogeneous tumour holds its HER2-low region; any other the minor share.
            let low = p.clones[HER2_LOW_CLONE];
            if p.markers[HETEROGENEOUS] {
                assert!((lo - 1e-12..=hi + 1e-12).contains(&low), "{low}");
            } else {
                assert!((low - pop.her2_low_minor).abs() < 1e-15, "{low}");
            }
        }
        let mut bsa: Vec<f64> = ps.iter().map(|p| p.bsa_m2).collect();
        bsa.sort_by(f64::total_cmp);
        let median = bsa[n / 2];
        assert!((1.55..1.85).contains(&median), "{median}");
        // Mosteller for the median patient: sqrt(162 * 66 / 3600) = 1.72.
        assert!((((162.0f64 * 66.0) / 3600.0).sqrt() - 1.7234).abs() < 1e-3);
    }

    /// The median sensitivity falls by the line factor per line after the first, and the
    /// other draws of a patient do not change with the line.
    #[test]
    fn later_lines_lower_the_median_sensitivity() {
        let mut pop = PopPk::builtin().unwrap().population.numbers().unwrap();
        pop.line_factor = 0.5;
        let median = |line: u32| {
            let mut v: Vec<f64> = (0..20_001)
                .map(|i| Patient::draw(5, i, &pop, false, line).sensitivity[1])
                .collect();
            v.sort_by(f64::total_cmp);
            v[10_000]
        };
        assert!((median(1) - 1.0).abs() < 0.05, "{}", median(1));
        assert!((median(3) - 0.25).abs() < 0.0125, "{}", median(3));
        let (a, b) = (
            Patient::draw(5, 7, &pop, false, 1),
            Patient::draw(5, 7, &pop, false, 3),
        );
        assert_eq!((a.baseline_sld_mm, a.clones), (b.baseline_sld_mm, b.clones));
        for g in 0..SENSITIVITY_GROUPS.len() {
            assert!((b.sensitivity[g] / a.sensitivity[g] - 0.25).abs() < 1e-12);
        }
    }

    /// The groups' log-sensitivities have the population's correlation and spread (20,000
    /// patients: SE of a correlation ~0.007), and a correlation of 1 gives one factor.
    #[test]
    fn group_sensitivities_are_correlated_as_stated() {
        let mut pop = PopPk::builtin().unwrap().population.numbers().unwrap();
        for rho in [0.0, 0.3, 1.0] {
            pop.sensitivity_correlation = rho;
            let logs: Vec<[f64; 3]> = (0..20_000)
                .map(|i| Patient::draw(8, i, &pop, false, 1).sensitivity.map(f64::ln))
                .collect();
            let n = logs.len() as f64;
            let mean = |g: usize| logs.iter().map(|l| l[g]).sum::<f64>() / n;
            let cov = |a: usize, b: usize| {
                let (ma, mb) = (mean(a), mean(b));
                logs.iter().map(|l| (l[a] - ma) * (l[b] - mb)).sum::<f64>() / n
            };
            let w = log_sd(pop.sensitivity_cv);
            for g in 0..3 {
                assert!((cov(g, g).sqrt() / w - 1.0).abs() < 0.03, "{rho} {g}");
            }
            for (a, b) in [(0, 1), (0, 2), (1, 2)] {
                let r = cov(a, b) / (cov(a, a) * cov(b, b)).sqrt();
                assert!((r - rho).abs() < 0.03, "{rho}: {a}-{b} {r}");
            }
            if rho == 1.0 {
                let p = Patient::draw(8, 3, &pop, false, 1);
                assert!(p
                    .sensitivity
                    .iter()
                    .all(|s| (s / p.sensitivity[0] - 1.0).abs() < 1e-12));
            }
        }
    }

    /// Out-of-range population numbers are refused with the key named.
    #[test]
    fn population_numbers_out_of_range_name_their_key() {
        let base = PopPk::builtin().unwrap().population;
        type Field = fn(&mut Population) -> &mut Param;
        let cases: [(Field, f64, &str); 4] = [
            (
                |p| &mut p.norton_simon_exponent,
                1.5,
                "norton_simon_exponent: 1.5 must lie in 0-1",
            ),
            (
                |p| &mut p.sensitivity_correlation,
                -0.2,
                "sensitivity_correlation: -0.2: expected a finite number >= 0",
            ),
            (
                |p| &mut p.sensitivity_correlation,
                1.01,
                "sensitivity_correlation: 1.01 must lie in 0-1",
            ),
            (
                |p| &mut p.her2_low_share_min,
                0.9,
                "her2_low_share_min: 0.9 exceeds her2_low_share_max",
            ),
        ];
        for (field, value, want) in cases {
            let mut p = base.clone();
            field(&mut p).value = value;
            let e = p.check().unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        assert!(base.check().is_ok());
    }

    #[test]
    fn a_patient_is_the_same_whenever_drawn() {
        let pop = PopPk::builtin().unwrap().population.numbers().unwrap();
        let a = Patient::draw(11, 42, &pop, false, 1);
        let b = Patient::draw(11, 42, &pop, false, 1);
        assert_eq!(a, b);
        assert_eq!(a.pk_effects("trastuzumab"), b.pk_effects("trastuzumab"));
        assert_ne!(a.pk_effects("trastuzumab"), a.pk_effects("docetaxel"));
        assert_ne!(a, Patient::draw(11, 43, &pop, false, 1));
    }
}
