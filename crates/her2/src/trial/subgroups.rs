//! Biomarker subgroups of a virtual trial: each arm's patients split by one tumour marker,
//! with ORR, median PFS, pCR and the hazard ratio of marker-positive against marker-negative
//! patients of the same arm — the analysis trials publish as biomarker papers (EMILIA's by
//! PIK3CA mutation, Baselga 2016; lapatinib + capecitabine by PI3K-pathway activation,
//! Wang 2011). A trial file may hold the published subgroup numbers (`[[arm.subgroup]]`);
//! `validate-trials` then checks the direction of the difference.

use serde::Deserialize;

use her2sim_analysis::survival::{cox::hazard_ratio, km::KaplanMeier};

use super::file::Setting;
use super::patients::{Patient, HETEROGENEOUS, IHC3_LINE, RESISTANCE};
use super::recist::Response;
use super::run::{ArmResult, PatientArm};
use super::TrialError;

/// The markers a cohort is split by: the resistance genotypes (positive when the tumour's
/// dominant clone carries them, not as a minor clone), HER2 heterogeneity (a HER2-low
/// region), PI3K-pathway activation (PTEN loss or PIK3CA mutation, as Wang 2011 and Berns
/// 2007 pool them) and the IHC 3+ class (against IHC 2+/FISH-amplified).
pub const SUBGROUP_MARKERS: [&str; 7] = [
    "pten-loss",
    "pik3ca-h1047r",
    "p95her2",
    "tdm1-resistance",
    "her2-heterogeneous",
    "pi3k-pathway",
    "ihc3",
];

/// Median PFS ratios (positive / negative) within this band count as "no difference"
/// when a published subgroup difference is compared with the simulated one.
pub const NO_DIFFERENCE_RATIO: (f64, f64) = (0.8, 1.25);
/// ORR differences within this many points count as "no difference".
pub const NO_DIFFERENCE_ORR: f64 = 0.05;

/// What a publication reported for one subgroup split of an arm (`[[arm.subgroup]]`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedSubgroup {
    /// One of `SUBGROUP_MARKERS`.
    pub marker: String,
    pub orr_positive: Option<f64>,
    pub orr_negative: Option<f64>,
    pub median_pfs_positive: Option<f64>,
    pub median_pfs_negative: Option<f64>,
    pub source: String,
}

impl PublishedSubgroup {
    /// Checks the marker, fractions, medians and source; returns the offending key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if !SUBGROUP_MARKERS.contains(&self.marker.as_str()) {
            return Err((
                "marker",
                format!(
                    "{:?}: expected one of {}",
                    self.marker,
                    SUBGROUP_MARKERS.join(", ")
                ),
            ));
        }
        for (key, v) in [
            ("orr_positive", self.orr_positive),
            ("orr_negative", self.orr_negative),
        ] {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    return Err((key, format!("{v}: expected a fraction from 0 to 1")));
                }
            }
        }
        for (key, v) in [
            ("median_pfs_positive", self.median_pfs_positive),
            ("median_pfs_negative", self.median_pfs_negative),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && v > 0.0) {
                    return Err((key, format!("{v}: expected a positive number of months")));
                }
            }
        }
        if self.source.trim().is_empty() {
            return Err(("source", "is empty".into()));
        }
        Ok(())
    }
}

/// Whether `p`'s tumour is positive for `marker` (one of `SUBGROUP_MARKERS`; any other
/// name is never positive).
pub fn positive(marker: &str, p: &Patient) -> bool {
    let has = |m: &str| {
        RESISTANCE
            .iter()
            .position(|r| *r == m)
            .map(|i| p.markers[i])
    };
    match marker {
        "her2-heterogeneous" => p.markers[HETEROGENEOUS],
        "pi3k-pathway" => has("pten-loss") == Some(true) || has("pik3ca-h1047r") == Some(true),
        "ihc3" => p.cell_line == IHC3_LINE,
        m => has(m) == Some(true),
    }
}

/// Both sides of one split: index 0 marker-positive, 1 marker-negative.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SubgroupResult {
    pub arm: String,
    pub marker: String,
    pub n: [usize; 2],
    pub orr: [Option<f64>; 2],
    pub median_pfs_months: [Option<f64>; 2],
    pub pcr: [Option<f64>; 2],
    /// Cox hazard ratio of progression, positive against negative, in this arm (metastatic
    /// trials with patients and events on both sides).
    pub hazard_ratio: Option<f64>,
    pub hazard_ratio_ci: Option<[f64; 2]>,
    pub published: Option<PublishedSubgroup>,
}

impl SubgroupResult {
    /// Whether the simulated positive-against-negative difference goes the published way:
    /// both "no difference" (median PFS ratio — simulated: 1 / hazard ratio — within
    /// `NO_DIFFERENCE_RATIO`, ORR within `NO_DIFFERENCE_ORR`) or both the same sign. `None`
    /// without a published pair.
    pub fn direction_as_published(&self) -> Option<bool> {
        let p = self.published.as_ref()?;
        let class_ratio = |a: f64, b: f64| {
            let r = a / b;
            if r < NO_DIFFERENCE_RATIO.0 {
                -1
            } else if r > NO_DIFFERENCE_RATIO.1 {
                1
            } else {
                0
            }
        };
        let class_diff = |a: f64, b: f64| {
            if a - b < -NO_DIFFERENCE_ORR {
                -1
            } else if a - b > NO_DIFFERENCE_ORR {
                1
            } else {
                0
            }
        };
        let mut verdicts = Vec::new();
        if let (Some(pp), Some(pn)) = (p.median_pfs_positive, p.median_pfs_negative) {
            // The simulated side: the Cox hazard ratio (1/HR stands for the ratio of medians
            // under proportional hazards), as simulated medians fall on the assessment weeks
            // and tie often; the medians without one (a median not reached is longer than
            // any follow-up: the largest finite stand-in).
            let simulated = match self.hazard_ratio {
                Some(hr) if hr > 0.0 => Some(class_ratio(1.0, hr)),
                _ if self.n[0] > 0 && self.n[1] > 0 => {
                    let [sp, sn] = self.median_pfs_months.map(|m| m.unwrap_or(f64::MAX));
                    Some(class_ratio(sp, sn))
                }
                _ => None,
            };
            if let Some(sim) = simulated {
                verdicts.push(class_ratio(pp, pn) == sim);
            }
        }
        if let (Some(pp), Some(pn), [Some(sp), Some(sn)]) =
            (p.orr_positive, p.orr_negative, self.orr)
        {
            verdicts.push(class_diff(pp, pn) == class_diff(sp, sn));
        }
        (!verdicts.is_empty()).then(|| verdicts.iter().all(|v| *v))
    }
}

/// Every arm split by every marker, in arm then `SUBGROUP_MARKERS` order.
pub fn split(
    setting: Setting,
    cohort: &[Patient],
    arms: &[ArmResult],
    published: &[Vec<PublishedSubgroup>],
) -> Result<Vec<SubgroupResult>, TrialError> {
    let mut out = Vec::with_capacity(arms.len() * SUBGROUP_MARKERS.len());
    for (a, arm) in arms.iter().enumerate() {
        for marker in SUBGROUP_MARKERS {
            let flags: Vec<bool> = cohort.iter().map(|p| positive(marker, p)).collect();
            let side = |want: bool| -> Vec<&PatientArm> {
                arm.patients
                    .iter()
                    .zip(&flags)
                    .filter(|(_, f)| **f == want)
                    .map(|(p, _)| p)
                    .collect()
            };
            let sides = [side(true), side(false)];
            let n = [sides[0].len(), sides[1].len()];
            let orr = sides.each_ref().map(|s| {
                (!s.is_empty()).then(|| {
                    s.iter().filter(|p| p.best >= Response::Pr).count() as f64 / s.len() as f64
                })
            });
            let pcr = sides.each_ref().map(|s| {
                (setting == Setting::Neoadjuvant && !s.is_empty()).then(|| {
                    s.iter().filter(|p| p.pcr == Some(true)).count() as f64 / s.len() as f64
                })
            });
            let mut median = [None, None];
            let (mut hr, mut hr_ci) = (None, None);
            if setting == Setting::Metastatic {
                for (k, s) in sides.iter().enumerate() {
                    if s.is_empty() {
                        continue;
                    }
                    let t: Vec<f64> = s.iter().map(|p| p.pfs_months).collect();
                    let e: Vec<bool> = s.iter().map(|p| p.progressed).collect();
                    let km = KaplanMeier::fit(&t, &e)
                        .map_err(|e| TrialError::Survival(e.to_string()))?;
                    median[k] = km.median().estimate;
                }
                if n[0] > 0 && n[1] > 0 {
                    let t: Vec<f64> = arm.patients.iter().map(|p| p.pfs_months).collect();
                    let e: Vec<bool> = arm.patients.iter().map(|p| p.progressed).collect();
                    // A split without events, or separated completely, has no finite estimate.
                    if let Ok(c) = hazard_ratio(&t, &e, &flags) {
                        if c.hazard_ratio.is_finite() {
                            hr = Some(c.hazard_ratio);
                            hr_ci = Some([c.hr_lower, c.hr_upper]);
                        }
                    }
                }
            }
            let published = published
                .get(a)
                .and_then(|v| v.iter().find(|s| s.marker == marker))
                .cloned();
            out.push(SubgroupResult {
                arm: arm.name.clone(),
                marker: marker.to_string(),
                n,
                orr,
                median_pfs_months: median,
                pcr,
                hazard_ratio: hr,
                hazard_ratio_ci: hr_ci,
                published,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(
        median: [Option<f64>; 2],
        orr: [Option<f64>; 2],
        p: PublishedSubgroup,
    ) -> SubgroupResult {
        SubgroupResult {
            arm: "A".into(),
            marker: p.marker.clone(),
            n: [10, 10],
            orr,
            median_pfs_months: median,
            pcr: [None, None],
            hazard_ratio: None,
            hazard_ratio_ci: None,
            published: Some(p),
        }
    }

    fn published(pfs: Option<(f64, f64)>, orr: Option<(f64, f64)>) -> PublishedSubgroup {
        PublishedSubgroup {
            marker: "pik3ca-h1047r".into(),
            orr_positive: orr.map(|o| o.0),
            orr_negative: orr.map(|o| o.1),
            median_pfs_positive: pfs.map(|p| p.0),
            median_pfs_negative: pfs.map(|p| p.1),
            source: "test".into(),
        }
    }

    #[test]
    fn direction_compares_classes_of_difference() {
        // EMILIA's T-DM1 arm: 10.9 against 9.8 months is no difference (ratio 1.11).
        let p = published(Some((10.9, 9.8)), None);
        assert_eq!(
            result([Some(9.7), Some(9.7)], [None, None], p.clone()).direction_as_published(),
            Some(true)
        );
        assert_eq!(
            result([Some(5.0), Some(9.7)], [None, None], p).direction_as_published(),
            Some(false)
        );
        // Lapatinib + capecitabine: 4.3 against 6.4 months is shorter with the mutation.
        let p = published(Some((4.3, 6.4)), None);
        assert_eq!(
            result([Some(4.1), Some(4.1)], [None, None], p.clone()).direction_as_published(),
            Some(false)
        );
        assert_eq!(
            result([Some(2.8), Some(5.5)], [None, None], p).direction_as_published(),
            Some(true)
        );
        // ORR 9 % against 31 %: lower with pathway activation; both criteria must hold.
        let p = published(Some((4.3, 6.4)), Some((0.091, 0.314)));
        assert_eq!(
            result([Some(2.8), Some(5.5)], [Some(0.22), Some(0.25)], p.clone())
                .direction_as_published(),
            Some(false)
        );
        assert_eq!(
            result([Some(2.8), Some(5.5)], [Some(0.10), Some(0.30)], p).direction_as_published(),
            Some(true)
        );
        // With a hazard ratio, it decides: HR 1.6 is shorter PFS with the marker.
        let p = published(Some((4.3, 6.4)), None);
        let mut r = result([Some(4.1), Some(4.1)], [None, None], p);
        r.hazard_ratio = Some(1.6);
        assert_eq!(r.direction_as_published(), Some(true));
        r.hazard_ratio = Some(1.1);
        assert_eq!(r.direction_as_published(), Some(false));
        // Not reached counts as longer than any reached median.
        let p = published(Some((20.0, 9.0)), None);
        assert_eq!(
            result([None, Some(9.0)], [None, None], p).direction_as_published(),
            Some(true)
        );
    }

    #[test]
    fn published_subgroups_are_checked() {
        let mut p = published(Some((4.3, 6.4)), Some((0.09, 0.31)));
        assert!(p.check().is_ok());
        p.marker = "kras".into();
        assert_eq!(p.check().map_err(|e| e.0), Err("marker"));
        let mut p = published(None, Some((1.2, 0.3)));
        assert_eq!(p.check().map_err(|e| e.0), Err("orr_positive"));
        p = published(Some((-1.0, 3.0)), None);
        assert_eq!(p.check().map_err(|e| e.0), Err("median_pfs_positive"));
        p = published(None, None);
        p.source = " ".into();
        assert_eq!(p.check().map_err(|e| e.0), Err("source"));
    }
}
