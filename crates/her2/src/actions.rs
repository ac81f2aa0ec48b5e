//! How catalogue strategies and modifiers act on the network model: `models/her2/actions.toml`
//! read, checked against the catalogue and the hook list, and resolved into numbers (the EC50
//! of each concentration-dependent effect picked from the catalogue's potencies).

use serde::Deserialize;

use crate::catalogue::{Catalogue, PotencyKind, Strategy, Tag};
use crate::hooks::hook;
use crate::units::Quantity;

const ACTIONS_TOML: &str = include_str!("../../../models/her2/actions.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionsFile {
    #[serde(default)]
    strategy: Vec<StrategyEntry>,
    #[serde(default)]
    modifier: Vec<ModifierEntry>,
    #[serde(default)]
    cell_line: Vec<ModifierEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyEntry {
    id: String,
    default_dose: Option<DoseEntry>,
    effect: Vec<EffectEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DoseEntry {
    value: f64,
    unit: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EffectEntry {
    hook: String,
    site: Option<String>,
    potency: Option<PotencyRef>,
    #[serde(rename = "ec50_nM")]
    ec50_nm: Option<f64>,
    fixed: Option<f64>,
    max: Option<f64>,
    hill: Option<f64>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PotencyRef {
    kind: PotencyKind,
    target: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModifierEntry {
    id: String,
    set: Vec<SetEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetEntry {
    param: String,
    value: f64,
    reason: String,
}

/// How an effect's size follows the dose.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// `max * C^hill / (C^hill + ec50^hill)`, or a share of a competed site.
    Concentration { ec50_nm: f64, hill: f64, max: f64 },
    /// A dose-independent effect (gene delivery, siRNA).
    Fixed(f64),
}

/// One resolved effect of a strategy on a hook.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub hook: String,
    /// Binders of one site compete for it.
    pub site: Option<String>,
    pub response: Response,
    /// The response before calibration (catalogue potency or assumed): the fit's prior and the
    /// value a fit starts from when none was adopted. Equal to `response` if not fitted.
    pub literature: Response,
    /// Where the EC50 came from (catalogue potency and tag, or the fit with its interval) or why
    /// it was chosen.
    pub basis: String,
    pub reason: String,
}

/// A parameter a modifier sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub param: String,
    pub value: f64,
    pub reason: String,
}

/// Every strategy's effects and every modifier's settings, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Actions {
    strategies: Vec<(String, Vec<Effect>)>,
    /// Study doses that replace the catalogue default (with the reason why).
    default_doses: Vec<(String, Quantity, String)>,
    modifiers: Vec<(String, Vec<Setting>)>,
    cell_lines: Vec<(String, Vec<Setting>)>,
    /// Clinical regimens with PK (`models/her2/regimens.toml`).
    regimens: crate::pk::Regimens,
}

impl Actions {
    /// The shipped actions, resolved against `cat`.
    pub fn builtin(cat: &Catalogue) -> Result<Actions, String> {
        Actions::from_toml(ACTIONS_TOML, cat)
    }

    /// Actions from the text of an actions file; every problem is reported, one per line.
    pub fn from_toml(text: &str, cat: &Catalogue) -> Result<Actions, String> {
        let file: ActionsFile = toml::from_str(text).map_err(|e| format!("actions.toml: {e}"))?;
        let mut problems = Vec::new();
        let mut strategies = Vec::new();
        let mut default_doses = Vec::new();
        for entry in file.strategy {
            let Ok(s) = cat.strategy(&entry.id) else {
                problems.push(format!("strategy {:?} is not in the catalogue", entry.id));
                continue;
            };
            if let Some(d) = entry.default_dose {
                match Quantity::new(d.value, &d.unit) {
                    Ok(q) if !d.reason.trim().is_empty() => {
                        default_doses.push((s.id.clone(), q, d.reason))
                    }
                    Ok(_) => {
                        problems.push(format!("strategy {}: default_dose needs a reason", s.id))
                    }
                    Err(e) => problems.push(format!("strategy {}: default_dose: {e}", s.id)),
                }
            }
            let mut effects = Vec::new();
            for e in entry.effect {
                match resolve_effect(s, e) {
                    Ok(eff) => effects.push(eff),
                    Err(p) => problems.push(format!("strategy {}: {p}", s.id)),
                }
            }
            strategies.push((s.id.clone(), effects));
        }
        let mut modifiers = Vec::new();
        for entry in file.modifier {
            match cat.modifier(&entry.id) {
                Ok(m) => modifiers.push(settings(&mut problems, "modifier", &m.id, entry.set)),
                Err(_) => problems.push(format!("modifier {:?} is not in the catalogue", entry.id)),
            }
        }
        let mut cell_lines = Vec::new();
        for entry in file.cell_line {
            match cat.cell_line(&entry.id) {
                Ok(c) => cell_lines.push(settings(&mut problems, "cell line", &c.id, entry.set)),
                Err(_) => {
                    problems.push(format!("cell line {:?} is not in the catalogue", entry.id))
                }
            }
        }
        for s in cat.strategies() {
            if !strategies.iter().any(|(id, _)| id == &s.id) {
                problems.push(format!("strategy {} has no entry", s.id));
            }
        }
        for m in cat.modifiers() {
            if !modifiers.iter().any(|(id, _)| id == &m.id) {
                problems.push(format!("modifier {} has no entry", m.id));
            }
        }
        if problems.is_empty() {
            let mut actions = Actions {
                strategies,
                default_doses,
                modifiers,
                cell_lines,
                regimens: crate::pk::Regimens::builtin(cat)?,
            };
            actions.adopt(&crate::fitted::adopted()?)?;
            Ok(actions)
        } else {
            Err(format!(
                "models/her2/actions.toml:\n  {}",
                problems.join("\n  ")
            ))
        }
    }

    /// Takes the calibration's fitted values (see [`crate::fitted`]): drug potencies and
    /// ceilings (`EC50_<drug>_<hook>`, `EMAX_<drug>_<hook>`), per-line parameters
    /// (`<param>_<line>`) and mutation-class strengths (set in every catalogue line that
    /// carries the mutation). Phenotype constants and the noise belong to the network model
    /// and the calibration; any other id is an error.
    pub fn adopt(&mut self, fitted: &[crate::fitted::FittedParameter]) -> Result<(), String> {
        use crate::calibration::{sid, DERIVED_LINES, LINE_PARAMS, PHENOTYPE, SHARED_LINE_PARAMS};
        let table = "models/her2/fitted_parameters.tsv";
        for f in fitted {
            let note = format!("fitted: {}", f.provenance());
            if let Some((kind, rest)) =
                f.id.strip_prefix("EC50_")
                    .map(|r| (true, r))
                    .or_else(|| f.id.strip_prefix("EMAX_").map(|r| (false, r)))
            {
                let hit = self.strategies.iter_mut().find_map(|(id, effects)| {
                    let drug = sid(id);
                    let hook = rest.strip_prefix(&drug)?.strip_prefix('_')?;
                    effects.iter_mut().find(|e| {
                        e.hook == hook && matches!(e.response, Response::Concentration { .. })
                    })
                });
                let Some(effect) = hit else {
                    return Err(format!("{table}: {} names no drug effect", f.id));
                };
                if let Response::Concentration { ec50_nm, max, .. } = &mut effect.response {
                    if kind {
                        *ec50_nm = f.value;
                    } else {
                        *max = f.value;
                    }
                }
                effect.basis = format!(
                    "{} {note}; literature: {}",
                    if kind { "EC50" } else { "ceiling" },
                    effect.basis
                );
                continue;
            }
            if let Some((param, line)) = LINE_PARAMS.iter().find_map(|(p, ..)| {
                let line = f.id.strip_prefix(p)?.strip_prefix('_')?;
                Some((*p, line))
            }) {
                let Some((parent, sets)) = self.cell_lines_mut(line) else {
                    return Err(format!("{table}: {}: no cell line {line}", f.id));
                };
                let parent = parent.clone();
                set(sets, param, f.value, &note);
                for (child, _) in DERIVED_LINES.iter().filter(|(_, p)| *p == parent) {
                    let Some((_, sets)) = self.cell_lines_mut(&sid(child)) else {
                        return Err(format!("{table}: {}: no cell line {child}", f.id));
                    };
                    set(
                        sets,
                        param,
                        f.value,
                        &format!("{note} (of its parent line {parent})"),
                    );
                }
                continue;
            }
            if let Some((param, ..)) = SHARED_LINE_PARAMS.iter().find(|(_, id, ..)| *id == f.id) {
                // Lines only: a modifier (`pten-loss`, `pik3ca-h1047r`) stands for a defined
                // perturbation, not for the mutations the catalogue lines happen to carry.
                for (_, sets) in self.cell_lines.iter_mut() {
                    if sets.iter().any(|s| s.param == *param) {
                        set(sets, param, f.value, &note);
                    }
                }
                continue;
            }
            if !(PHENOTYPE.iter().any(|(p, ..)| *p == f.id) || f.id == "sd_GR") {
                return Err(format!("{table}: {} is not a calibrated parameter", f.id));
            }
        }
        Ok(())
    }

    /// The settings of a cell line by its id in calibration identifiers (`mda_mb_453`), created
    /// empty if it has none.
    fn cell_lines_mut(&mut self, line_sid: &str) -> Option<&mut (String, Vec<Setting>)> {
        let pos = self
            .cell_lines
            .iter()
            .position(|(id, _)| crate::calibration::sid(id) == line_sid);
        match pos {
            Some(i) => self.cell_lines.get_mut(i),
            None => {
                let id = crate::calibration::LINES
                    .iter()
                    .chain(crate::calibration::DERIVED_LINES.iter().map(|(c, _)| c))
                    .find(|l| crate::calibration::sid(l) == line_sid)?;
                self.cell_lines.push((id.to_string(), Vec::new()));
                self.cell_lines.last_mut()
            }
        }
    }

    /// The effects of a strategy (by catalogue id).
    pub fn effects(&self, strategy_id: &str) -> &[Effect] {
        self.strategies
            .iter()
            .find(|(id, _)| id == strategy_id)
            .map(|(_, e)| e.as_slice())
            .unwrap_or(&[])
    }

    /// The dose a study uses when none is given, where the model's in-vitro setting needs a
    /// different one from the catalogue's (or the catalogue has none), with the reason.
    pub fn default_dose(&self, strategy_id: &str) -> Option<(Quantity, &str)> {
        self.default_doses
            .iter()
            .find(|(id, _, _)| id == strategy_id)
            .map(|(_, q, r)| (*q, r.as_str()))
    }

    /// The settings of a modifier (by catalogue id).
    pub fn settings(&self, modifier_id: &str) -> &[Setting] {
        lookup(&self.modifiers, modifier_id)
    }

    /// Clinical regimens and their PK models.
    pub fn regimens(&self) -> &crate::pk::Regimens {
        &self.regimens
    }

    /// The settings of a cell line beyond its HER2 gene dose (by catalogue id).
    pub fn cell_line_settings(&self, cell_line_id: &str) -> &[Setting] {
        lookup(&self.cell_lines, cell_line_id)
    }
}

/// Sets `param` in a list of settings (replacing an earlier value), noting why.
fn set(sets: &mut Vec<Setting>, param: &str, value: f64, note: &str) {
    match sets.iter_mut().find(|s| s.param == param) {
        Some(s) => {
            s.reason = format!("{note}; before: {}", s.reason);
            s.value = value;
        }
        None => sets.push(Setting {
            param: param.to_string(),
            value,
            reason: note.to_string(),
        }),
    }
}

fn lookup<'a>(table: &'a [(String, Vec<Setting>)], id: &str) -> &'a [Setting] {
    table
        .iter()
        .find(|(k, _)| k == id)
        .map(|(_, s)| s.as_slice())
        .unwrap_or(&[])
}

/// Checked settings of one modifier or cell line.
fn settings(
    problems: &mut Vec<String>,
    kind: &str,
    id: &str,
    entries: Vec<SetEntry>,
) -> (String, Vec<Setting>) {
    let mut sets = Vec::new();
    for s in entries {
        if hook(&s.param).is_none() {
            problems.push(format!("{kind} {id}: {:?} is not a model hook", s.param));
        } else if !s.value.is_finite() || s.value < 0.0 {
            problems.push(format!("{kind} {id}: {} must be >= 0", s.param));
        }
        if s.reason.trim().is_empty() {
            problems.push(format!("{kind} {id}: setting {} needs a reason", s.param));
        }
        sets.push(Setting {
            param: s.param,
            value: s.value,
            reason: s.reason,
        });
    }
    (id.to_string(), sets)
}

fn resolve_effect(s: &Strategy, e: EffectEntry) -> Result<Effect, String> {
    if hook(&e.hook).is_none() {
        return Err(format!("{:?} is not a model hook", e.hook));
    }
    if e.reason.trim().is_empty() {
        return Err(format!("effect on {} needs a reason", e.hook));
    }
    let positive = |name: &str, v: Option<f64>| match v {
        Some(x) if !(x.is_finite() && x > 0.0) => Err(format!("{name} must be > 0, got {x}")),
        _ => Ok(()),
    };
    positive("max", e.max)?;
    positive("hill", e.hill)?;
    positive("ec50_nM", e.ec50_nm)?;
    let (response, basis) = match (e.fixed, &e.potency, e.ec50_nm) {
        (Some(x), None, None) => {
            if !x.is_finite() || x < 0.0 {
                return Err(format!("fixed must be >= 0, got {x}"));
            }
            (Response::Fixed(x), "fixed effect".to_string())
        }
        (None, Some(p), None) => {
            let (ec50, basis) = pick_potency(s, p.kind, &p.target)?;
            (concentration(ec50, &e), basis)
        }
        (None, None, Some(ec50)) => (concentration(ec50, &e), "assumed EC50".to_string()),
        _ => {
            return Err(format!(
                "effect on {} needs exactly one of fixed, potency, ec50_nM",
                e.hook
            ))
        }
    };
    let literature = response.clone();
    Ok(Effect {
        hook: e.hook,
        site: e.site,
        response,
        literature,
        basis,
        reason: e.reason,
    })
}

fn concentration(ec50_nm: f64, e: &EffectEntry) -> Response {
    Response::Concentration {
        ec50_nm,
        hill: e.hill.unwrap_or(1.0),
        max: e.max.unwrap_or(1.0),
    }
}

/// The EC50 in nM from the catalogue potency of this kind and target: sourced entries first,
/// then the first listed; a range without a value gives its geometric middle.
fn pick_potency(s: &Strategy, kind: PotencyKind, target: &str) -> Result<(f64, String), String> {
    let mut matching: Vec<_> = s
        .potency
        .iter()
        .filter(|p| p.kind == kind && p.target.eq_ignore_ascii_case(target))
        .collect();
    matching.sort_by_key(|p| p.tag != Tag::Sourced);
    let Some(p) = matching.first() else {
        let known: Vec<String> = s
            .potency
            .iter()
            .map(|p| format!("{} {}", p.kind, p.target))
            .collect();
        return Err(format!(
            "no {kind} potency for target {target:?} (known: {})",
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ));
    };
    let value = p
        .value
        .or_else(|| p.range.map(|[a, b]| (a * b).sqrt()))
        .ok_or_else(|| format!("{kind} {target} has no value"))?;
    let q = Quantity::new(value, &p.unit).map_err(|e| e.to_string())?;
    let nm = s
        .to_nanomolar(&q)
        .map_err(|e| format!("{kind} {target}: {e}"))?;
    Ok((
        nm,
        format!(
            "{kind} {target} {} ({}; {})",
            p.display_value(),
            p.tag,
            p.source
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_actions_resolve() {
        let cat = Catalogue::builtin().unwrap();
        let a = Actions::builtin(&cat).unwrap();
        let t = a.effects("trastuzumab");
        assert_eq!(t[0].hook, "domainIV_block");
        // The catalogue's Kd stays the literature value; the laboratory uses the adopted fit.
        match t[0].literature {
            Response::Concentration { ec50_nm, .. } => assert!((ec50_nm - 0.314).abs() < 1e-12),
            _ => panic!("trastuzumab should be concentration-dependent"),
        }
        let fitted = crate::fitted::adopted().unwrap();
        let ec50 = fitted
            .iter()
            .find(|f| f.id == "EC50_trastuzumab_domainIV_block")
            .map(|f| f.value);
        match (t[0].response.clone(), ec50) {
            (Response::Concentration { ec50_nm, .. }, Some(v)) => {
                assert_eq!(ec50_nm, v);
                assert!(t[0].basis.contains("fitted"), "{}", t[0].basis);
            }
            (Response::Concentration { ec50_nm, .. }, None) => assert_eq!(ec50_nm, 0.314),
            _ => panic!("trastuzumab should be concentration-dependent"),
        }
        assert_eq!(a.settings("p95her2")[0].param, "p95_expression");
    }

    /// Adopting a fit sets the laboratory's values and keeps the literature one; ids that name
    /// nothing calibrated are errors naming the table and the id.
    #[test]
    fn adopting_a_fit() {
        use crate::fitted::FittedParameter;
        let cat = Catalogue::builtin().unwrap();
        let mut a = Actions::builtin(&cat).unwrap();
        let row = |id: &str, value: f64| FittedParameter {
            id: id.into(),
            value,
            lower: Some(value / 2.0),
            upper: None,
            interval: "Wald".into(),
            prior: 1.0,
            verdict: "one-sided".into(),
        };
        a.adopt(&[
            row("EC50_lapatinib_tki_her2_inhibition", 123.0),
            row("other_drive_skbr3", 0.7),
            row("mitotic_death_fraction_mcf7", 0.4),
        ])
        .unwrap();
        let lap = &a.effects("lapatinib")[0];
        assert!(
            matches!(lap.response, Response::Concentration { ec50_nm, .. } if ec50_nm == 123.0)
        );
        assert!(
            matches!(lap.literature, Response::Concentration { ec50_nm, .. } if ec50_nm == 9.2)
        );
        assert!(
            lap.basis.contains("fitted") && lap.basis.contains("open"),
            "{}",
            lap.basis
        );
        let get = |line: &str, p: &str| {
            a.cell_line_settings(line)
                .iter()
                .find(|s| s.param == p)
                .map(|s| s.value)
        };
        assert_eq!(get("skbr3", "other_drive"), Some(0.7));
        // The engineered MCF-7-HER2 shares MCF-7's fitted line parameters.
        assert_eq!(get("mcf7", "mitotic_death_fraction"), Some(0.4));
        assert_eq!(get("mcf7-her2", "mitotic_death_fraction"), Some(0.4));
        for bad in [
            "EC50_aspirin_tki_her2_inhibition",
            "k_warp",
            "other_drive_hela",
        ] {
            let e = a.adopt(&[row(bad, 1.0)]).unwrap_err();
            assert!(
                e.contains("fitted_parameters.tsv") && e.contains(bad),
                "{e}"
            );
        }
    }

    #[test]
    fn bad_entries_are_named() {
        let cat = Catalogue::builtin().unwrap();
        let err = Actions::from_toml(
            "[[strategy]]\nid = \"lapatinib\"\n[[strategy.effect]]\nhook = \"warp_drive\"\nfixed = 1.0\nreason = \"x\"\n",
            &cat,
        )
        .unwrap_err();
        assert!(err.contains("\"warp_drive\" is not a model hook"), "{err}");
        assert!(err.contains("strategy trastuzumab has no entry"), "{err}");
    }
}
