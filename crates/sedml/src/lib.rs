//! SED-ML simulation experiments and COMBINE archives on the her2sim engine.
//!
//! [`run_path`] reads a SED-ML file (Level 1 Versions 1-4) or an `.omex` archive (every
//! SED-ML file its manifest lists, master first), runs its tasks and returns its outputs:
//! each `report` as CSV (one column per dataSet, headed by its label) and each `plot2D` as
//! a standalone SVG line chart. Writing them is the caller's job (the CLI uses
//! `her2sim-files` report directories).
//!
//! Supported: models from files relative to the SED-ML file (or inside the archive), or
//! BioModels URNs (`urn:miriam:biomodels.db:ID`, identifiers.org URLs) resolved to `ID.xml`
//! or `ID_url.xml` there (nothing is downloaded); model changes `changeAttribute` and
//! `computeChange` (start-value overrides of parameter values, compartment sizes and species
//! initial concentrations/amounts) and `addXML`/`changeXML`/`removeXML` (edits of the SBML
//! text before it is compiled); `uniformTimeCourse` (initialTime < outputStartTime allowed)
//! and `steadyState`; `task`; `repeatedTask` with `uniformRange`/`vectorRange`/
//! `functionalRange` (over ranges and parameters), `setValue` from ranges, parameters and
//! model values, nested repeated tasks (`resetModel="true"`); data generators with MathML
//! over variables (species, parameters, compartments, reactions, time) and parameters.
//! Anything else is an error naming the file, element and id, except unsupported outputs
//! (plot3D, surfaces), which are skipped with a warning.

mod doc;
mod error;
mod eval;
mod exec;
mod files;
mod xmledit;
mod xpath;

use std::collections::HashMap;
use std::path::Path;

use her2sim_report::csv::{field, number};

pub use error::SedmlError;

use doc::{OutputDef, SedDoc};
use exec::{Exec, Series};
use files::Files;

/// What kind of output a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A `report`, written as CSV.
    Report,
    /// A `plot2D`, written as SVG.
    Plot,
}

/// One output file of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// File name: `<output id>.csv` or `.svg` (prefixed with the SED-ML file's stem when an
    /// archive holds several SED-ML files).
    pub name: String,
    /// Report or plot.
    pub kind: OutputKind,
    /// The SED-ML file it comes from.
    pub source: String,
    /// Column labels (reports) or curve names (plots).
    pub columns: Vec<String>,
    /// Data rows (reports) or points in the longest curve (plots).
    pub rows: usize,
    /// The file's content.
    pub content: Vec<u8>,
}

/// Everything a run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SedmlRun {
    /// The SED-ML files run, in order.
    pub documents: Vec<String>,
    /// Output files, in document order.
    pub outputs: Vec<OutputFile>,
    /// Things skipped (unsupported outputs).
    pub warnings: Vec<String>,
}

/// Runs a SED-ML file or a COMBINE archive (recognised by its zip signature); input files
/// are read with the size limit `limit` (bytes).
pub fn run_path(path: &Path, limit: u64) -> Result<SedmlRun, SedmlError> {
    let name = path.display().to_string();
    let mut head = [0u8; 4];
    let is_zip = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == *b"PK\x03\x04";
    if is_zip {
        let archive = files::open_archive(path, limit)?;
        let several = archive.sedml.len() > 1;
        let mut out = SedmlRun::default();
        for entry in &archive.sedml {
            let (shown, text) = archive
                .files
                .read("", entry)
                .map_err(|e| SedmlError::new(name.as_str(), "", e))?;
            let prefix = several.then(|| stem(entry));
            run_one(
                &text,
                &shown,
                entry,
                &archive.files,
                prefix.as_deref(),
                &mut out,
            )?;
        }
        check_unique(&out, &name)?;
        Ok(out)
    } else {
        let text = her2sim_files::read_text(path, limit).map_err(|e| {
            // The file error already names the path.
            let msg = e.to_string();
            let msg = msg
                .strip_prefix(&format!("{name}: "))
                .unwrap_or(&msg)
                .to_string();
            SedmlError::new(name.as_str(), "", msg)
        })?;
        let files = Files::Disk { limit };
        let mut out = SedmlRun::default();
        run_one(&text, &name, &name, &files, None, &mut out)?;
        check_unique(&out, &name)?;
        Ok(out)
    }
}

fn stem(entry: &str) -> String {
    let base = entry.rsplit('/').next().unwrap_or(entry);
    base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
}

fn check_unique(out: &SedmlRun, name: &str) -> Result<(), SedmlError> {
    let mut seen = std::collections::HashSet::new();
    for o in &out.outputs {
        if !seen.insert(o.name.as_str()) {
            return Err(SedmlError::new(
                name,
                format!("output '{}'", o.name),
                "two outputs would be written to the same file",
            ));
        }
    }
    Ok(())
}

/// Runs one SED-ML document: `shown` names it in errors, `location` resolves model sources.
fn run_one(
    text: &str,
    shown: &str,
    location: &str,
    files: &Files,
    prefix: Option<&str>,
    out: &mut SedmlRun,
) -> Result<(), SedmlError> {
    let doc = doc::read(text, shown)?;
    out.documents.push(shown.to_string());
    out.warnings.extend(doc.warnings.iter().cloned());
    // Relative model sources resolve against `location`; errors name `shown`.
    let mut exec = Exec::new(&doc, files, location);
    let values = generators(&doc, &mut exec).map_err(|mut e| {
        e.file = shown.to_string();
        e
    })?;
    for o in &doc.outputs {
        let file = render(o, &doc, &values, shown, prefix)?;
        out.outputs.push(file);
    }
    Ok(())
}

/// Evaluates every data generator an output uses (tasks run once each, for all the
/// variables read from them).
fn generators(doc: &SedDoc, exec: &mut Exec) -> Result<HashMap<String, Series>, SedmlError> {
    let mut used: Vec<&str> = Vec::new();
    for o in &doc.outputs {
        match o {
            OutputDef::Report { sets, .. } => used.extend(sets.iter().map(|(_, d)| d.as_str())),
            OutputDef::Plot { curves, .. } => {
                used.extend(curves.iter().flat_map(|c| [c.x.as_str(), c.y.as_str()]))
            }
        }
    }
    // Variables per task, in order of first use.
    let mut per_task: Vec<(&str, Vec<&doc::Variable>)> = Vec::new();
    for g in doc
        .generators
        .iter()
        .filter(|g| used.contains(&g.id.as_str()))
    {
        for v in &g.vars {
            let task = v.task.as_deref().ok_or_else(|| {
                SedmlError::new(
                    exec.file,
                    format!("variable '{}' of dataGenerator '{}'", v.id, g.id),
                    "missing taskReference",
                )
                .at_line(v.line)
            })?;
            match per_task.iter_mut().find(|(t, _)| *t == task) {
                Some((_, vs)) => vs.push(v),
                None => per_task.push((task, vec![v])),
            }
        }
    }
    let mut var_values: HashMap<(&str, *const doc::Variable), Series> = HashMap::new();
    for (task, vars) in &per_task {
        let res = exec.run_task(task, vars)?;
        for (v, s) in vars.iter().zip(res) {
            var_values.insert((task, *v as *const _), s);
        }
    }
    let mut values = HashMap::new();
    for g in doc
        .generators
        .iter()
        .filter(|g| used.contains(&g.id.as_str()))
    {
        let err = |msg: String| {
            SedmlError::new(exec.file, format!("dataGenerator '{}'", g.id), msg).at_line(g.line)
        };
        let series: Vec<&Series> = g
            .vars
            .iter()
            .map(|v| {
                let task = v.task.as_deref().unwrap_or("");
                var_values
                    .get(&(task, v as *const _))
                    .ok_or_else(|| err(format!("no values for variable '{}'", v.id)))
            })
            .collect::<Result<_, _>>()?;
        // The shape: that of the first variable (a generator without variables is one value).
        let shape: Vec<usize> = series
            .first()
            .map_or_else(|| vec![1], |s| s.iter().map(Vec::len).collect());
        if series
            .iter()
            .any(|s| s.iter().map(Vec::len).collect::<Vec<_>>() != shape)
        {
            return Err(err(
                "its variables have different shapes (tasks with different output points)".into(),
            ));
        }
        let mut result: Series = Vec::with_capacity(shape.len());
        for (r, &n) in shape.iter().enumerate() {
            let mut curve = Vec::with_capacity(n);
            for i in 0..n {
                let mut env: HashMap<&str, f64> = HashMap::new();
                for (p, x) in &g.params {
                    env.insert(p.as_str(), *x);
                }
                for (v, s) in g.vars.iter().zip(&series) {
                    env.insert(v.id.as_str(), s[r][i]);
                }
                curve.push(eval::eval(&g.math, &env).map_err(err)?);
            }
            result.push(curve);
        }
        values.insert(g.id.clone(), result);
    }
    Ok(values)
}

fn render(
    o: &OutputDef,
    doc: &SedDoc,
    values: &HashMap<String, Series>,
    shown: &str,
    prefix: Option<&str>,
) -> Result<OutputFile, SedmlError> {
    let get = |id: &str, elem: &str, line: u32| {
        values.get(id).ok_or_else(|| {
            SedmlError::new(
                shown,
                elem.to_string(),
                format!("no dataGenerator '{id}' in listOfDataGenerators"),
            )
            .at_line(line)
        })
    };
    let file_name = |id: &str, ext: &str| match prefix {
        Some(p) => format!("{p}.{id}.{ext}"),
        None => format!("{id}.{ext}"),
    };
    match o {
        OutputDef::Report { id, sets, line, .. } => {
            let elem = format!("report '{id}'");
            // Repetitions (a repeated task's iterations) are stacked vertically.
            let cols: Vec<Vec<f64>> = sets
                .iter()
                .map(|(_, d)| get(d, &elem, *line).map(|s| s.concat()))
                .collect::<Result<_, _>>()?;
            let rows = cols.iter().map(Vec::len).max().unwrap_or(0);
            let mut csv = sets
                .iter()
                .map(|(l, _)| field(l))
                .collect::<Vec<_>>()
                .join(",");
            csv.push('\n');
            for i in 0..rows {
                let row: Vec<String> = cols
                    .iter()
                    .map(|c| c.get(i).map_or_else(String::new, |&x| number(x)))
                    .collect();
                csv.push_str(&row.join(","));
                csv.push('\n');
            }
            Ok(OutputFile {
                name: file_name(id, "csv"),
                kind: OutputKind::Report,
                source: shown.to_string(),
                columns: sets.iter().map(|(l, _)| l.clone()).collect(),
                rows,
                content: csv.into_bytes(),
            })
        }
        OutputDef::Plot {
            id,
            name,
            curves,
            log_x,
            log_y,
            line,
        } => {
            let elem = format!("plot2D '{id}'");
            let label = |dg: &str| {
                doc.generators
                    .iter()
                    .find(|g| g.id == dg)
                    .and_then(|g| g.name.clone())
                    .unwrap_or_else(|| dg.to_string())
            };
            let mut series = Vec::new();
            let mut names = Vec::new();
            for c in curves {
                let (xs, ys) = (get(&c.x, &elem, *line)?, get(&c.y, &elem, *line)?);
                let base = c.name.clone().unwrap_or_else(|| label(&c.y));
                let reps = xs.len().max(ys.len());
                for r in 0..reps {
                    let (Some(x), Some(y)) =
                        // A single x curve (or y curve) pairs with every repetition of the other.
                        (xs.get(r.min(xs.len().saturating_sub(1))), ys.get(r.min(ys.len().saturating_sub(1))))
                    else {
                        continue;
                    };
                    let n = if reps > 1 {
                        format!("{base} [{}]", r + 1)
                    } else {
                        base.clone()
                    };
                    names.push(n.clone());
                    series.push(her2sim_report::Series::new(
                        n,
                        x.iter().copied().zip(y.iter().copied()).collect(),
                    ));
                }
            }
            let rows = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
            let chart = her2sim_report::LineChart {
                title: name.clone().unwrap_or_else(|| id.clone()),
                x_label: curves.first().map(|c| label(&c.x)).unwrap_or_default(),
                y_label: if curves.len() == 1 {
                    label(&curves[0].y)
                } else {
                    String::new()
                },
                series,
                log_x: *log_x || curves.iter().any(|c| c.log_x),
                log_y: *log_y || curves.iter().any(|c| c.log_y),
                ..Default::default()
            };
            Ok(OutputFile {
                name: file_name(id, "svg"),
                kind: OutputKind::Plot,
                source: shown.to_string(),
                columns: names,
                rows,
                content: chart.to_svg().into_bytes(),
            })
        }
    }
}
