//! The sourced catalogue: targeting strategies, cell-line presets and resistance modifiers,
//! read from `models/her2/strategies.toml` and `models/her2/cell_lines.toml` (embedded at
//! build time), checked on load (every number positive, sourced and tagged, units known, ids
//! unique), and looked up by id or alias with errors that list the known ids.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::units::{Dimension, Quantity, Unit};

const STRATEGIES_TOML: &str = include_str!("../../../models/her2/strategies.toml");
const CELL_LINES_TOML: &str = include_str!("../../../models/her2/cell_lines.toml");

/// Whether a number was seen in a retrieved text (`sourced`) or is a commonly quoted value
/// not yet checked against a primary text (`unverified`), as tagged in the facts dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Sourced,
    Unverified,
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tag::Sourced => "sourced",
            Tag::Unverified => "unverified",
        })
    }
}

/// A source for a qualitative statement (a mechanism or a dose regimen).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
    /// What the citation covers, where it covers only part of the statement.
    pub note: Option<String>,
}

/// A sourced number: a value, a range, or both (the value inside the range), with its unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub value: Option<f64>,
    pub range: Option<[f64; 2]>,
    pub unit: String,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
    pub note: Option<String>,
}

impl Measure {
    /// The value, or the range as `lo-hi`, with its unit: `"0.314 nM"`, `"1e4-3e4 receptors/cell"`.
    pub fn display_value(&self) -> String {
        format!("{} {}", value_text(self.value, self.range), self.unit)
    }

    /// The value as a [`Quantity`] (concentration or body-dose units only); `None` for
    /// range-only numbers and for units that are not doses.
    pub fn quantity(&self) -> Option<Quantity> {
        Quantity::new(self.value?, &self.unit).ok()
    }
}

/// A named number that is neither a potency nor a dose: PK parameters, effect sizes,
/// frequencies, model constants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub name: String,
    pub value: Option<f64>,
    pub range: Option<[f64; 2]>,
    pub unit: String,
    /// For PK: the population and model the number comes from.
    pub population: Option<String>,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
    pub note: Option<String>,
}

impl Parameter {
    pub fn display_value(&self) -> String {
        format!("{} {}", value_text(self.value, self.range), self.unit)
    }
}

/// Kind of potency measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PotencyKind {
    Kd,
    IC50,
    Ki,
    EC50,
}

impl fmt::Display for PotencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PotencyKind::Kd => "Kd",
            PotencyKind::IC50 => "IC50",
            PotencyKind::Ki => "Ki",
            PotencyKind::EC50 => "EC50",
        })
    }
}

/// A binding or inhibition constant of a strategy against one target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Potency {
    pub kind: PotencyKind,
    /// The molecule or readout the constant refers to (e.g. "HER2", "cell proliferation").
    pub target: String,
    pub value: Option<f64>,
    pub range: Option<[f64; 2]>,
    pub unit: String,
    /// Assay or cell system.
    pub system: String,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
    pub note: Option<String>,
}

impl Potency {
    pub fn display_value(&self) -> String {
        format!("{} {}", value_text(self.value, self.range), self.unit)
    }
}

/// A clinical regimen as text (it is not simulated as a number here).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalDose {
    pub text: String,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
}

/// Mechanistic class of a strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyClass {
    Antibody,
    Adc,
    Tki,
    Hsp90,
    Transcriptional,
    Rna,
    Pi3k,
    Akt,
    Mtor,
    Mek,
    Chemo,
}

impl fmt::Display for StrategyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StrategyClass::Antibody => "antibody",
            StrategyClass::Adc => "adc",
            StrategyClass::Tki => "tki",
            StrategyClass::Hsp90 => "hsp90",
            StrategyClass::Transcriptional => "transcriptional",
            StrategyClass::Rna => "rna",
            StrategyClass::Pi3k => "pi3k",
            StrategyClass::Akt => "akt",
            StrategyClass::Mtor => "mtor",
            StrategyClass::Mek => "mek",
            StrategyClass::Chemo => "chemo",
        })
    }
}

/// One way of targeting HER2 or its pathway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub class: StrategyClass,
    pub targets: Vec<String>,
    /// One or two sentences shown to users: what it does to which molecule.
    pub mechanism: String,
    pub mechanism_source: Option<Citation>,
    /// The in-vitro concentration used when a study gives none.
    pub default_dose: Option<Measure>,
    pub clinical_dose: Option<ClinicalDose>,
    pub molecular_weight_g_per_mol: Option<Measure>,
    #[serde(default)]
    pub potency: Vec<Potency>,
    #[serde(default)]
    pub pk: Vec<Parameter>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// What the dossier does not give yet.
    pub todo: Option<String>,
}

impl Strategy {
    /// The default in-vitro dose as a [`Quantity`], if there is one.
    pub fn default_quantity(&self) -> Option<Quantity> {
        self.default_dose.as_ref().and_then(Measure::quantity)
    }

    /// Molecular weight in g/mol, if known.
    pub fn molecular_weight(&self) -> Option<f64> {
        self.molecular_weight_g_per_mol
            .as_ref()
            .and_then(|m| m.value)
    }

    /// A concentration of this strategy in nM (mass units converted with its molecular weight).
    pub fn to_nanomolar(&self, q: &Quantity) -> Result<f64, crate::units::DoseError> {
        q.to_nanomolar(self.molecular_weight())
    }

    /// Terminal half-life in hours from the `t_half` PK entry, if there is one.
    pub fn half_life_h(&self) -> Option<f64> {
        let p = self.pk.iter().find(|p| p.name == "t_half")?;
        let factor = match p.unit.as_str() {
            "h" => 1.0,
            "d" => 24.0,
            "min" => 1.0 / 60.0,
            _ => return None,
        };
        Some(p.value? * factor)
    }
}

/// Mutation or expression status of a pathway gene, with its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneStatus {
    pub status: String,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
}

/// A cell-line preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellLine {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub her2_status: String,
    /// The HER2 count a study uses by default.
    pub her2_per_cell: Measure,
    /// Other reported HER2 counts (assays and labs disagree 2-4x).
    #[serde(default)]
    pub her2_per_cell_other: Vec<Measure>,
    pub egfr_per_cell: Option<Measure>,
    pub her3_per_cell: Option<Measure>,
    pub pik3ca: Option<GeneStatus>,
    pub pten: Option<GeneStatus>,
    pub doubling_time_h: Option<Measure>,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    pub notes: Option<String>,
    pub todo: Option<String>,
}

/// A resistance modifier applied on top of a cell line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Modifier {
    pub id: String,
    pub name: String,
    /// The mechanism, shown to users.
    pub description: String,
    pub source: String,
    pub tag: Tag,
    #[serde(default)]
    pub low_confidence: bool,
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    pub todo: Option<String>,
}

/// Why the catalogue could not be built or an id was not found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogueError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("invalid catalogue:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
    #[error("unknown {kind} {id:?}; known: {}", known.join(", "))]
    Unknown {
        kind: &'static str,
        id: String,
        known: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategiesFile {
    #[serde(default)]
    strategy: Vec<Strategy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CellLinesFile {
    #[serde(default)]
    cell_line: Vec<CellLine>,
    #[serde(default)]
    modifier: Vec<Modifier>,
}

/// Strategies, cell lines and modifiers, checked.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catalogue {
    strategies: Vec<Strategy>,
    cell_lines: Vec<CellLine>,
    modifiers: Vec<Modifier>,
}

impl Catalogue {
    /// The catalogue shipped in `models/her2/`.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_toml(STRATEGIES_TOML, CELL_LINES_TOML)
    }

    /// A catalogue from the text of a strategies file and a cell-lines file (same format as the
    /// shipped ones), checked as [`Catalogue::builtin`] is.
    pub fn from_toml(strategies: &str, cell_lines: &str) -> Result<Catalogue, CatalogueError> {
        let s: StrategiesFile = toml::from_str(strategies).map_err(|e| CatalogueError::Parse {
            file: "strategies.toml".into(),
            message: e.to_string(),
        })?;
        let c: CellLinesFile = toml::from_str(cell_lines).map_err(|e| CatalogueError::Parse {
            file: "cell_lines.toml".into(),
            message: e.to_string(),
        })?;
        let cat = Catalogue {
            strategies: s.strategy,
            cell_lines: c.cell_line,
            modifiers: c.modifier,
        };
        let problems = cat.problems();
        if problems.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogueError::Invalid(problems))
        }
    }

    pub fn strategies(&self) -> &[Strategy] {
        &self.strategies
    }

    pub fn cell_lines(&self) -> &[CellLine] {
        &self.cell_lines
    }

    pub fn modifiers(&self) -> &[Modifier] {
        &self.modifiers
    }

    /// A strategy by id or alias (case, spaces, `-` and `_` ignored: "T-DM1", "tdm1",
    /// "Kadcyla" all find `t-dm1`).
    pub fn strategy(&self, id: &str) -> Result<&Strategy, CatalogueError> {
        find(&self.strategies, id, "strategy", |s| (&s.id, &s.aliases))
    }

    /// A cell line by id or alias ("BT-474", "bt474").
    pub fn cell_line(&self, id: &str) -> Result<&CellLine, CatalogueError> {
        find(&self.cell_lines, id, "cell line", |c| (&c.id, &c.aliases))
    }

    /// A modifier by id ("p95her2", "PTEN loss").
    pub fn modifier(&self, id: &str) -> Result<&Modifier, CatalogueError> {
        const NONE: &Vec<String> = &Vec::new();
        find(&self.modifiers, id, "modifier", |m| (&m.id, NONE))
    }

    /// Everything wrong with the catalogue, one line each; empty when it is sound.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        let mut keys: Vec<(String, String, usize)> = Vec::new();
        for s in &self.strategies {
            let w = format!("strategy {}", s.id);
            check_id(&mut p, &mut keys, "strategy", &s.id, &s.aliases);
            check_text(&mut p, &w, "name", &s.name);
            check_text(&mut p, &w, "mechanism", &s.mechanism);
            if s.targets.is_empty() || s.targets.iter().any(|t| t.trim().is_empty()) {
                p.push(format!("{w}: targets must be a non-empty list of names"));
            }
            if let Some(c) = &s.mechanism_source {
                check_text(&mut p, &w, "mechanism_source.source", &c.source);
            }
            if let Some(c) = &s.clinical_dose {
                check_text(&mut p, &w, "clinical_dose.text", &c.text);
                check_text(&mut p, &w, "clinical_dose.source", &c.source);
            }
            if let Some(d) = &s.default_dose {
                let w = format!("{w} default_dose");
                check_measure(&mut p, &w, d);
                if d.value.is_none() {
                    p.push(format!("{w}: a dose needs a value"));
                }
                check_dose_unit(&mut p, &w, &d.unit);
            }
            if let Some(m) = &s.molecular_weight_g_per_mol {
                let w = format!("{w} molecular_weight_g_per_mol");
                check_measure(&mut p, &w, m);
                if m.value.is_none() || m.unit != "g/mol" {
                    p.push(format!("{w}: needs a value in g/mol"));
                }
            }
            for (i, q) in s.potency.iter().enumerate() {
                let w = format!("{w} potency[{i}] ({} {})", q.kind, q.target);
                check_number(&mut p, &w, q.value, q.range, &q.source);
                check_text(&mut p, &w, "target", &q.target);
                check_text(&mut p, &w, "system", &q.system);
                check_dose_unit(&mut p, &w, &q.unit);
                if let Ok(u) = Unit::parse(&q.unit) {
                    if !matches!(
                        u.dimension,
                        Dimension::MolarConcentration | Dimension::MassConcentration
                    ) {
                        p.push(format!(
                            "{w}: a potency needs a concentration unit, not {u}"
                        ));
                    }
                }
            }
            for (i, x) in s.pk.iter().chain(&s.parameters).enumerate() {
                check_parameter(&mut p, &format!("{w} pk/parameter[{i}]"), x);
            }
            if s.default_dose.is_none() && s.potency.is_empty() && s.todo.is_none() {
                p.push(format!(
                    "{w}: no dose and no potency, and no todo saying why"
                ));
            }
        }
        keys.clear();
        for c in &self.cell_lines {
            let w = format!("cell line {}", c.id);
            check_id(&mut p, &mut keys, "cell line", &c.id, &c.aliases);
            check_text(&mut p, &w, "name", &c.name);
            check_text(&mut p, &w, "her2_status", &c.her2_status);
            let counts = std::iter::once(("her2_per_cell", &c.her2_per_cell))
                .chain(
                    c.her2_per_cell_other
                        .iter()
                        .map(|m| ("her2_per_cell_other", m)),
                )
                .chain(c.egfr_per_cell.iter().map(|m| ("egfr_per_cell", m)))
                .chain(c.her3_per_cell.iter().map(|m| ("her3_per_cell", m)));
            for (field, m) in counts {
                let w = format!("{w} {field}");
                check_measure(&mut p, &w, m);
                if m.unit != "receptors/cell" {
                    p.push(format!(
                        "{w}: unit must be receptors/cell, not {:?}",
                        m.unit
                    ));
                }
            }
            if let Some(d) = &c.doubling_time_h {
                let w = format!("{w} doubling_time_h");
                check_measure(&mut p, &w, d);
                if d.unit != "h" {
                    p.push(format!("{w}: unit must be h, not {:?}", d.unit));
                }
            }
            for g in c.pik3ca.iter().chain(&c.pten) {
                check_text(&mut p, &w, "status", &g.status);
                check_text(&mut p, &w, "status source", &g.source);
            }
            for (i, x) in c.parameters.iter().enumerate() {
                check_parameter(&mut p, &format!("{w} parameter[{i}]"), x);
            }
        }
        keys.clear();
        for m in &self.modifiers {
            let w = format!("modifier {}", m.id);
            check_id(&mut p, &mut keys, "modifier", &m.id, &[]);
            check_text(&mut p, &w, "name", &m.name);
            check_text(&mut p, &w, "description", &m.description);
            check_text(&mut p, &w, "source", &m.source);
            for (i, x) in m.parameters.iter().enumerate() {
                check_parameter(&mut p, &format!("{w} parameter[{i}]"), x);
            }
        }
        p
    }
}

/// Lower-case with spaces, `-` and `_` removed, for forgiving lookups.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn find<'a, T>(
    items: &'a [T],
    id: &str,
    kind: &'static str,
    keys: impl Fn(&T) -> (&String, &Vec<String>),
) -> Result<&'a T, CatalogueError> {
    let want = normalise(id);
    items
        .iter()
        .find(|it| {
            let (i, aliases) = keys(it);
            normalise(i) == want || aliases.iter().any(|a| normalise(a) == want)
        })
        .ok_or_else(|| CatalogueError::Unknown {
            kind,
            id: id.to_string(),
            known: items.iter().map(|it| keys(it).0.clone()).collect(),
        })
}

/// The value, the range, or both, as `"0.314"`, `"4.7e5"`, `"1e4-3e4"`, `"1 (0.5-5)"`.
pub fn value_text(value: Option<f64>, range: Option<[f64; 2]>) -> String {
    match (value, range) {
        (Some(v), Some([lo, hi])) => format!("{} ({}-{})", num(v), num(lo), num(hi)),
        (Some(v), None) => num(v),
        (None, Some([lo, hi])) => format!("{}-{}", num(lo), num(hi)),
        (None, None) => "-".to_string(),
    }
}

/// Shortest text for a number, in exponent form when it is very large or very small.
fn num(x: f64) -> String {
    let a = x.abs();
    if a >= 1e4 || (a > 0.0 && a < 1e-3) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Checks an id's spelling and that neither it nor its aliases (normalised) are used by an
/// earlier entry. `seen` holds (normalised name, owner id, entry index).
fn check_id(
    p: &mut Vec<String>,
    seen: &mut Vec<(String, String, usize)>,
    kind: &str,
    id: &str,
    aliases: &[String],
) {
    let lower_ascii = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !lower_ascii {
        p.push(format!(
            "{kind} id {id:?}: ids are lower-case ASCII letters, digits and '-'"
        ));
    }
    let entry = seen.last().map_or(0, |(_, _, i)| i + 1);
    for key in std::iter::once(id).chain(aliases.iter().map(String::as_str)) {
        let n = normalise(key);
        if let Some((_, owner, _)) = seen.iter().find(|(k, _, i)| *k == n && *i != entry) {
            p.push(format!(
                "{kind} {id}: name {key:?} is already used by {owner}"
            ));
        }
        seen.push((n, id.to_string(), entry));
    }
}

fn check_text(p: &mut Vec<String>, what: &str, field: &str, text: &str) {
    if text.trim().is_empty() {
        p.push(format!("{what}: {field} is empty"));
    }
}

fn check_number(
    p: &mut Vec<String>,
    what: &str,
    value: Option<f64>,
    range: Option<[f64; 2]>,
    source: &str,
) {
    check_text(p, what, "source", source);
    let ok = |x: f64| x.is_finite() && x > 0.0;
    match (value, range) {
        (None, None) => p.push(format!("{what}: needs a value or a range")),
        (v, r) => {
            if let Some(v) = v {
                if !ok(v) {
                    p.push(format!("{what}: value {v} is not positive and finite"));
                }
            }
            if let Some([lo, hi]) = r {
                if !ok(lo) || !ok(hi) || lo > hi {
                    p.push(format!("{what}: range [{lo}, {hi}] is not 0 < lo <= hi"));
                } else if let Some(v) = v {
                    if v < lo || v > hi {
                        p.push(format!(
                            "{what}: value {v} is outside its range [{lo}, {hi}]"
                        ));
                    }
                }
            }
        }
    }
}

fn check_measure(p: &mut Vec<String>, what: &str, m: &Measure) {
    check_number(p, what, m.value, m.range, &m.source);
    check_text(p, what, "unit", &m.unit);
}

fn check_parameter(p: &mut Vec<String>, what: &str, x: &Parameter) {
    let w = format!("{what} ({})", x.name);
    check_text(p, &w, "name", &x.name);
    check_text(p, &w, "unit", &x.unit);
    check_number(p, &w, x.value, x.range, &x.source);
}

fn check_dose_unit(p: &mut Vec<String>, what: &str, unit: &str) {
    if let Err(e) = Unit::parse(unit) {
        p.push(format!("{what}: {e}"));
    }
}
