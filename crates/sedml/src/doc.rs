//! The SED-ML document model (the subset her2sim runs) and its reader: models with
//! `changeAttribute`, `computeChange` and XML changes, uniform time courses and steady
//! states, tasks and repeated tasks with uniform/vector/functional ranges and `setValue`,
//! data generators, reports and 2D plots. Elements are matched by local name, so Level 1
//! Versions 1-4 read alike; anything outside the subset is an error naming the element, or
//! (for outputs) a warning.

use her2sim_sbml::Math;
use roxmltree::Node;

use crate::SedmlError;

/// One SED-ML document.
#[derive(Debug, Clone, Default)]
pub(crate) struct SedDoc {
    pub models: Vec<ModelDef>,
    pub simulations: Vec<SimDef>,
    pub tasks: Vec<TaskDef>,
    pub generators: Vec<DataGen>,
    pub outputs: Vec<OutputDef>,
    /// Things skipped (unsupported outputs), for the user.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ModelDef {
    pub id: String,
    pub source: String,
    pub changes: Vec<Change>,
    pub line: u32,
}

/// A model change: its target (an XPath into the model), what it does, its line.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub target: String,
    pub kind: ChangeKind,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum ChangeKind {
    /// `changeAttribute` with its new value.
    Attribute(f64),
    /// `computeChange`: the new value from math over model variables and parameters.
    Compute {
        vars: Vec<Variable>,
        params: Vec<(String, f64)>,
        math: Math,
    },
    /// `addXML` (the new XML as text).
    AddXml(String),
    /// `changeXML`.
    ChangeXml(String),
    /// `removeXML`.
    RemoveXml,
}

impl Change {
    /// The SED-ML element name, for messages.
    pub fn element(&self) -> &'static str {
        match self.kind {
            ChangeKind::Attribute(_) => "changeAttribute",
            ChangeKind::Compute { .. } => "computeChange",
            ChangeKind::AddXml(_) => "addXML",
            ChangeKind::ChangeXml(_) => "changeXML",
            ChangeKind::RemoveXml => "removeXML",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum SimKind {
    UniformTimeCourse {
        initial: f64,
        output_start: f64,
        output_end: f64,
        /// Output intervals (numberOfPoints in L1V1-3, numberOfSteps in L1V4).
        steps: usize,
    },
    SteadyState,
    /// One output step of `step` from where the model stands (a repeated task with
    /// resetModel="false" chains them into a time course).
    OneStep {
        step: f64,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct SimDef {
    pub id: String,
    pub kind: SimKind,
    pub kisao: String,
    /// Algorithm parameters (KiSAO id, value).
    pub params: Vec<(String, String)>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct RangeDef {
    pub id: String,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct SetValue {
    pub model: String,
    pub target: String,
    pub range: Option<String>,
    pub vars: Vec<Variable>,
    pub params: Vec<(String, f64)>,
    pub math: Math,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum TaskDef {
    Task {
        id: String,
        model: String,
        simulation: String,
        line: u32,
    },
    Repeated {
        id: String,
        range: String,
        reset_model: bool,
        ranges: Vec<RangeDef>,
        changes: Vec<SetValue>,
        /// Sub-task ids in execution order.
        subtasks: Vec<String>,
        line: u32,
    },
}

impl TaskDef {
    pub fn id(&self) -> &str {
        match self {
            TaskDef::Task { id, .. } | TaskDef::Repeated { id, .. } => id,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub id: String,
    pub task: Option<String>,
    pub target: Option<String>,
    pub symbol: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct DataGen {
    pub id: String,
    pub name: Option<String>,
    pub vars: Vec<Variable>,
    pub params: Vec<(String, f64)>,
    pub math: Math,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Curve {
    pub name: Option<String>,
    pub x: String,
    pub y: String,
    pub log_x: bool,
    pub log_y: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum OutputDef {
    Report {
        id: String,
        /// (label, data generator id)
        sets: Vec<(String, String)>,
        line: u32,
    },
    Plot {
        id: String,
        name: Option<String>,
        curves: Vec<Curve>,
        log_x: bool,
        log_y: bool,
        line: u32,
    },
}

/// Reads SED-ML text; `file` names it in errors.
pub(crate) fn read(text: &str, file: &str) -> Result<SedDoc, SedmlError> {
    let xml = roxmltree::Document::parse(text)
        .map_err(|e| SedmlError::new(file, "", format!("not well-formed XML: {e}")))?;
    let r = Reader { file, xml: &xml };
    r.document()
}

struct Reader<'a, 'i> {
    file: &'a str,
    xml: &'a roxmltree::Document<'i>,
}

fn kids<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|n| n.is_element())
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    kids(node).find(|n| n.tag_name().name() == name)
}

fn list<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
    child(node, name)
        .map(|l| kids(l).collect())
        .unwrap_or_default()
}

fn describe(node: Node) -> String {
    match node.attribute("id") {
        Some(id) => format!("{} '{id}'", node.tag_name().name()),
        None => node.tag_name().name().to_string(),
    }
}

impl Reader<'_, '_> {
    fn line(&self, node: Node) -> u32 {
        self.xml.text_pos_at(node.range().start).row
    }

    fn err(&self, node: Node, msg: impl Into<String>) -> SedmlError {
        SedmlError::new(self.file, describe(node), msg).at_line(self.line(node))
    }

    fn attr(&self, node: Node, name: &str) -> Result<String, SedmlError> {
        node.attribute(name)
            .map(str::to_string)
            .ok_or_else(|| self.err(node, format!("missing attribute '{name}'")))
    }

    fn num(&self, node: Node, name: &str) -> Result<f64, SedmlError> {
        let s = self.attr(node, name)?;
        parse_f64(&s)
            .ok_or_else(|| self.err(node, format!("attribute '{name}' = '{s}' is not a number")))
    }

    fn count(&self, node: Node, names: &[&str]) -> Result<usize, SedmlError> {
        let Some((name, s)) = names
            .iter()
            .find_map(|n| node.attribute(*n).map(|v| (*n, v)))
        else {
            return Err(self.err(
                node,
                format!("missing attribute '{}'", names.join("' or '")),
            ));
        };
        s.trim().parse::<usize>().map_err(|_| {
            self.err(
                node,
                format!("attribute '{name}' = '{s}' is not a non-negative integer"),
            )
        })
    }

    fn math(&self, node: Node) -> Result<Math, SedmlError> {
        let m = child(node, "math").ok_or_else(|| self.err(node, "missing <math>"))?;
        match her2sim_sbml::parse_math(m) {
            Ok(Some(math)) => Ok(math),
            Ok(None) => Err(self.err(node, "empty <math>")),
            Err(e) => Err(self.err(node, format!("invalid math: {e}"))),
        }
    }

    fn params(&self, node: Node) -> Result<Vec<(String, f64)>, SedmlError> {
        list(node, "listOfParameters")
            .into_iter()
            .map(|p| Ok((self.attr(p, "id")?, self.num(p, "value")?)))
            .collect()
    }

    fn variables(&self, node: Node) -> Result<Vec<Variable>, SedmlError> {
        list(node, "listOfVariables")
            .into_iter()
            .map(|v| {
                let var = Variable {
                    id: self.attr(v, "id")?,
                    task: v.attribute("taskReference").map(str::to_string),
                    target: v.attribute("target").map(str::to_string),
                    symbol: v.attribute("symbol").map(str::to_string),
                    line: self.line(v),
                };
                if var.target.is_none() && var.symbol.is_none() {
                    return Err(self.err(v, "a variable needs a 'target' or a 'symbol'"));
                }
                if v.attribute("term").is_some() || child(v, "listOfAppliedDimensions").is_some() {
                    return Err(self.err(v, "unsupported: variables with 'term' or applied dimensions (L1V4 analysis results)"));
                }
                Ok(var)
            })
            .collect()
    }

    fn document(&self) -> Result<SedDoc, SedmlError> {
        let root = self.xml.root_element();
        if root.tag_name().name() != "sedML" {
            return Err(self.err(
                root,
                "not a SED-ML document (the root element is not <sedML>)",
            ));
        }
        if let (Some(l), Some(v)) = (root.attribute("level"), root.attribute("version")) {
            if l != "1" || !matches!(v, "1" | "2" | "3" | "4") {
                return Err(self.err(root, format!("unsupported SED-ML level {l} version {v} (her2sim reads Level 1 Versions 1-4)")));
            }
        }
        let mut doc = SedDoc::default();
        for m in list(root, "listOfModels") {
            doc.models.push(self.model(m)?);
        }
        for s in list(root, "listOfSimulations") {
            doc.simulations.push(self.simulation(s)?);
        }
        for t in list(root, "listOfTasks") {
            doc.tasks.push(self.task(t)?);
        }
        for d in list(root, "listOfDataGenerators") {
            doc.generators.push(DataGen {
                id: self.attr(d, "id")?,
                name: d.attribute("name").map(str::to_string),
                vars: self.variables(d)?,
                params: self.params(d)?,
                math: self.math(d)?,
                line: self.line(d),
            });
        }
        for o in list(root, "listOfOutputs") {
            match self.output(o)? {
                Some(out) => doc.outputs.push(out),
                None => doc.warnings.push(format!(
                    "{}:{}: {}: skipped (her2sim writes report and plot2D outputs only)",
                    self.file,
                    self.line(o),
                    describe(o)
                )),
            }
        }
        Ok(doc)
    }

    fn model(&self, m: Node) -> Result<ModelDef, SedmlError> {
        let mut changes = Vec::new();
        for c in list(m, "listOfChanges") {
            let new_xml = || {
                child(c, "newXML")
                    .map(|n| crate::xmledit::new_xml(n, self.xml.input_text()))
                    .ok_or_else(|| self.err(c, "missing <newXML>"))
            };
            let kind = match c.tag_name().name() {
                "changeAttribute" => {
                    let value = self.attr(c, "newValue")?;
                    ChangeKind::Attribute(parse_f64(&value).ok_or_else(|| {
                        self.err(c, format!("newValue '{value}' is not a number"))
                    })?)
                }
                "computeChange" => ChangeKind::Compute {
                    vars: self.variables(c)?,
                    params: self.params(c)?,
                    math: self.math(c)?,
                },
                "addXML" => ChangeKind::AddXml(new_xml()?),
                "changeXML" => ChangeKind::ChangeXml(new_xml()?),
                "removeXML" => ChangeKind::RemoveXml,
                other => {
                    return Err(self.err(
                        c,
                        format!("unsupported model change <{other}> (her2sim applies changeAttribute, computeChange, addXML, changeXML and removeXML)"),
                    ))
                }
            };
            changes.push(Change {
                target: self.attr(c, "target")?,
                kind,
                line: self.line(c),
            });
        }
        Ok(ModelDef {
            id: self.attr(m, "id")?,
            source: self.attr(m, "source")?,
            changes,
            line: self.line(m),
        })
    }

    fn simulation(&self, s: Node) -> Result<SimDef, SedmlError> {
        let kind = match s.tag_name().name() {
            "uniformTimeCourse" => SimKind::UniformTimeCourse {
                initial: self.num(s, "initialTime")?,
                output_start: self.num(s, "outputStartTime")?,
                output_end: self.num(s, "outputEndTime")?,
                steps: self.count(s, &["numberOfPoints", "numberOfSteps"])?,
            },
            "steadyState" => SimKind::SteadyState,
            "oneStep" => SimKind::OneStep {
                step: self.num(s, "step")?,
            },
            other => {
                return Err(self.err(s, format!("unsupported simulation <{other}> (her2sim runs uniformTimeCourse, oneStep and steadyState)")))
            }
        };
        let alg = child(s, "algorithm").ok_or_else(|| self.err(s, "missing <algorithm>"))?;
        let params = list(alg, "listOfAlgorithmParameters")
            .into_iter()
            .map(|p| Ok((self.attr(p, "kisaoID")?, self.attr(p, "value")?)))
            .collect::<Result<_, SedmlError>>()?;
        Ok(SimDef {
            id: self.attr(s, "id")?,
            kind,
            kisao: self.attr(alg, "kisaoID")?,
            params,
            line: self.line(s),
        })
    }

    fn task(&self, t: Node) -> Result<TaskDef, SedmlError> {
        match t.tag_name().name() {
            "task" => Ok(TaskDef::Task {
                id: self.attr(t, "id")?,
                model: self.attr(t, "modelReference")?,
                simulation: self.attr(t, "simulationReference")?,
                line: self.line(t),
            }),
            "repeatedTask" => {
                let mut ranges = Vec::new();
                let mut functional = Vec::new();
                for r in list(t, "listOfRanges") {
                    if r.tag_name().name() == "functionalRange" {
                        functional.push(r);
                    } else {
                        ranges.push(RangeDef {
                            id: self.attr(r, "id")?,
                            values: self.range(r)?,
                        });
                    }
                }
                // Functional ranges in dependency order (one may build on another).
                while !functional.is_empty() {
                    let ready = functional.iter().position(|r| {
                        r.attribute("range")
                            .is_some_and(|b| ranges.iter().any(|x| x.id == b))
                    });
                    let Some(i) = ready else {
                        return Err(self.err(functional[0], "its 'range' names no uniformRange, vectorRange or (acyclic) functionalRange of this repeatedTask"));
                    };
                    let r = functional.remove(i);
                    ranges.push(self.functional_range(r, &ranges)?);
                }
                let mut changes = Vec::new();
                for c in list(t, "listOfChanges") {
                    if c.tag_name().name() != "setValue" {
                        return Err(self.err(
                            c,
                            "unsupported change in a repeatedTask (her2sim applies setValue only)",
                        ));
                    }
                    changes.push(SetValue {
                        model: self.attr(c, "modelReference")?,
                        target: self.attr(c, "target")?,
                        range: c.attribute("range").map(str::to_string),
                        vars: self.variables(c)?,
                        params: self.params(c)?,
                        math: self.math(c)?,
                        line: self.line(c),
                    });
                }
                let mut subtasks = Vec::new();
                for (pos, s) in list(t, "listOfSubTasks").into_iter().enumerate() {
                    let order = match s.attribute("order") {
                        Some(o) => o
                            .trim()
                            .parse::<i64>()
                            .map_err(|_| self.err(s, format!("order '{o}' is not an integer")))?,
                        None => 0,
                    };
                    subtasks.push((order, pos, self.attr(s, "task")?));
                }
                if subtasks.is_empty() {
                    return Err(self.err(t, "a repeatedTask needs at least one subTask"));
                }
                subtasks.sort();
                let reset = t.attribute("resetModel").unwrap_or("true").trim();
                Ok(TaskDef::Repeated {
                    id: self.attr(t, "id")?,
                    range: self.attr(t, "range")?,
                    reset_model: matches!(reset, "true" | "1"),
                    ranges,
                    changes,
                    subtasks: subtasks.into_iter().map(|(_, _, s)| s).collect(),
                    line: self.line(t),
                })
            }
            other => Err(self.err(
                t,
                format!("unsupported task <{other}> (her2sim runs task and repeatedTask)"),
            )),
        }
    }

    /// A `functionalRange` over the range it names (already read) and its parameters.
    fn functional_range(&self, r: Node, ranges: &[RangeDef]) -> Result<RangeDef, SedmlError> {
        let base_id = self.attr(r, "range")?;
        let base = ranges
            .iter()
            .find(|x| x.id == base_id)
            .ok_or_else(|| self.err(r, format!("no range '{base_id}'")))?;
        if !self.variables(r)?.is_empty() {
            return Err(self.err(
                r,
                "unsupported: variables in a functionalRange (her2sim computes functional ranges from ranges and parameters)",
            ));
        }
        let params = self.params(r)?;
        let math = self.math(r)?;
        let values = base
            .values
            .iter()
            .map(|&x| {
                let mut env: std::collections::HashMap<&str, f64> =
                    params.iter().map(|(p, v)| (p.as_str(), *v)).collect();
                env.insert(base_id.as_str(), x);
                crate::eval::eval(&math, &env).map_err(|e| self.err(r, e))
            })
            .collect::<Result<_, _>>()?;
        Ok(RangeDef {
            id: self.attr(r, "id")?,
            values,
        })
    }

    fn range(&self, r: Node) -> Result<Vec<f64>, SedmlError> {
        match r.tag_name().name() {
            "uniformRange" => {
                let (a, b) = (self.num(r, "start")?, self.num(r, "end")?);
                let n = self.count(r, &["numberOfPoints", "numberOfSteps"])?;
                let log = match r.attribute("type").unwrap_or("linear") {
                    "linear" => false,
                    "log" => true,
                    other => return Err(self.err(r, format!("unknown range type '{other}'"))),
                };
                if log && (a <= 0.0 || b <= 0.0) {
                    return Err(self.err(r, "a log range needs positive start and end"));
                }
                if n > 1_000_000 {
                    return Err(self.err(r, "more than a million range points"));
                }
                Ok((0..=n)
                    .map(|i| {
                        let f = if n == 0 { 0.0 } else { i as f64 / n as f64 };
                        if log {
                            (a.ln() + (b.ln() - a.ln()) * f).exp()
                        } else {
                            a + (b - a) * f
                        }
                    })
                    .collect())
            }
            "vectorRange" => kids(r)
                .filter(|v| v.tag_name().name() == "value")
                .map(|v| {
                    let s = v.text().unwrap_or("").trim();
                    parse_f64(s).ok_or_else(|| self.err(v, format!("'{s}' is not a number")))
                })
                .collect(),
            other => Err(self.err(
                r,
                format!("unsupported range <{other}> (her2sim reads uniformRange, vectorRange and functionalRange)"),
            )),
        }
    }

    fn output(&self, o: Node) -> Result<Option<OutputDef>, SedmlError> {
        let id = self.attr(o, "id")?;
        let name = o.attribute("name").map(str::to_string);
        let line = self.line(o);
        match o.tag_name().name() {
            "report" => {
                let sets = list(o, "listOfDataSets")
                    .into_iter()
                    .map(|d| {
                        let label = d
                            .attribute("label")
                            .or(d.attribute("name"))
                            .map(str::to_string)
                            .map_or_else(|| self.attr(d, "id"), Ok)?;
                        Ok((label, self.attr(d, "dataReference")?))
                    })
                    .collect::<Result<_, SedmlError>>()?;
                Ok(Some(OutputDef::Report { id, sets, line }))
            }
            "plot2D" => {
                let axis_log = |axis: &str| {
                    child(o, axis).is_some_and(|a| a.attribute("type") == Some("log10"))
                };
                let curves = list(o, "listOfCurves")
                    .into_iter()
                    .map(|c| {
                        if c.tag_name().name() != "curve" {
                            return Err(
                                self.err(c, "unsupported curve kind (her2sim draws <curve> only)")
                            );
                        }
                        Ok(Curve {
                            name: c.attribute("name").map(str::to_string),
                            x: self.attr(c, "xDataReference")?,
                            y: self.attr(c, "yDataReference")?,
                            log_x: c.attribute("logX") == Some("true"),
                            log_y: c.attribute("logY") == Some("true"),
                        })
                    })
                    .collect::<Result<_, SedmlError>>()?;
                Ok(Some(OutputDef::Plot {
                    id,
                    name,
                    curves,
                    log_x: axis_log("xAxis"),
                    log_y: axis_log("yAxis"),
                    line,
                }))
            }
            _ => Ok(None),
        }
    }
}

/// An XML Schema double (`INF`, `-INF`, `NaN` included).
pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    match s.trim() {
        "INF" | "+INF" => Some(f64::INFINITY),
        "-INF" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}
