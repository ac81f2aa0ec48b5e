//! Treatments: the `"trastuzumab@10ug/mL+pertuzumab"` strings of the CLI and study files,
//! read against the catalogue, and turned into hook-parameter values of the network model
//! (in vitro: each drug held at a constant concentration in the medium).

use std::fmt;

use crate::actions::{Actions, Response};
use crate::catalogue::{Catalogue, CatalogueError};
use crate::hooks::HookValues;
use crate::pk::Profile;
use crate::units::{parse_dose, Dimension, DoseError, Quantity};

/// One drug or agent of a treatment.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// Catalogue id.
    pub strategy: String,
    /// The dose used (the documented default when none was given); `None` for agents with a
    /// fixed, dose-independent effect (gene delivery, siRNA).
    pub dose: Option<Quantity>,
    /// The dose in nM, where it is a concentration.
    pub concentration_nm: Option<f64>,
    /// When the agent is present (hours from the start of treatment).
    pub window: Window,
    /// Given by its clinical regimen (`@clinical`): the concentration at the cells over time
    /// from the regimen's PK model, instead of a constant.
    pub profile: Option<std::sync::Arc<Profile>>,
}

/// Longest run a clinical regimen's concentration profile covers (days).
pub const MAX_PK_DAYS: f64 = 366.0;

/// An exposure window: the agent is added at `start_h` and washed out at `stop_h` (never if
/// `None`). Written after the dose as `(24h-72h)`, `(0-2d)` or `(1d-)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start_h: f64,
    pub stop_h: Option<f64>,
}

impl Default for Window {
    fn default() -> Self {
        Window {
            start_h: 0.0,
            stop_h: None,
        }
    }
}

impl Window {
    /// Whether the agent is present at `t_h`.
    pub fn contains(&self, t_h: f64) -> bool {
        t_h >= self.start_h && self.stop_h.is_none_or(|stop| t_h < stop)
    }

    fn is_always(&self) -> bool {
        self.start_h == 0.0 && self.stop_h.is_none()
    }

    /// Reads `24h-72h`, `0-2d`, `1d-` (a bare number takes the unit of the other end, or h).
    fn parse(text: &str) -> Result<Window, String> {
        let (a, b) = text.split_once('-').ok_or_else(|| {
            format!("exposure window {text:?}: expected START-STOP, e.g. (0-24h) or (1d-)")
        })?;
        let unit_of = |x: &str| {
            if x.trim().ends_with('d') {
                Some(24.0)
            } else if x.trim().ends_with('h') {
                Some(1.0)
            } else {
                None
            }
        };
        let default = unit_of(b).or(unit_of(a)).unwrap_or(1.0);
        let hours = |x: &str| -> Result<Option<f64>, String> {
            let x = x.trim();
            if x.is_empty() {
                return Ok(None);
            }
            let factor = unit_of(x).unwrap_or(default);
            let v: f64 = x.trim_end_matches(['h', 'd']).trim().parse().map_err(|_| {
                format!("exposure window {text:?}: {x:?} is not a time (e.g. 24h, 2d)")
            })?;
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("exposure window {text:?}: times must be >= 0"));
            }
            Ok(Some(v * factor))
        };
        let start_h = hours(a)?.unwrap_or(0.0);
        let stop_h = hours(b)?;
        if stop_h.is_some_and(|s| s <= start_h) {
            return Err(format!(
                "exposure window {text:?}: the stop must come after the start"
            ));
        }
        Ok(Window { start_h, stop_h })
    }
}

/// Any number of agents given together; empty = untreated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Treatment {
    pub components: Vec<Component>,
}

/// Why a treatment string was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TreatmentError {
    #[error(
        "empty treatment (give e.g. \"trastuzumab\", \"lapatinib@1uM+paclitaxel\" or \"none\")"
    )]
    Empty,
    #[error(transparent)]
    Unknown(#[from] CatalogueError),
    #[error("{strategy}: {source}")]
    Dose { strategy: String, source: DoseError },
    #[error("{0}")]
    Invalid(String),
}

impl Treatment {
    /// The untreated control.
    pub fn none() -> Treatment {
        Treatment::default()
    }

    /// Reads `"a@dose+b+c@dose"`; `"none"` (or `"untreated"`) is the control. A dose without
    /// `@` is the strategy's documented default.
    pub fn parse(
        text: &str,
        cat: &Catalogue,
        actions: &Actions,
    ) -> Result<Treatment, TreatmentError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TreatmentError::Empty);
        }
        if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("untreated") {
            return Ok(Treatment::none());
        }
        let mut components = Vec::new();
        for part in split_components(t) {
            // An exposure window closes the component: "paclitaxel@5nM(0-24h)".
            let (part, window) = match part
                .trim()
                .strip_suffix(')')
                .and_then(|p| p.rsplit_once('('))
            {
                Some((p, w)) => (p, Window::parse(w).map_err(TreatmentError::Invalid)?),
                None => (part, Window::default()),
            };
            let (name, dose) = match part.split_once('@') {
                Some((n, d)) => (n.trim(), Some(d.trim())),
                None => (part.trim(), None),
            };
            if name.is_empty() {
                return Err(TreatmentError::Invalid(format!(
                    "treatment {t:?}: a component has no strategy name"
                )));
            }
            let s = cat.strategy(name)?;
            if dose.is_some_and(|d| d.eq_ignore_ascii_case("clinical")) {
                let mut c = Component::clinical(&s.id, cat, actions)?;
                c.window = window;
                components.push(c);
                continue;
            }
            let dose = match dose {
                Some(d) => Some(parse_dose(d).map_err(|source| TreatmentError::Dose {
                    strategy: s.id.clone(),
                    source,
                })?),
                None => None,
            };
            let mut c = Component::new(s.id.clone(), dose, cat, actions)?;
            c.window = window;
            components.push(c);
        }
        Ok(Treatment { components })
    }

    /// A single agent at a given dose (used by dose-response and combination matrices).
    pub fn single(
        strategy: &str,
        dose: Option<Quantity>,
        cat: &Catalogue,
        actions: &Actions,
    ) -> Result<Treatment, TreatmentError> {
        let s = cat.strategy(strategy)?;
        Ok(Treatment {
            components: vec![Component::new(s.id.clone(), dose, cat, actions)?],
        })
    }

    /// Both treatments given together.
    pub fn with(&self, other: &Treatment) -> Treatment {
        let mut components = self.components.clone();
        components.extend(other.components.iter().cloned());
        Treatment { components }
    }

    /// Strategy ids joined by " + " (`"none"` when untreated), for charts.
    pub fn short_label(&self) -> String {
        if self.components.is_empty() {
            return "none".into();
        }
        self.components
            .iter()
            .map(|c| match (c.window.is_always(), c.window.stop_h) {
                (true, _) => c.strategy.clone(),
                (false, Some(stop)) => format!("{} ({}-{}h)", c.strategy, c.window.start_h, stop),
                (false, None) => format!("{} ({}h-)", c.strategy, c.window.start_h),
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The doses joined by " + " (`"fixed"` for dose-independent agents).
    pub fn dose_label(&self) -> String {
        self.components
            .iter()
            .map(|c| match (&c.profile, c.dose) {
                (Some(_), _) => "clinical regimen".to_string(),
                (None, Some(q)) => format!("{}{}", q.value, q.unit.symbol),
                (None, None) => "fixed".to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn is_none(&self) -> bool {
        self.components.is_empty()
    }

    /// The hook values this treatment sets with every agent present (in vitro, constant
    /// concentrations).
    pub fn hooks(&self, actions: &Actions) -> HookValues {
        self.hooks_where(actions, |_| true, None)
    }

    /// The hook values at `t_h` hours: only agents whose exposure window contains it.
    pub fn hooks_at(&self, actions: &Actions, t_h: f64) -> HookValues {
        self.hooks_where(actions, |c| c.window.contains(t_h), Some(t_h))
    }

    /// Whether every agent is present for the whole run.
    pub fn is_continuous(&self) -> bool {
        self.components
            .iter()
            .all(|c| c.window.is_always() && c.profile.is_none())
    }

    /// Whether an agent's concentration changes with time (a clinical regimen).
    pub fn has_pk(&self) -> bool {
        self.components.iter().any(|c| c.profile.is_some())
    }

    /// Times (hours) at which an agent is added or washed out, sorted, without 0.
    pub fn change_points(&self) -> Vec<f64> {
        let mut t: Vec<f64> = self
            .components
            .iter()
            .flat_map(|c| [Some(c.window.start_h), c.window.stop_h])
            .flatten()
            .filter(|t| *t > 0.0)
            .collect();
        t.sort_by(f64::total_cmp);
        t.dedup();
        t
    }

    fn hooks_where(
        &self,
        actions: &Actions,
        present: impl Fn(&Component) -> bool,
        t_h: Option<f64>,
    ) -> HookValues {
        let active: Vec<&Component> = self.components.iter().filter(|c| present(c)).collect();
        let mut h = HookValues::default();
        // Competing binders: sum of C/K over every binder of each site.
        let mut site_load: Vec<(String, f64)> = Vec::new();
        for c in &active {
            for e in actions.effects(&c.strategy) {
                if let (Some(site), Response::Concentration { ec50_nm, .. }, Some(conc)) =
                    (&e.site, &e.response, c.concentration_at(t_h))
                {
                    // One binder counts once per site, however many hooks it drives.
                    let key = format!("{site}\u{0}{}", c.strategy);
                    if !site_load.iter().any(|(k, _)| k == &key) {
                        site_load.push((key, conc / ec50_nm));
                    }
                }
            }
        }
        let load_of = |site: &str| -> f64 {
            site_load
                .iter()
                .filter(|(k, _)| k.split('\u{0}').next() == Some(site))
                .map(|(_, x)| x)
                .sum()
        };
        for c in &active {
            for e in actions.effects(&c.strategy) {
                let x = match (&e.response, c.concentration_at(t_h)) {
                    (Response::Fixed(x), _) => *x,
                    (Response::Concentration { ec50_nm, hill, max }, Some(conc)) => match &e.site {
                        Some(site) => max * (conc / ec50_nm) / (1.0 + load_of(site)),
                        None => {
                            let r = (conc / ec50_nm).powf(*hill);
                            max * r / (1.0 + r)
                        }
                    },
                    (Response::Concentration { .. }, None) => continue,
                };
                h.apply(&e.hook, x);
            }
        }
        h
    }
}

impl Component {
    /// The agent at its clinical regimen, with the concentration profile of its PK model.
    fn clinical(id: &str, cat: &Catalogue, actions: &Actions) -> Result<Component, TreatmentError> {
        let s = cat.strategy(id)?;
        let known = || {
            actions
                .regimens()
                .all()
                .iter()
                .map(|r| r.strategy.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let r = actions.regimens().get(&s.id).ok_or_else(|| {
            TreatmentError::Invalid(format!(
                "{}: no clinical regimen with PK yet; regimens exist for: {}",
                s.id,
                known()
            ))
        })?;
        let mw = s.molecular_weight().ok_or_else(|| {
            TreatmentError::Invalid(format!(
                "{}: no molecular weight to convert mg/L to nM",
                s.id
            ))
        })?;
        let profile = Profile::of(r, mw, MAX_PK_DAYS * 24.0).map_err(TreatmentError::Invalid)?;
        Ok(Component {
            strategy: s.id.clone(),
            dose: None,
            concentration_nm: None,
            window: Window::default(),
            profile: Some(std::sync::Arc::new(profile)),
        })
    }

    /// The concentration at the cells (nM) at `t_h`, if the agent has one.
    fn concentration_at(&self, t_h: Option<f64>) -> Option<f64> {
        match (&self.profile, t_h) {
            (Some(p), Some(t)) => Some(p.at(t)),
            (Some(_), None) => None,
            (None, _) => self.concentration_nm,
        }
    }

    fn new(
        strategy: String,
        dose: Option<Quantity>,
        cat: &Catalogue,
        actions: &Actions,
    ) -> Result<Component, TreatmentError> {
        let s = cat.strategy(&strategy)?;
        let effects = actions.effects(&s.id);
        let fixed = !effects.is_empty()
            && effects
                .iter()
                .all(|e| matches!(e.response, Response::Fixed(_)));
        let dose = match (dose, fixed) {
            (Some(_), true) => {
                return Err(TreatmentError::Invalid(format!(
                "{}: a fixed-effect agent (gene delivery / siRNA) takes no dose; write just \"{}\"",
                s.id, s.id
            )))
            }
            (None, true) => None,
            (Some(d), false) => Some(d),
            (None, false) => Some(
                actions
                    .default_dose(&s.id)
                    .map(|(q, _)| q)
                    .or_else(|| s.default_quantity())
                    .ok_or_else(|| {
                        TreatmentError::Invalid(format!(
                            "{} has no documented default dose; give one, e.g. \"{}@100nM\"",
                            s.id, s.id
                        ))
                    })?,
            ),
        };
        let concentration_nm = match dose {
            None => None,
            Some(q) => {
                if !matches!(
                    q.unit.dimension,
                    Dimension::MolarConcentration | Dimension::MassConcentration
                ) {
                    return Err(TreatmentError::Invalid(format!(
                        "{}: {q} is a body dose; cells in medium need a concentration (e.g. nM or ug/mL)",
                        s.id
                    )));
                }
                Some(s.to_nanomolar(&q).map_err(|source| TreatmentError::Dose {
                    strategy: s.id.clone(),
                    source,
                })?)
            }
        };
        Ok(Component {
            strategy,
            dose,
            concentration_nm,
            window: Window::default(),
            profile: None,
        })
    }
}

impl fmt::Display for Treatment {
    /// The canonical form: `none`, or `a@dose+b` with every dose written out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.components.is_empty() {
            return f.write_str("none");
        }
        for (i, c) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            match (&c.dose, &c.profile) {
                (_, Some(_)) => write!(f, "{}@clinical", c.strategy)?,
                (Some(q), None) => write!(f, "{}@{}{}", c.strategy, q.value, q.unit.symbol)?,
                (None, None) => f.write_str(&c.strategy)?,
            }
            if !c.window.is_always() {
                match c.window.stop_h {
                    Some(stop) => write!(f, "({}h-{}h)", c.window.start_h, stop)?,
                    None => write!(f, "({}h-)", c.window.start_h)?,
                }
            }
        }
        Ok(())
    }
}

/// Splits at `+` except the exponent sign of a number (`1e+3nM`).
fn split_components(t: &str) -> Vec<&str> {
    let b = t.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 0..b.len() {
        let exponent = i >= 2
            && matches!(b[i - 1], b'e' | b'E')
            && (b[i - 2].is_ascii_digit() || b[i - 2] == b'.')
            && t[start..i].contains('@');
        if b[i] == b'+' && !exponent {
            parts.push(&t[start..i]);
            start = i + 1;
        }
    }
    parts.push(&t[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> (Catalogue, Actions) {
        let c = Catalogue::builtin().unwrap();
        let a = Actions::builtin(&c).unwrap();
        (c, a)
    }

    #[test]
    fn parses_components_and_defaults() {
        let (c, a) = cat();
        let t = Treatment::parse("Herceptin@10ug/mL + pertuzumab", &c, &a).unwrap();
        assert_eq!(t.components.len(), 2);
        assert_eq!(t.components[0].strategy, "trastuzumab");
        assert_eq!(
            t.components[1].dose,
            c.strategy("pertuzumab").unwrap().default_quantity()
        );
        assert!(Treatment::parse("none", &c, &a).unwrap().is_none());
        assert_eq!(
            split_components("lapatinib@1e+3nM+e1a"),
            vec!["lapatinib@1e+3nM", "e1a"]
        );
        let nm = Treatment::parse("lapatinib@1e+3nM", &c, &a)
            .unwrap()
            .components[0]
            .concentration_nm;
        assert!((nm.unwrap() - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn rejects_bad_input_by_name() {
        let (c, a) = cat();
        let e = Treatment::parse("aspirin@1uM", &c, &a)
            .unwrap_err()
            .to_string();
        assert!(e.contains("aspirin") && e.contains("trastuzumab"), "{e}");
        let e = Treatment::parse("lapatinib@lots", &c, &a)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lapatinib"), "{e}");
        let e = Treatment::parse("lapatinib@5mg/kg", &c, &a)
            .unwrap_err()
            .to_string();
        assert!(e.contains("body dose"), "{e}");
        let e = Treatment::parse("her2-sirna@10nM", &c, &a)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no dose"), "{e}");
        assert!(Treatment::parse("", &c, &a).is_err());
        assert!(Treatment::parse("lapatinib+", &c, &a).is_err());
    }

    #[test]
    fn exposure_windows() {
        let (c, a) = cat();
        let t = Treatment::parse("lapatinib@1uM(0-24h)+paclitaxel@5nM(1d-)", &c, &a).unwrap();
        assert_eq!(
            t.components[0].window,
            Window {
                start_h: 0.0,
                stop_h: Some(24.0)
            }
        );
        assert_eq!(
            t.components[1].window,
            Window {
                start_h: 24.0,
                stop_h: None
            }
        );
        assert_eq!(t.change_points(), vec![24.0]);
        assert!(t.hooks_at(&a, 12.0).get("tki_her2_inhibition") > 0.8);
        assert_eq!(t.hooks_at(&a, 12.0).get("mitotic_damage"), 0.0);
        assert_eq!(t.hooks_at(&a, 30.0).get("tki_her2_inhibition"), 0.0);
        assert!(t.hooks_at(&a, 30.0).get("mitotic_damage") > 0.0);
        assert_eq!(t.to_string(), "lapatinib@1uM(0h-24h)+paclitaxel@5nM(24h-)");
        assert_eq!(Treatment::parse(&t.to_string(), &c, &a).unwrap(), t);
        for bad in ["lapatinib(5-2h)", "lapatinib(x-2h)", "lapatinib(12h)"] {
            assert!(Treatment::parse(bad, &c, &a).is_err(), "{bad}");
        }
    }

    #[test]
    fn occupancy_and_competition() {
        let (c, a) = cat();
        let ec50 = |drug: &str| match a.effects(drug)[0].response {
            crate::actions::Response::Concentration { ec50_nm, .. } => ec50_nm,
            crate::actions::Response::Fixed(_) => panic!("{drug}"),
        };
        // Trastuzumab at its EC50 (the fitted one; the Kd 0.314 nM before) half-occupies
        // domain IV.
        let k = ec50("trastuzumab");
        let t = Treatment::parse(&format!("trastuzumab@{k}nM"), &c, &a).unwrap();
        assert!((t.hooks(&a).get("domainIV_block") - 0.5).abs() < 1e-12);
        // With T-DM1 at its own half-occupying concentration, they share the site: total 2/3.
        let kt = ec50("t-dm1");
        let t = Treatment::parse(&format!("trastuzumab@{k}nM+t-dm1@{kt}nM"), &c, &a).unwrap();
        let h = t.hooks(&a);
        assert!((h.get("domainIV_block") - 2.0 / 3.0).abs() < 1e-12);
        assert!((h.get("adc_occupancy") - 1.0 / 3.0).abs() < 1e-12);
        // Lapatinib at its EC50 inhibits half the HER2 kinase.
        let kl = ec50("lapatinib");
        let t = Treatment::parse(&format!("lapatinib@{kl}nM"), &c, &a).unwrap();
        assert!((t.hooks(&a).get("tki_her2_inhibition") - 0.5).abs() < 1e-12);
    }
}
