//! Reading a PEtab problem: the YAML file, then each table into typed rows, checked against
//! each other and against the model (every id resolves, placeholders match their counts).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use her2sim_engine::Simulator;
use serde::Deserialize;

use crate::formula::{self, Formula};
use crate::tables::{parse_number, Row, Table};
use crate::PetabError;

/// The scale a parameter is estimated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Lin,
    /// Natural logarithm.
    Log,
    /// Decimal logarithm.
    Log10,
}

impl Scale {
    /// A linear value on this scale.
    pub fn to_scale(self, x: f64) -> f64 {
        match self {
            Scale::Lin => x,
            Scale::Log => x.ln(),
            Scale::Log10 => x.log10(),
        }
    }

    /// A value on this scale back to linear.
    pub fn to_lin(self, x: f64) -> f64 {
        match self {
            Scale::Lin => x,
            Scale::Log => x.exp(),
            Scale::Log10 => 10f64.powf(x),
        }
    }
}

/// An objective prior (PEtab's `objectivePriorType` with its parameters).
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    /// Normal density (on the parameter scale if `on_scale`).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
        /// On the parameter scale rather than linear.
        on_scale: bool,
    },
    /// Laplace density.
    Laplace {
        /// Location.
        location: f64,
        /// Scale.
        scale: f64,
        /// On the parameter scale rather than linear.
        on_scale: bool,
    },
    /// Uniform density.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
        /// On the parameter scale rather than linear.
        on_scale: bool,
    },
    /// Log-normal density.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Log-Laplace density.
    LogLaplace {
        /// Location of the logarithm.
        location: f64,
        /// Scale of the logarithm.
        scale: f64,
    },
}

/// One row of the parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterRow {
    /// The parameter id.
    pub id: String,
    /// The scale it is estimated on.
    pub scale: Scale,
    /// Bounds and nominal value on the linear scale (as PEtab v1 writes them).
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Nominal value.
    pub nominal: f64,
    /// Whether it is estimated.
    pub estimate: bool,
    /// Its objective prior, if any.
    pub prior: Option<Prior>,
}

/// A condition-table or measurement-table cell: a number or a parameter id.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number (NaN keeps the model value).
    Num(f64),
    /// A parameter-table id.
    Param(String),
}

/// How measurement and simulation are transformed before the noise model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transformation {
    /// No transformation.
    Lin,
    /// Natural logarithm of data and simulation.
    Log,
    /// Decimal logarithm of data and simulation.
    Log10,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The noise model of an observable.
pub enum Noise {
    /// Gaussian noise (`noiseFormula` is the standard deviation).
    Normal,
    /// Laplace noise (`noiseFormula` is the scale).
    Laplace,
}

/// One row of the observable table.
#[derive(Debug, Clone, PartialEq)]
pub struct Observable {
    /// The observable id.
    pub id: String,
    /// `observableFormula`.
    pub formula: Formula,
    /// `noiseFormula`.
    pub noise_formula: Formula,
    /// `observableTransformation`.
    pub transformation: Transformation,
    /// `noiseDistribution`.
    pub noise: Noise,
}

/// One row of the measurement table.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Index into `Problem::observables`.
    pub observable: usize,
    /// `preequilibrationConditionId`, if any.
    pub preequilibration: Option<String>,
    /// `simulationConditionId`.
    pub condition: String,
    /// Time (`inf` for steady state).
    pub time: f64,
    /// The measured value.
    pub value: f64,
    /// `observableParameters`, in order.
    pub observable_parameters: Vec<Cell>,
    /// `noiseParameters`, in order.
    pub noise_parameters: Vec<Cell>,
    /// Where it came from, for error messages.
    pub line: usize,
}

/// A checked PEtab problem with its compiled model.
pub struct Problem {
    /// The YAML file.
    pub file: PathBuf,
    /// The compiled model.
    pub sim: Simulator,
    /// The parameter table.
    pub parameters: Vec<ParameterRow>,
    /// Per condition id: (target id in the model, value); NaN values keep the model's.
    pub conditions: HashMap<String, Vec<(String, Cell)>>,
    /// The observable table.
    pub observables: Vec<Observable>,
    /// The measurement table.
    pub measurements: Vec<Measurement>,
}

#[derive(Deserialize)]
struct YamlProblem {
    format_version: serde_yaml_ng::Value,
    parameter_file: String,
    problems: Vec<YamlSub>,
}

#[derive(Deserialize)]
struct YamlSub {
    #[serde(default)]
    condition_files: Vec<String>,
    #[serde(default)]
    measurement_files: Vec<String>,
    #[serde(default)]
    observable_files: Vec<String>,
    #[serde(default)]
    sbml_files: Vec<String>,
}

impl Problem {
    /// Reads and checks the problem a PEtab YAML file describes.
    pub fn read(file: &Path) -> Result<Problem, PetabError> {
        let text = her2sim_files::read_text(file, her2sim_files::DEFAULT_INPUT_LIMIT)?;
        let y: YamlProblem = serde_yaml_ng::from_str(&text)
            .map_err(|e| PetabError::problem(file, format!("not a PEtab problem file: {e}")))?;
        let version = match &y.format_version {
            serde_yaml_ng::Value::Number(n) => n.to_string(),
            serde_yaml_ng::Value::String(s) => s.clone(),
            other => format!("{other:?}"),
        };
        if !version.starts_with('1') {
            return Err(PetabError::problem(
                file,
                format!("unsupported: PEtab format_version {version} (version 1 is read)"),
            ));
        }
        let [sub] = y.problems.as_slice() else {
            return Err(PetabError::problem(
                file,
                "unsupported: more than one entry under 'problems'",
            ));
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        let one = |files: &[String], what: &str| -> Result<PathBuf, PetabError> {
            match files {
                [f] => Ok(dir.join(f)),
                _ => Err(PetabError::problem(
                    file,
                    format!("expected exactly one {what} file, got {}", files.len()),
                )),
            }
        };
        let model_file = one(&sub.sbml_files, "SBML")?;
        let model_text = her2sim_files::read_text(&model_file, her2sim_files::DEFAULT_INPUT_LIMIT)?;
        let sim = Simulator::from_sbml_text(&model_text)
            .map_err(|e| PetabError::problem(&model_file, e.to_string()))?;
        let parameters = read_parameters(&Table::read(&dir.join(&y.parameter_file))?)?;
        let mut conditions = HashMap::new();
        for f in &sub.condition_files {
            read_conditions(&Table::read(&dir.join(f))?, &mut conditions)?;
        }
        let mut observables = Vec::new();
        for f in &sub.observable_files {
            read_observables(&Table::read(&dir.join(f))?, &mut observables)?;
        }
        let mut measurements = Vec::new();
        for f in &sub.measurement_files {
            read_measurements(
                &Table::read(&dir.join(f))?,
                &observables,
                &conditions,
                &mut measurements,
            )?;
        }
        Ok(Problem {
            file: file.to_path_buf(),
            sim,
            parameters,
            conditions,
            observables,
            measurements,
        })
    }

    /// Every parameter of the table at its nominal value (linear scale).
    pub fn nominal_parameters(&self) -> HashMap<String, f64> {
        self.parameters
            .iter()
            .map(|p| (p.id.clone(), p.nominal))
            .collect()
    }

    /// Nominal values replaced by those of another parameter table (e.g. a fit's result).
    pub fn parameters_from_table(&self, file: &Path) -> Result<HashMap<String, f64>, PetabError> {
        let rows = read_parameters(&Table::read(file)?)?;
        let mut values = self.nominal_parameters();
        for r in rows {
            values.insert(r.id, r.nominal);
        }
        Ok(values)
    }
}

fn read_parameters(t: &Table) -> Result<Vec<ParameterRow>, PetabError> {
    t.require(&["parameterId", "parameterScale", "nominalValue", "estimate"])?;
    let mut out: Vec<ParameterRow> = Vec::new();
    for row in t.rows() {
        let id = row.required("parameterId")?.to_string();
        if out.iter().any(|p| p.id == id) {
            return Err(row.error("parameterId", &format!("'{id}' is listed twice")));
        }
        let scale = match row.required("parameterScale")? {
            "lin" => Scale::Lin,
            "log" => Scale::Log,
            "log10" => Scale::Log10,
            other => {
                return Err(row.error(
                    "parameterScale",
                    &format!("unknown scale {other:?} (lin, log, log10)"),
                ))
            }
        };
        let estimate = match row.required("estimate")? {
            "1" => true,
            "0" => false,
            other => return Err(row.error("estimate", &format!("{other:?} is not 0 or 1"))),
        };
        let bound = |c: &str| -> Result<f64, PetabError> {
            if row.get(c).is_empty() && !estimate {
                Ok(f64::NAN)
            } else {
                row.number(c)
            }
        };
        let (lower, upper) = (bound("lowerBound")?, bound("upperBound")?);
        if estimate && lower.partial_cmp(&upper).is_none_or(|o| o.is_gt()) {
            return Err(row.error("upperBound", "the bounds are not ordered"));
        }
        out.push(ParameterRow {
            id,
            scale,
            lower,
            upper,
            nominal: row.number("nominalValue")?,
            estimate,
            prior: read_prior(&row)?,
        });
    }
    Ok(out)
}

fn read_prior(row: &Row) -> Result<Option<Prior>, PetabError> {
    let kind = row.get("objectivePriorType");
    if kind.is_empty() {
        return Ok(None);
    }
    let params: Vec<f64> = row
        .required("objectivePriorParameters")?
        .split(';')
        .map(|v| {
            parse_number(v.trim()).ok_or_else(|| {
                row.error(
                    "objectivePriorParameters",
                    &format!("{v:?} is not a number"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let [a, b] = params.as_slice() else {
        return Err(row.error(
            "objectivePriorParameters",
            "takes two numbers separated by ';'",
        ));
    };
    let (a, b) = (*a, *b);
    Ok(Some(match kind {
        "normal" => Prior::Normal {
            mean: a,
            sd: b,
            on_scale: false,
        },
        "parameterScaleNormal" => Prior::Normal {
            mean: a,
            sd: b,
            on_scale: true,
        },
        "laplace" => Prior::Laplace {
            location: a,
            scale: b,
            on_scale: false,
        },
        "parameterScaleLaplace" => Prior::Laplace {
            location: a,
            scale: b,
            on_scale: true,
        },
        "uniform" => Prior::Uniform {
            low: a,
            high: b,
            on_scale: false,
        },
        "parameterScaleUniform" => Prior::Uniform {
            low: a,
            high: b,
            on_scale: true,
        },
        "logNormal" => Prior::LogNormal { mu: a, sigma: b },
        "logLaplace" => Prior::LogLaplace {
            location: a,
            scale: b,
        },
        other => return Err(row.error("objectivePriorType", &format!("unknown prior {other:?}"))),
    }))
}

fn cell(v: &str) -> Cell {
    match parse_number(v) {
        Some(x) => Cell::Num(x),
        None => Cell::Param(v.to_string()),
    }
}

fn read_conditions(
    t: &Table,
    out: &mut HashMap<String, Vec<(String, Cell)>>,
) -> Result<(), PetabError> {
    t.require(&["conditionId"])?;
    let targets: Vec<&String> = t
        .columns()
        .iter()
        .filter(|c| *c != "conditionId" && *c != "conditionName")
        .collect();
    for row in t.rows() {
        let id = row.required("conditionId")?.to_string();
        let mut entries = Vec::new();
        for target in &targets {
            let v = row.get(target);
            if !v.is_empty() {
                entries.push(((*target).clone(), cell(v)));
            }
        }
        if out.insert(id.clone(), entries).is_some() {
            return Err(row.error("conditionId", &format!("'{id}' is listed twice")));
        }
    }
    Ok(())
}

fn read_observables(t: &Table, out: &mut Vec<Observable>) -> Result<(), PetabError> {
    t.require(&["observableId", "observableFormula", "noiseFormula"])?;
    for row in t.rows() {
        let id = row.required("observableId")?.to_string();
        let parse = |column: &str| -> Result<Formula, PetabError> {
            formula::parse(row.required(column)?).map_err(|e| row.error(column, &e.to_string()))
        };
        let transformation = match row.get("observableTransformation") {
            "" | "lin" => Transformation::Lin,
            "log" => Transformation::Log,
            "log10" => Transformation::Log10,
            other => {
                return Err(row.error(
                    "observableTransformation",
                    &format!("unknown transformation {other:?}"),
                ))
            }
        };
        let noise = match row.get("noiseDistribution") {
            "" | "normal" => Noise::Normal,
            "laplace" => Noise::Laplace,
            other => {
                return Err(row.error(
                    "noiseDistribution",
                    &format!("unknown distribution {other:?}"),
                ))
            }
        };
        out.push(Observable {
            formula: parse("observableFormula")?,
            noise_formula: parse("noiseFormula")?,
            id,
            transformation,
            noise,
        });
    }
    Ok(())
}

fn read_measurements(
    t: &Table,
    observables: &[Observable],
    conditions: &HashMap<String, Vec<(String, Cell)>>,
    out: &mut Vec<Measurement>,
) -> Result<(), PetabError> {
    t.require(&[
        "observableId",
        "simulationConditionId",
        "measurement",
        "time",
    ])?;
    let list = |row: &Row, column: &str| -> Vec<Cell> {
        let v = row.get(column);
        if v.is_empty() {
            Vec::new()
        } else {
            v.split(';').map(|c| cell(c.trim())).collect()
        }
    };
    for row in t.rows() {
        let obs_id = row.required("observableId")?;
        let observable = observables
            .iter()
            .position(|o| o.id == obs_id)
            .ok_or_else(|| row.error("observableId", &format!("unknown observable '{obs_id}'")))?;
        let known = |column: &str| -> Result<Option<String>, PetabError> {
            match row.get(column) {
                "" => Ok(None),
                c if conditions.contains_key(c) => Ok(Some(c.to_string())),
                c => Err(row.error(column, &format!("unknown condition '{c}'"))),
            }
        };
        let condition = known("simulationConditionId")?
            .ok_or_else(|| row.error("simulationConditionId", "the cell is empty"))?;
        let time = row.number("time")?;
        if time.is_nan() || time < 0.0 {
            return Err(row.error("time", "must be a non-negative number or inf"));
        }
        out.push(Measurement {
            observable,
            preequilibration: known("preequilibrationConditionId")?,
            condition,
            time,
            value: row.number("measurement")?,
            observable_parameters: list(&row, "observableParameters"),
            noise_parameters: list(&row, "noiseParameters"),
            line: row.line,
        });
    }
    Ok(())
}
