//! The SBML Level 3 `comp` package (hierarchical model composition, version 1): a comp
//! document is flattened here into one core model, as text, which the ordinary reader then
//! reads; nothing downstream knows the model was composed.
//!
//! Flattening follows the comp specification (section 4, "Flattening"): each submodel is
//! instantiated from its model definition (in the document or, through an external model
//! definition, in another file beside it), recursively; its deletions are removed; every id
//! in it gets the prefix `submodel__` (so `A__B__x` is `x` of submodel `B` of submodel `A`, the
//! names the SBML Test Suite expects); its time and extent conversion factors scale its
//! reactions, rate rules, delays and `time`; then the containing model's replacements are
//! applied: a replaced element is removed and references to it point at its replacement
//! (divided by the replacement's conversion factor, and assignments to it multiplied by it),
//! and an element `replacedBy` a submodel's element gives that element its id.
//!
//! Elements are tracked by a serial number given when a definition is instantiated, so a
//! reference (port, id, metaid, nested `sBaseRef`) found once stays valid while ids are
//! prefixed and replaced. The flat text keeps, for each of its lines, the line (and file)
//! the element came from, so errors found later still point at the input.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use roxmltree::Node;

use crate::mathml::line_of;
use crate::SbmlError;

/// Most elements a flattened model may hold: submodels nest, so a small document can ask for
/// exponentially many copies of a definition.
pub const MAX_FLAT_ELEMENTS: usize = 1_000_000;

/// Deepest nesting of submodels (and of references through ports and external definitions).
pub const MAX_COMP_DEPTH: usize = 64;

/// Largest external model file read.
const MAX_EXTERNAL_BYTES: u64 = 256 * 1024 * 1024;

const MATHML: &str = "http://www.w3.org/1998/Math/MathML";

/// Whether a namespace URI is the comp package's.
pub(crate) fn is_comp_namespace(uri: &str) -> bool {
    uri.starts_with("http://www.sbml.org/sbml/level3/") && uri.contains("/comp/version")
}

/// The namespace of an element or attribute, as far as flattening cares.
#[derive(Clone, Debug, PartialEq)]
enum Ns {
    /// An attribute without prefix.
    None,
    /// SBML core (any level and version: an external file may be of another version).
    Core,
    Math,
    Comp,
    Other(Rc<str>),
}

impl Ns {
    fn of(uri: Option<&str>) -> Ns {
        match uri {
            None | Some("") => Ns::None,
            Some(MATHML) => Ns::Math,
            Some(u) if is_comp_namespace(u) => Ns::Comp,
            Some(u) if is_core_namespace(u) => Ns::Core,
            Some(u) => Ns::Other(u.into()),
        }
    }
}

/// `http://www.sbml.org/sbml/levelL/versionV` (Level 2) or the same with `/core` (Level 3).
fn is_core_namespace(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://www.sbml.org/sbml/level") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_, v] | [_, v, "core"] => v.starts_with("version"),
        _ => false,
    }
}

#[derive(Clone, Debug)]
struct Attr {
    ns: Ns,
    name: String,
    value: String,
}

/// An XML element owned and editable (roxmltree's tree is read-only).
#[derive(Clone, Debug)]
struct El {
    /// Serial number of this instance of the element (0 in templates and new math).
    uid: u32,
    ns: Ns,
    name: String,
    attrs: Vec<Attr>,
    kids: Vec<Kid>,
    /// Line in its file, and the file (index into [`Flattener::files`], 0 the main text).
    line: u32,
    src: u16,
}

#[derive(Clone, Debug)]
enum Kid {
    El(El),
    Text(String),
}

impl El {
    fn new(ns: Ns, name: &str, line: u32, src: u16) -> El {
        El {
            uid: 0,
            ns,
            name: name.to_string(),
            attrs: Vec::new(),
            kids: Vec::new(),
            line,
            src,
        }
    }

    fn is(&self, ns: &Ns, name: &str) -> bool {
        self.ns == *ns && self.name == name
    }

    /// An attribute without namespace.
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == Ns::None && a.name == name)
            .map(|a| a.value.trim())
    }

    /// A comp attribute (`comp:idRef`); read without the prefix too, as some tools write it.
    fn comp_attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == Ns::Comp && a.name == name)
            .or_else(|| {
                self.attrs
                    .iter()
                    .find(|a| a.ns == Ns::None && a.name == name)
            })
            .map(|a| a.value.trim())
    }

    fn set_attr(&mut self, name: &str, value: String) {
        match self
            .attrs
            .iter_mut()
            .find(|a| a.ns == Ns::None && a.name == name)
        {
            Some(a) => a.value = value,
            None => self.attrs.push(Attr {
                ns: Ns::None,
                name: name.to_string(),
                value,
            }),
        }
    }

    fn elements(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|k| match k {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        })
    }

    fn elements_mut(&mut self) -> impl Iterator<Item = &mut El> {
        self.kids.iter_mut().filter_map(|k| match k {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        })
    }

    fn child(&self, ns: &Ns, name: &str) -> Option<&El> {
        self.elements().find(|e| e.is(ns, name))
    }

    /// Removes and returns the first child element `name`.
    fn take_child(&mut self, ns: &Ns, name: &str) -> Option<El> {
        let i = self
            .kids
            .iter()
            .position(|k| matches!(k, Kid::El(e) if e.is(ns, name)))?;
        match self.kids.remove(i) {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        }
    }

    fn text(&self) -> String {
        self.kids
            .iter()
            .filter_map(|k| match k {
                Kid::Text(t) => Some(t.as_str()),
                Kid::El(_) => None,
            })
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// `comp:submodel 'A'`, `parameter 'k'`, `<comp:port>`: how errors name the element.
    fn describe(&self) -> String {
        let name = match self.ns {
            Ns::Comp => format!("comp:{}", self.name),
            _ => self.name.clone(),
        };
        match self.comp_attr("id").or_else(|| self.attr("metaid")) {
            Some(id) => format!("{name} '{}'", id.escape_debug()),
            None => format!("<{name}>"),
        }
    }

    /// The single expression inside this element's `<math>`, if any.
    fn math_expr_mut(&mut self) -> Option<&mut Kid> {
        let math = self.elements_mut().find(|e| e.is(&Ns::Math, "math"))?;
        math.kids.iter_mut().find(|k| matches!(k, Kid::El(_)))
    }
}

fn mathml(name: &str, kids: Vec<Kid>, line: u32, src: u16) -> Kid {
    let mut e = El::new(Ns::Math, name, line, src);
    e.kids = kids;
    Kid::El(e)
}

fn ci(id: &str, line: u32, src: u16) -> Kid {
    mathml("ci", vec![Kid::Text(id.to_string())], line, src)
}

/// `<apply><op/>args</apply>`.
fn apply(op: &str, args: Vec<Kid>, line: u32, src: u16) -> Kid {
    let mut kids = vec![mathml(op, Vec::new(), line, src)];
    kids.extend(args);
    mathml("apply", kids, line, src)
}

/// Replaces `kid` (an expression) by `op(kid, other)` or `op(other, kid)`.
fn wrap(kid: &mut Kid, op: &str, other: Kid, other_first: bool) {
    let (line, src) = match kid {
        Kid::El(e) => (e.line, e.src),
        Kid::Text(_) => (0, 0),
    };
    let old = std::mem::replace(kid, Kid::Text(String::new()));
    let args = if other_first {
        vec![other, old]
    } else {
        vec![old, other]
    };
    *kid = apply(op, args, line, src);
}

/// Converts a roxmltree element into an owned one, without notes and annotations (which
/// do not affect simulation) or comments.
fn convert(node: Node, src: u16) -> El {
    let mut el = El::new(
        Ns::of(node.tag_name().namespace()),
        node.tag_name().name(),
        line_of(node),
        src,
    );
    el.attrs = node
        .attributes()
        .map(|a| Attr {
            ns: Ns::of(a.namespace()),
            name: a.name().to_string(),
            value: a.value().to_string(),
        })
        .collect();
    for c in node.children() {
        if c.is_element() {
            let name = c.tag_name().name();
            let ns = Ns::of(c.tag_name().namespace());
            if ns == Ns::Core && (name == "notes" || name == "annotation") {
                continue;
            }
            el.kids.push(Kid::El(convert(c, src)));
        } else if let Some(t) = c.text() {
            if c.is_text() && !t.trim().is_empty() {
                el.kids.push(Kid::Text(t.to_string()));
            }
        }
    }
    el
}

/// A document's model and definitions, as templates to instantiate.
struct Doc {
    /// Identifies the document in cycle errors (its path, or `the document`).
    key: String,
    /// Where its external model files are looked up; `None` for text without a file.
    dir: Option<PathBuf>,
    main: Option<Rc<El>>,
    defs: HashMap<String, Rc<El>>,
    externals: HashMap<String, Rc<El>>,
}

impl Doc {
    fn new(root: &El, key: String, dir: Option<PathBuf>) -> Doc {
        let mut doc = Doc {
            key,
            dir,
            main: root.child(&Ns::Core, "model").cloned().map(Rc::new),
            defs: HashMap::new(),
            externals: HashMap::new(),
        };
        if let Some(list) = root.child(&Ns::Comp, "listOfModelDefinitions") {
            for d in list
                .elements()
                .filter(|e| e.is(&Ns::Comp, "modelDefinition"))
            {
                if let Some(id) = d.comp_attr("id") {
                    doc.defs
                        .entry(id.to_string())
                        .or_insert_with(|| Rc::new(d.clone()));
                }
            }
        }
        if let Some(list) = root.child(&Ns::Comp, "listOfExternalModelDefinitions") {
            for d in list
                .elements()
                .filter(|e| e.is(&Ns::Comp, "externalModelDefinition"))
            {
                if let Some(id) = d.comp_attr("id") {
                    doc.externals
                        .entry(id.to_string())
                        .or_insert_with(|| Rc::new(d.clone()));
                }
            }
        }
        doc
    }
}

/// The namespace of one instantiated model: what references from its parent can name.
#[derive(Default)]
struct Scope {
    ids: HashMap<String, u32>,
    metaids: HashMap<String, u32>,
    units: HashMap<String, u32>,
    /// Port id to the port (an SBaseRef, resolved in this scope when used).
    ports: HashMap<String, El>,
    submodels: HashMap<String, Scope>,
}

/// What an SBaseRef names: an element, or a whole submodel.
enum Found<'s> {
    El(u32),
    Sub(&'s Scope),
}

/// Where references to an id now point: `id`, divided by `factor` (an expression) where
/// there is one; an assignment to it is then multiplied by `factor`.
struct Target {
    id: String,
    factor: Option<Kid>,
}

enum Rename<'a> {
    /// Every id and reference gets this prefix.
    Prefix(&'a str),
    /// The ids in the map are redirected; others stay.
    Map(&'a HashMap<String, Target>),
}

/// Attributes of core elements that hold the id of another element (units aside: they do
/// not affect simulation and are not read).
const REF_ATTRS: &[&str] = &[
    "compartment",
    "species",
    "variable",
    "symbol",
    "conversionFactor",
    "outside",
];

struct Flattener {
    next_uid: u32,
    made: usize,
    /// Element to the element that replaced it (either direction of replacement).
    replaced: HashMap<u32, u32>,
    removed: HashSet<u32>,
    /// File names by `src` (0 is the text being read).
    files: Vec<String>,
    docs: HashMap<PathBuf, Rc<Doc>>,
}

/// A flattened document: core SBML text, and for each of its lines the line and file its
/// element came from.
pub(crate) struct Flat {
    pub text: String,
    origin: Vec<(u32, u16)>,
    files: Vec<String>,
}

impl Flat {
    /// The input line (and file, when not the main one) that flat line `line` came from.
    pub fn origin(&self, line: u32) -> Option<(u32, Option<&str>)> {
        let &(l, src) = self.origin.get((line as usize).checked_sub(1)?)?;
        if l == 0 {
            return None;
        }
        let file = (src > 0).then(|| self.files.get(src as usize).map(String::as_str));
        Some((l, file.flatten()))
    }

    /// An error found in the flat text, pointed back at the input.
    pub fn map_error(&self, mut e: SbmlError) -> SbmlError {
        if let Some(line) = e.line {
            match self.origin(line) {
                Some((l, file)) => {
                    e.line = Some(l);
                    if let Some(f) = file {
                        e.message = format!("{} (in external model file '{f}')", e.message);
                    }
                }
                None => e.line = None,
            }
        }
        e
    }

    /// The input line a flat line came from (0 when unknown).
    pub fn map_line(&self, line: u32) -> u32 {
        self.origin(line).map_or(0, |(l, _)| l)
    }
}

/// Flattens the comp document whose root is `root`; external model files are looked up in
/// `dir` (none when the text has no file: then only definitions inside it can be used).
pub(crate) fn flatten(root: Node, dir: Option<&Path>) -> Result<Flat, SbmlError> {
    let root_el = convert(root, 0);
    let mut f = Flattener {
        next_uid: 1,
        made: 0,
        replaced: HashMap::new(),
        removed: HashSet::new(),
        files: vec![String::new()],
        docs: HashMap::new(),
    };
    let doc = Rc::new(Doc::new(
        &root_el,
        "the document".into(),
        dir.map(Path::to_path_buf),
    ));
    let main = doc
        .main
        .clone()
        .ok_or_else(|| SbmlError::new("no <model> element").at(root_el.line, "<sbml>"))?;
    let mut stack = vec![model_key(&doc, &main)];
    let (model, _) = f.instantiate(&doc, &main, &mut stack, true)?;
    Ok(f.serialize(&root_el, &model))
}

fn model_key(doc: &Doc, model: &El) -> String {
    format!(
        "{}#{}",
        doc.key,
        model.comp_attr("id").unwrap_or("(the main model)")
    )
}

fn err(el: &El, files: &[String], msg: impl Into<String>) -> SbmlError {
    let mut e = SbmlError::new(msg).at(el.line, el.describe());
    if el.src > 0 {
        if let Some(f) = files.get(el.src as usize) {
            e.message = format!("{} (in external model file '{f}')", e.message);
        }
    }
    e
}

/// SId syntax, as the core reader checks it.
fn is_sid(v: &str) -> bool {
    let mut chars = v.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Flattener {
    fn err(&self, el: &El, msg: impl Into<String>) -> SbmlError {
        err(el, &self.files, msg)
    }

    /// A copy of a template with new serial numbers.
    fn fresh(&mut self, el: &El) -> Result<El, SbmlError> {
        self.made += 1;
        if self.made > MAX_FLAT_ELEMENTS {
            return Err(self.err(
                el,
                format!(
                    "unsupported: the flattened comp model would have more than {MAX_FLAT_ELEMENTS} elements"
                ),
            ));
        }
        let uid = self.next_uid;
        self.next_uid = self.next_uid.wrapping_add(1);
        let mut kids = Vec::with_capacity(el.kids.len());
        for k in &el.kids {
            kids.push(match k {
                Kid::El(e) => Kid::El(self.fresh(e)?),
                Kid::Text(t) => Kid::Text(t.clone()),
            });
        }
        Ok(El {
            uid,
            ns: el.ns.clone(),
            name: el.name.clone(),
            attrs: el.attrs.clone(),
            kids,
            line: el.line,
            src: el.src,
        })
    }

    /// The element that now stands for `uid` (following replacements).
    fn follow(&self, mut uid: u32) -> u32 {
        for _ in 0..=self.replaced.len() {
            match self.replaced.get(&uid) {
                Some(&next) if next != uid => uid = next,
                _ => break,
            }
        }
        uid
    }

    /// Reads an external model file (once), relative to the referring document.
    fn load(&mut self, from: &Doc, ext: &El) -> Result<Rc<Doc>, SbmlError> {
        let source = ext
            .comp_attr("source")
            .ok_or_else(|| self.err(ext, "missing required attribute 'comp:source'"))?;
        let local = source.strip_prefix("file://").unwrap_or(source);
        let local = local.strip_prefix("file:").unwrap_or(local);
        if local.contains("://") {
            return Err(self.err(
                ext,
                format!(
                    "unsupported: external model source '{source}' (only local files are read)"
                ),
            ));
        }
        let Some(dir) = &from.dir else {
            return Err(self.err(
                ext,
                format!(
                    "unsupported: external model source '{source}': the document was given as text without a file, so files it names cannot be found (read it from its file)"
                ),
            ));
        };
        let path = dir.join(local);
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some(d) = self.docs.get(&key) {
            return Ok(d.clone());
        }
        let text = read_limited(&path)
            .map_err(|e| self.err(ext, format!("external model source '{source}': {e}")))?;
        let src = u16::try_from(self.files.len()).map_err(|_| {
            self.err(
                ext,
                "unsupported: too many external model files".to_string(),
            )
        })?;
        self.files.push(source.to_string());
        let at = |e: SbmlError| {
            let mut e = e;
            e.message = format!("{} (in external model file '{source}')", e.message);
            e
        };
        crate::xml_guard::check(&text).map_err(at)?;
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let xml = roxmltree::Document::parse_with_options(&text, opts).map_err(|e| {
            at(SbmlError {
                line: Some(e.pos().row),
                element: None,
                message: format!("malformed XML: {e}"),
            })
        })?;
        let root = convert(xml.root_element(), src);
        if root.name != "sbml" {
            return Err(self.err(ext, format!("external model source '{source}' is not SBML")));
        }
        let doc = Rc::new(Doc::new(
            &root,
            key.display().to_string(),
            key.parent().map(Path::to_path_buf),
        ));
        self.docs.insert(key, doc.clone());
        Ok(doc)
    }

    /// The model `model_ref` names in `doc`: a model definition, an external one, or the
    /// document's main model.
    fn lookup(
        &mut self,
        doc: &Rc<Doc>,
        model_ref: &str,
        at: &El,
        stack: &mut Vec<String>,
    ) -> Result<(Rc<Doc>, Rc<El>), SbmlError> {
        if let Some(m) = doc.defs.get(model_ref) {
            return Ok((doc.clone(), m.clone()));
        }
        if let Some(ext) = doc.externals.get(model_ref).cloned() {
            let key = format!("{}#{}", doc.key, model_ref);
            if stack.contains(&key) || stack.len() > MAX_COMP_DEPTH {
                return Err(self.cycle(&ext, stack, &key));
            }
            let target = self.load(doc, &ext)?;
            stack.push(key);
            let found = match ext.comp_attr("modelRef") {
                None => target
                    .main
                    .clone()
                    .map(|m| (target.clone(), m))
                    .ok_or_else(|| self.err(&ext, "the external file has no <model>")),
                Some(r) => match &target.main {
                    Some(m) if m.attr("id") == Some(r) => Ok((target.clone(), m.clone())),
                    _ => self.lookup(&target, r, &ext, stack),
                },
            };
            stack.pop();
            return found;
        }
        match &doc.main {
            Some(m) if m.attr("id") == Some(model_ref) => Ok((doc.clone(), m.clone())),
            _ => Err(self.err(
                at,
                format!("no model definition '{model_ref}' (comp:modelRef)"),
            )),
        }
    }

    fn cycle(&self, at: &El, stack: &[String], key: &str) -> SbmlError {
        if stack.len() > MAX_COMP_DEPTH {
            return self.err(
                at,
                format!("unsupported: submodels nested deeper than {MAX_COMP_DEPTH} levels"),
            );
        }
        let start = stack.iter().position(|k| k == key).unwrap_or(0);
        let mut chain: Vec<&str> = stack[start..].iter().map(String::as_str).collect();
        chain.push(key);
        self.err(
            at,
            format!(
                "comp model definitions form a cycle: {}",
                chain.join(" -> ")
            ),
        )
    }

    /// Instantiates `def` with all its submodels flattened into it (their ids prefixed), its
    /// replacements applied and its comp elements gone; and the scope its parent resolves
    /// references in.
    fn instantiate(
        &mut self,
        doc: &Rc<Doc>,
        def: &El,
        stack: &mut Vec<String>,
        top: bool,
    ) -> Result<(El, Scope), SbmlError> {
        let mut model = self.fresh(def)?;
        model.ns = Ns::Core;
        model.name = "model".into();
        let submodels = model.take_child(&Ns::Comp, "listOfSubmodels");
        let ports = model.take_child(&Ns::Comp, "listOfPorts");
        let mut scope = Scope::default();
        collect_scope(&model, &mut scope, false);
        for p in ports
            .iter()
            .flat_map(|l| l.elements())
            .filter(|p| p.is(&Ns::Comp, "port"))
        {
            let id = p
                .comp_attr("id")
                .ok_or_else(|| self.err(p, "missing required attribute 'comp:id'"))?;
            scope.ports.insert(id.to_string(), p.clone());
        }
        if !top || submodels.is_some() {
            // The model's species conversion factor is its species' own: once flat, the
            // model-wide one would apply to every species of every submodel.
            push_model_conversion_factor(&mut model);
        }
        let mut reaction_rates: HashMap<String, Target> = HashMap::new();
        for sm in submodels
            .iter()
            .flat_map(|l| l.elements())
            .filter(|e| e.is(&Ns::Comp, "submodel"))
        {
            let id = sm
                .comp_attr("id")
                .ok_or_else(|| self.err(sm, "missing required attribute 'comp:id'"))?;
            if !is_sid(id) {
                return Err(self.err(sm, format!("comp:id={id:?} is not a valid SBML identifier")));
            }
            if scope.submodels.contains_key(id) || scope.ids.contains_key(id) {
                return Err(self.err(sm, format!("the id '{id}' is used twice")));
            }
            let model_ref = sm
                .comp_attr("modelRef")
                .ok_or_else(|| self.err(sm, "missing required attribute 'comp:modelRef'"))?;
            let (sub_doc, sub_def) = self.lookup(doc, model_ref, sm, stack)?;
            let key = model_key(&sub_doc, &sub_def);
            if stack.contains(&key) || stack.len() > MAX_COMP_DEPTH {
                return Err(self.cycle(sm, stack, &key));
            }
            stack.push(key);
            let (mut sub, sub_scope) = self.instantiate(&sub_doc, &sub_def, stack, false)?;
            stack.pop();
            for del in sm
                .child(&Ns::Comp, "listOfDeletions")
                .iter()
                .flat_map(|l| l.elements())
                .filter(|e| e.is(&Ns::Comp, "deletion"))
            {
                match resolve(&sub_scope, del, 0, &self.files)? {
                    Found::El(u) => {
                        let u = self.follow(u);
                        self.removed.insert(u);
                    }
                    Found::Sub(_) => {
                        return Err(self.err(del, "unsupported: deleting a whole submodel"))
                    }
                }
            }
            sweep(&mut sub, &self.removed, &HashMap::new());
            rename(
                &mut sub,
                &Rename::Prefix(&format!("{id}__")),
                &mut Vec::new(),
            );
            let tcf = sm.comp_attr("timeConversionFactor");
            let ecf = sm.comp_attr("extentConversionFactor");
            if let Some(factor) = convert_time_and_extent(&mut sub, tcf, ecf) {
                // A reaction's id stands for its rate in the submodel's units; references
                // to it are converted once the replacements are known (a replaced reaction's
                // references take the replacement's rate as it is, as libSBML does and the
                // SBML Test Suite expects).
                for list in sub
                    .elements()
                    .filter(|e| e.is(&Ns::Core, "listOfReactions"))
                {
                    for r in list.elements().filter_map(|r| r.attr("id")) {
                        reaction_rates.insert(
                            r.to_string(),
                            Target {
                                id: r.to_string(),
                                factor: Some(factor.clone()),
                            },
                        );
                    }
                }
            }
            self.merge(&mut model, sub)?;
            scope.submodels.insert(id.to_string(), sub_scope);
        }
        self.replace(&mut model, &scope)?;
        if !reaction_rates.is_empty() {
            let mut alive = HashMap::new();
            index_ids(&model, &mut alive);
            let alive: HashSet<String> = alive.into_values().flatten().collect();
            reaction_rates.retain(|id, _| alive.contains(id));
            rename(&mut model, &Rename::Map(&reaction_rates), &mut Vec::new());
        }
        Ok((model, scope))
    }

    /// Appends a flattened submodel's lists to the model's.
    fn merge(&self, model: &mut El, sub: El) -> Result<(), SbmlError> {
        if let Some(bad) = foreign(&sub) {
            return Err(self.err(
                &bad,
                format!(
                    "unsupported: package content (<{}>) in a comp submodel: only SBML core is flattened",
                    bad.name
                ),
            ));
        }
        for kid in sub.kids {
            let Kid::El(list) = kid else { continue };
            if list.ns != Ns::Core {
                continue;
            }
            if !list.name.starts_with("listOf") {
                return Err(self.err(&list, format!("unexpected <{}> in <model>", list.name)));
            }
            let at = model
                .kids
                .iter()
                .position(|k| matches!(k, Kid::El(e) if e.is(&Ns::Core, &list.name)));
            match at.and_then(|i| model.kids.get_mut(i)) {
                Some(Kid::El(into)) => into.kids.extend(list.kids),
                _ => model.kids.push(Kid::El(list)),
            }
        }
        Ok(())
    }

    /// The element a replacedElement or replacedBy names in its submodel.
    fn target(&self, scope: &Scope, r: &El, what: &str) -> Result<u32, SbmlError> {
        let sub = r
            .comp_attr("submodelRef")
            .ok_or_else(|| self.err(r, "missing required attribute 'comp:submodelRef'"))?;
        let sub = scope
            .submodels
            .get(sub)
            .ok_or_else(|| self.err(r, format!("no submodel '{sub}' (comp:submodelRef)")))?;
        match resolve(sub, r, 0, &self.files)? {
            Found::El(u) => Ok(self.follow(u)),
            Found::Sub(_) => {
                Err(self.err(r, format!("unsupported: a whole submodel as the {what}")))
            }
        }
    }

    /// Applies the replacements written on the model's own elements.
    fn replace(&mut self, model: &mut El, scope: &Scope) -> Result<(), SbmlError> {
        let mut ids: HashMap<u32, Option<String>> = HashMap::new();
        index_ids(model, &mut ids);
        let mut owners = Vec::new();
        find_replacing(model, &mut owners);
        let mut redirect: HashMap<String, Target> = HashMap::new();
        let mut renames: HashMap<u32, String> = HashMap::new();
        for owner in &owners {
            let own_id = owner.attr("id").map(str::to_string);
            for r in owner
                .child(&Ns::Comp, "listOfReplacedElements")
                .iter()
                .flat_map(|l| l.elements())
                .filter(|e| e.is(&Ns::Comp, "replacedElement"))
            {
                if r.comp_attr("deletion").is_some() {
                    // Replaces what a deletion removed: nothing is left to replace.
                    continue;
                }
                let t = self.target(scope, r, "replaced element")?;
                if t == owner.uid {
                    continue;
                }
                if self.removed.contains(&t) {
                    return Err(self.err(r, "the replaced element was deleted"));
                }
                if let Some(Some(old)) = ids.get(&t) {
                    let Some(new) = &own_id else {
                        return Err(self.err(
                            owner,
                            format!("replaces '{old}' but has no id to be referred to by"),
                        ));
                    };
                    redirect.insert(
                        old.clone(),
                        Target {
                            id: new.clone(),
                            factor: r
                                .comp_attr("conversionFactor")
                                .map(|f| ci(f, r.line, r.src)),
                        },
                    );
                }
                self.removed.insert(t);
                self.replaced.insert(t, owner.uid);
            }
            if let Some(r) = owner.child(&Ns::Comp, "replacedBy") {
                let t = self.target(scope, r, "replacement")?;
                if t == owner.uid {
                    continue;
                }
                if self.removed.contains(&t) {
                    return Err(self.err(r, "the replacing element was deleted"));
                }
                if let (Some(own), Some(Some(theirs))) = (&own_id, ids.get(&t)) {
                    redirect.insert(
                        theirs.clone(),
                        Target {
                            id: own.clone(),
                            factor: None,
                        },
                    );
                    renames.insert(t, own.clone());
                }
                self.removed.insert(owner.uid);
                self.replaced.insert(owner.uid, t);
            }
        }
        sweep(model, &self.removed, &renames);
        if !redirect.is_empty() {
            rename(model, &Rename::Map(&redirect), &mut Vec::new());
        }
        Ok(())
    }

    /// The flat document as text: `<sbml>` with the root's attributes (comp's left out) and
    /// the flat model, one element per line.
    fn serialize(&self, root: &El, model: &El) -> Flat {
        let mut prefixes: Vec<Rc<str>> = Vec::new();
        let mut note = |ns: &Ns| {
            if let Ns::Other(u) = ns {
                if !prefixes.contains(u) {
                    prefixes.push(u.clone());
                }
            }
        };
        root.attrs.iter().for_each(|a| note(&a.ns));
        fn walk(el: &El, note: &mut dyn FnMut(&Ns)) {
            note(&el.ns);
            el.attrs.iter().for_each(|a| note(&a.ns));
            el.elements().for_each(|e| walk(e, note));
        }
        walk(model, &mut note);
        let core_uri = root_core_uri(root);
        let mut w = Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            origin: vec![(0, 0)],
            prefixes,
        };
        let mut sbml = El::new(Ns::Core, "sbml", root.line, 0);
        sbml.attrs = root
            .attrs
            .iter()
            .filter(|a| a.ns != Ns::Comp)
            .cloned()
            .collect();
        w.open(&sbml, Some(&core_uri));
        w.element(model);
        w.out.push_str("</sbml>\n");
        Flat {
            text: w.out,
            origin: w.origin,
            files: self.files.clone(),
        }
    }
}

/// The core namespace the document declares (Level 3 Version 1 if it names none).
fn root_core_uri(root: &El) -> String {
    let level = root.attr("level").unwrap_or("3");
    let version = root.attr("version").unwrap_or("1");
    if level == "2" {
        format!("http://www.sbml.org/sbml/level{level}/version{version}")
    } else {
        format!("http://www.sbml.org/sbml/level{level}/version{version}/core")
    }
}

struct Writer {
    out: String,
    origin: Vec<(u32, u16)>,
    prefixes: Vec<Rc<str>>,
}

impl Writer {
    fn prefix(&self, ns: &Ns) -> String {
        match ns {
            Ns::None | Ns::Core => String::new(),
            Ns::Math => "mml:".into(),
            Ns::Comp => "comp:".into(),
            Ns::Other(u) => {
                let i = self.prefixes.iter().position(|p| p == u).unwrap_or(0);
                format!("p{i}:")
            }
        }
    }

    /// Writes a start tag on a new line (declaring the namespaces on the root).
    fn open(&mut self, el: &El, root_core: Option<&str>) {
        self.out.push('\n');
        self.origin.push((el.line, el.src));
        self.out.push('<');
        self.out.push_str(&self.prefix(&el.ns));
        self.out.push_str(&el.name);
        if let Some(core) = root_core {
            self.out.push_str(" xmlns=\"");
            escape_into(&mut self.out, core);
            self.out.push_str("\" xmlns:mml=\"");
            self.out.push_str(MATHML);
            self.out.push('"');
            for (i, u) in self.prefixes.iter().enumerate() {
                self.out.push_str(&format!(" xmlns:p{i}=\""));
                escape_into(&mut self.out, u);
                self.out.push('"');
            }
        }
        for a in el.attrs.iter().filter(|a| a.ns != Ns::Comp) {
            self.out.push(' ');
            self.out.push_str(&self.prefix(&a.ns));
            self.out.push_str(&a.name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, &a.value);
            self.out.push('"');
        }
        self.out.push('>');
    }

    fn element(&mut self, el: &El) {
        if el.ns == Ns::Comp {
            // Whatever comp content is left (in a place the flattening does not read).
            return;
        }
        self.open(el, None);
        for k in &el.kids {
            match k {
                Kid::El(e) => self.element(e),
                Kid::Text(t) => escape_into(&mut self.out, t),
            }
        }
        self.out.push_str("</");
        self.out.push_str(&self.prefix(&el.ns));
        self.out.push_str(&el.name);
        self.out.push('>');
    }
}

/// XML-escapes text; line breaks become character references so each element keeps its line.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

fn read_limited(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err("is a directory".into());
    }
    let mut text = String::new();
    file.take(MAX_EXTERNAL_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read file: {e}"))?;
    if text.len() as u64 > MAX_EXTERNAL_BYTES {
        return Err(format!("larger than {MAX_EXTERNAL_BYTES} bytes"));
    }
    Ok(text)
}

/// Fills a scope with the model's own ids, metaids and unit ids (before its submodels are
/// merged in: those are reached through nested references).
fn collect_scope(el: &El, scope: &mut Scope, in_kinetic_law: bool) {
    for e in el.elements() {
        if e.ns != Ns::Core {
            continue;
        }
        if let Some(m) = e.attr("metaid") {
            scope.metaids.entry(m.to_string()).or_insert(e.uid);
        }
        if let Some(id) = e.attr("id") {
            if e.name == "unitDefinition" {
                scope.units.entry(id.to_string()).or_insert(e.uid);
            } else if !(in_kinetic_law || e.name == "unit") {
                // Local parameters are not in the model's SId namespace.
                scope.ids.entry(id.to_string()).or_insert(e.uid);
            }
        }
        collect_scope(e, scope, in_kinetic_law || e.name == "kineticLaw");
    }
}

/// Resolves an SBaseRef (a port, deletion, replaced element or replacedBy) in `scope`.
fn resolve<'s>(
    scope: &'s Scope,
    r: &El,
    depth: usize,
    files: &[String],
) -> Result<Found<'s>, SbmlError> {
    if depth > MAX_COMP_DEPTH {
        return Err(err(
            r,
            files,
            "unsupported: references through ports nested too deeply (a cycle?)",
        ));
    }
    let missing = |what: &str, v: &str| err(r, files, format!("no {what} '{v}' in the submodel"));
    let first = if let Some(p) = r.comp_attr("portRef") {
        let port = scope.ports.get(p).ok_or_else(|| missing("port", p))?;
        resolve(scope, port, depth + 1, files)?
    } else if let Some(id) = r.comp_attr("idRef") {
        match scope.submodels.get(id) {
            Some(s) => Found::Sub(s),
            None => Found::El(*scope.ids.get(id).ok_or_else(|| missing("element", id))?),
        }
    } else if let Some(m) = r.comp_attr("metaIdRef") {
        Found::El(
            *scope
                .metaids
                .get(m)
                .ok_or_else(|| missing("element with metaid", m))?,
        )
    } else if let Some(u) = r.comp_attr("unitRef") {
        Found::El(
            *scope
                .units
                .get(u)
                .ok_or_else(|| missing("unit definition", u))?,
        )
    } else {
        return Err(err(
            r,
            files,
            "names no element (none of comp:portRef, comp:idRef, comp:unitRef, comp:metaIdRef)",
        ));
    };
    match r.child(&Ns::Comp, "sBaseRef") {
        None => Ok(first),
        Some(inner) => match first {
            Found::Sub(s) => resolve(s, inner, depth + 1, files),
            Found::El(_) => Err(err(
                r,
                files,
                "has a nested comp:sBaseRef but does not name a submodel",
            )),
        },
    }
}

/// Copies the model's `conversionFactor` onto its species that have none, and drops it.
fn push_model_conversion_factor(model: &mut El) {
    let Some(cf) = model.attr("conversionFactor").map(str::to_string) else {
        return;
    };
    model
        .attrs
        .retain(|a| !(a.ns == Ns::None && a.name == "conversionFactor"));
    for list in model
        .elements_mut()
        .filter(|e| e.is(&Ns::Core, "listOfSpecies"))
    {
        for s in list.elements_mut().filter(|e| e.name == "species") {
            if s.attr("conversionFactor").is_none() {
                s.set_attr("conversionFactor", cf.clone());
            }
        }
    }
}

/// The first element or attribute of another package in a submodel (not flattened).
fn foreign(el: &El) -> Option<El> {
    if matches!(el.ns, Ns::Other(_)) || el.attrs.iter().any(|a| matches!(a.ns, Ns::Other(_))) {
        let mut e = el.clone();
        e.kids.clear();
        return Some(e);
    }
    if el.ns == Ns::Math {
        return None;
    }
    el.elements().find_map(foreign)
}

/// Current id of every element, by serial number.
fn index_ids(el: &El, out: &mut HashMap<u32, Option<String>>) {
    for e in el.elements() {
        if e.ns == Ns::Core {
            out.insert(e.uid, e.attr("id").map(str::to_string));
            index_ids(e, out);
        }
    }
}

/// The elements that carry replacements (copies, without their children's children).
fn find_replacing(el: &El, out: &mut Vec<El>) {
    for e in el.elements() {
        if e.ns != Ns::Core {
            continue;
        }
        if e.child(&Ns::Comp, "listOfReplacedElements").is_some()
            || e.child(&Ns::Comp, "replacedBy").is_some()
        {
            let mut copy = e.clone();
            copy.kids
                .retain(|k| matches!(k, Kid::El(c) if c.ns == Ns::Comp));
            out.push(copy);
        }
        find_replacing(e, out);
    }
}

/// Removes the `removed` elements and the (now applied) replacement lists, and gives the
/// `renames` elements their new ids.
fn sweep(el: &mut El, removed: &HashSet<u32>, renames: &HashMap<u32, String>) {
    el.kids.retain(|k| match k {
        Kid::El(e) => {
            !(removed.contains(&e.uid)
                || e.is(&Ns::Comp, "listOfReplacedElements")
                || e.is(&Ns::Comp, "replacedBy"))
        }
        Kid::Text(_) => true,
    });
    for e in el.elements_mut() {
        if e.ns == Ns::Math {
            continue;
        }
        if let Some(id) = renames.get(&e.uid) {
            e.set_attr("id", id.clone());
        }
        sweep(e, removed, renames);
    }
}

/// Renames ids (definitions, reference attributes and math) in a model subtree.
/// `shadow` holds the local names in scope (local parameters, lambda arguments), which a
/// redirect leaves alone.
fn rename(el: &mut El, how: &Rename, shadow: &mut Vec<String>) {
    let pushed = if el.is(&Ns::Core, "kineticLaw") {
        let locals: Vec<String> = el
            .elements()
            .filter(|l| l.name == "listOfLocalParameters" || l.name == "listOfParameters")
            .flat_map(|l| l.elements())
            .filter_map(|p| p.attr("id").map(str::to_string))
            .collect();
        let n = locals.len();
        shadow.extend(locals);
        n
    } else {
        0
    };
    let mut scale = None;
    if el.ns == Ns::Core {
        let units = el.name == "unitDefinition" || el.name == "unit";
        for a in el.attrs.iter_mut().filter(|a| a.ns == Ns::None) {
            let is_ref = REF_ATTRS.contains(&a.name.as_str());
            match how {
                Rename::Prefix(p) => {
                    if is_ref || (a.name == "id" && !units) {
                        a.value = format!("{p}{}", a.value.trim());
                    }
                }
                Rename::Map(m) => {
                    if !is_ref {
                        continue;
                    }
                    let v = a.value.trim();
                    if shadow.iter().any(|s| s == v) {
                        continue;
                    }
                    if let Some(t) = m.get(v) {
                        a.value = t.id.clone();
                        if a.name == "variable" || a.name == "symbol" {
                            scale.clone_from(&t.factor);
                        }
                    }
                }
            }
        }
    }
    for e in el.elements_mut() {
        match e.ns {
            Ns::Core => rename(e, how, shadow),
            Ns::Math => rename_math(e, how, shadow),
            _ => {}
        }
    }
    if let Some(f) = scale {
        // The replacement is `factor` times what the replaced element was assigned.
        if let Some(expr) = el.math_expr_mut() {
            wrap(expr, "times", f, true);
        }
    }
    shadow.truncate(shadow.len() - pushed);
}

fn rename_math(el: &mut El, how: &Rename, shadow: &mut Vec<String>) {
    let pushed = if el.name == "lambda" {
        let args: Vec<String> = el
            .elements()
            .filter(|b| b.name == "bvar")
            .flat_map(|b| b.elements())
            .map(El::text)
            .collect();
        let n = args.len();
        shadow.extend(args);
        n
    } else {
        0
    };
    let is_apply = el.name == "apply";
    let mut first = true;
    for k in el.kids.iter_mut() {
        let Kid::El(e) = k else { continue };
        let head = is_apply && first;
        first = false;
        if e.name != "ci" {
            rename_math(e, how, shadow);
            continue;
        }
        let name = e.text();
        let (line, src) = (e.line, e.src);
        match how {
            Rename::Prefix(p) => e.kids = vec![Kid::Text(format!("{p}{name}"))],
            Rename::Map(m) => {
                if shadow.contains(&name) {
                    continue;
                }
                let Some(t) = m.get(&name) else { continue };
                match &t.factor {
                    // The replaced value is the replacement's divided by the factor.
                    Some(f) if !head => {
                        *k = apply("divide", vec![ci(&t.id, line, src), f.clone()], line, src)
                    }
                    _ => e.kids = vec![Kid::Text(t.id.clone())],
                }
            }
        }
    }
    shadow.truncate(shadow.len() - pushed);
}

fn csymbol_is(e: &El, what: &str) -> bool {
    e.is(&Ns::Math, "csymbol")
        && e.attr("definitionURL")
            .is_some_and(|u| u.rsplit('/').next() == Some(what))
}

/// Applies a submodel's time and extent conversion factors (ids in the parent) to its
/// flattened content: reaction rates become `rate * ecf / tcf`, rate rules `rate / tcf`,
/// event delays `delay * tcf`, and in all math `time` becomes `time / tcf`, `delay(x, d)`
/// `delay(x, d * tcf)` and `rateOf(x)` `rateOf(x) * tcf`.
///
/// Returns the factor on reaction rates (`ecf / tcf`), if any.
fn convert_time_and_extent(model: &mut El, tcf: Option<&str>, ecf: Option<&str>) -> Option<Kid> {
    let (line, src) = (model.line, model.src);
    let rate_factor = match (ecf, tcf) {
        (Some(x), Some(t)) => apply(
            "divide",
            vec![ci(x, line, src), ci(t, line, src)],
            line,
            src,
        ),
        (Some(x), None) => ci(x, line, src),
        (None, Some(t)) => apply(
            "divide",
            vec![
                mathml("cn", vec![Kid::Text("1".into())], line, src),
                ci(t, line, src),
            ],
            line,
            src,
        ),
        (None, None) => return None,
    };
    let conv = Conversion { tcf, rate_factor };
    conv.element(model);
    Some(conv.rate_factor)
}

struct Conversion<'a> {
    tcf: Option<&'a str>,
    rate_factor: Kid,
}

impl Conversion<'_> {
    fn element(&self, el: &mut El) {
        for e in el.elements_mut() {
            match e.ns {
                Ns::Core => self.element(e),
                Ns::Math => self.math(e),
                _ => {}
            }
        }
        let (line, src) = (el.line, el.src);
        let by_time = |el: &mut El, op: &str| {
            if let (Some(t), Some(expr)) = (self.tcf, el.math_expr_mut()) {
                wrap(expr, op, ci(t, line, src), false);
            }
        };
        match (&el.ns, el.name.as_str()) {
            (Ns::Core, "kineticLaw") => {
                if let Some(expr) = el.math_expr_mut() {
                    wrap(expr, "times", self.rate_factor.clone(), true);
                }
            }
            (Ns::Core, "rateRule") => by_time(el, "divide"),
            (Ns::Core, "delay") => by_time(el, "times"),
            _ => {}
        }
    }

    /// Converts the expressions below a MathML element (`time`, delays, rates of change).
    fn math(&self, el: &mut El) {
        let Some(t) = self.tcf else { return };
        let delay =
            el.name == "apply" && el.elements().next().is_some_and(|h| csymbol_is(h, "delay"));
        let mut index = 0;
        for k in el.kids.iter_mut() {
            let Kid::El(e) = k else { continue };
            let i = index;
            index += 1;
            let (line, src) = (e.line, e.src);
            if csymbol_is(e, "time") {
                // Submodel time is parent time divided by the factor.
                wrap(k, "divide", ci(t, line, src), false);
                continue;
            }
            self.math(e);
            let rate_of =
                e.name == "apply" && e.elements().next().is_some_and(|h| csymbol_is(h, "rateOf"));
            if (delay && i == 2) || rate_of {
                // A delay is a time span, a rate of change per unit of time.
                wrap(k, "times", ci(t, line, src), false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{read_str, read_str_in, Document, Math, Op, RuleKind};

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version1/core" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" level="3" version="1" comp:required="true">"#;

    fn doc(body: &str) -> String {
        format!("{HEAD}\n{body}\n</sbml>\n")
    }

    fn ci(s: &str) -> Math {
        Math::Ident(s.into())
    }

    fn param(d: &Document, id: &str) -> Option<f64> {
        d.model
            .parameters
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no parameter {id}"))
            .value
    }

    fn ids(d: &Document) -> Vec<&str> {
        d.model.parameters.iter().map(|p| p.id.as_str()).collect()
    }

    /// A definition with a compartment, a species, a parameter, a reaction using them, and an
    /// assignment rule.
    const DEF: &str = r#"<comp:listOfModelDefinitions><comp:modelDefinition id="inner">
  <listOfCompartments><compartment id="C" size="2" constant="true"/></listOfCompartments>
  <listOfSpecies><species metaid="S_meta" id="S" compartment="C" initialAmount="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
  <listOfParameters><parameter id="k" value="3" constant="true"/><parameter id="y" constant="false"/></listOfParameters>
  <listOfRules><assignmentRule metaid="y_rule" variable="y"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci></apply></math></assignmentRule></listOfRules>
  <listOfReactions><reaction id="R" reversible="false">
    <listOfReactants><speciesReference species="S" stoichiometry="1" constant="true"/></listOfReactants>
    <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>k</ci><ci>S</ci><ci>q</ci></apply></math>
      <listOfLocalParameters><localParameter id="q" value="0.5"/></listOfLocalParameters></kineticLaw>
  </reaction></listOfReactions>
  <comp:listOfPorts><comp:port comp:id="k_port" comp:idRef="k"/></comp:listOfPorts>
</comp:modelDefinition></comp:listOfModelDefinitions>"#;

    #[test]
    fn submodel_ids_and_references_are_prefixed() {
        let text = doc(&format!(
            r#"<model id="top"><comp:listOfSubmodels>
  <comp:submodel comp:id="A" comp:modelRef="inner"/><comp:submodel comp:id="B" comp:modelRef="inner"/>
</comp:listOfSubmodels></model>{DEF}"#
        ));
        let d = read_str(&text).unwrap();
        assert!(d.packages.iter().all(|(p, _)| p != "comp"));
        assert_eq!(ids(&d), ["A__k", "A__y", "B__k", "B__y"]);
        assert_eq!(param(&d, "B__k"), Some(3.0));
        let s = &d.model.species[1];
        assert_eq!((s.id.as_str(), s.compartment.as_str()), ("B__S", "B__C"));
        assert_eq!(d.model.compartments[0].size, Some(2.0));
        let r = &d.model.reactions[0];
        assert_eq!(
            (r.id.as_str(), r.reactants[0].species.as_str()),
            ("A__R", "A__S")
        );
        let law = r.kinetic_law.as_ref().unwrap();
        assert_eq!(law.local_parameters[0].id, "A__q");
        assert_eq!(
            law.math,
            Some(Math::Apply(
                Op::Times,
                vec![ci("A__k"), ci("A__S"), ci("A__q")]
            ))
        );
        let rule = &d.model.rules[1];
        assert_eq!(rule.variable.as_deref(), Some("B__y"));
        assert_eq!(
            rule.math,
            Some(Math::Apply(Op::Times, vec![ci("B__k"), ci("B__S")]))
        );
        // Lines point at the input (the definition's rule is on line 9 of the text).
        assert_eq!(rule.line, 9);
    }

    #[test]
    fn replacement_with_conversion_factor_scales_references_and_assignments() {
        // The parent's `y` replaces the submodel's (through a port for `k` too): the rule
        // `y = k*S` becomes `y = cf * ((kk / cf) * A__S)`.
        let text = doc(&format!(
            r#"<model id="top">
  <listOfParameters>
    <parameter id="cf" value="10" constant="true"/>
    <parameter id="kk" value="4" constant="true"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:portRef="k_port" comp:conversionFactor="cf"/></comp:listOfReplacedElements></parameter>
    <parameter id="y" constant="false"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="A" comp:idRef="y" comp:conversionFactor="cf"/></comp:listOfReplacedElements></parameter>
  </listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"/></comp:listOfSubmodels>
</model>{DEF}"#
        ));
        let d = read_str(&text).unwrap();
        assert_eq!(ids(&d), ["cf", "kk", "y"]);
        let rule = &d.model.rules[0];
        assert_eq!(rule.variable.as_deref(), Some("y"));
        let kk = Math::Apply(Op::Divide, vec![ci("kk"), ci("cf")]);
        assert_eq!(
            rule.math,
            Some(Math::Apply(
                Op::Times,
                vec![
                    ci("cf"),
                    Math::Apply(Op::Times, vec![kk.clone(), ci("A__S")])
                ]
            ))
        );
        let law = d.model.reactions[0].kinetic_law.as_ref().unwrap();
        assert_eq!(
            law.math,
            Some(Math::Apply(Op::Times, vec![kk, ci("A__S"), ci("A__q")]))
        );
    }

    #[test]
    fn replaced_by_gives_the_submodel_element_the_parent_id() {
        let text = doc(&format!(
            r#"<model id="top">
  <listOfCompartments><compartment id="cell" size="1" constant="true"><comp:replacedBy comp:submodelRef="A" comp:idRef="C"/></compartment></listOfCompartments>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"/></comp:listOfSubmodels>
</model>{DEF}"#
        ));
        let d = read_str(&text).unwrap();
        assert_eq!(d.model.compartments.len(), 1);
        let c = &d.model.compartments[0];
        assert_eq!((c.id.as_str(), c.size), ("cell", Some(2.0)));
        assert_eq!(d.model.species[0].compartment, "cell");
    }

    #[test]
    fn deletions_remove_elements_by_id_metaid_and_port() {
        let text = doc(&format!(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner">
  <comp:listOfDeletions>
    <comp:deletion comp:metaIdRef="y_rule"/><comp:deletion comp:idRef="R"/><comp:deletion comp:portRef="k_port"/>
  </comp:listOfDeletions>
</comp:submodel></comp:listOfSubmodels></model>{DEF}"#
        ));
        let d = read_str(&text).unwrap();
        assert_eq!(ids(&d), ["A__y"]);
        assert!(d.model.rules.is_empty() && d.model.reactions.is_empty());
        assert_eq!(d.model.species.len(), 1);
    }

    #[test]
    fn time_and_extent_conversion_factors() {
        let text = doc(r#"<model id="top">
  <listOfParameters><parameter id="tc" value="60" constant="true"/><parameter id="xc" value="1000" constant="true"/></listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="clock" comp:timeConversionFactor="tc" comp:extentConversionFactor="xc"/></comp:listOfSubmodels>
</model>
<comp:listOfModelDefinitions><comp:modelDefinition id="clock">
  <listOfParameters><parameter id="x" value="0" constant="false"/><parameter id="t" constant="false"/></listOfParameters>
  <listOfRules>
    <rateRule variable="x"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></rateRule>
    <assignmentRule variable="t"><math xmlns="http://www.w3.org/1998/Math/MathML"><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">time</csymbol></math></assignmentRule>
  </listOfRules>
</comp:modelDefinition></comp:listOfModelDefinitions>"#);
        let d = read_str(&text).unwrap();
        let rules = &d.model.rules;
        assert_eq!(rules[0].kind, RuleKind::Rate);
        assert_eq!(
            rules[0].math,
            Some(Math::Apply(Op::Divide, vec![Math::Num(1.0), ci("tc")]))
        );
        assert_eq!(
            rules[1].math,
            Some(Math::Apply(Op::Divide, vec![Math::Time, ci("tc")]))
        );
    }

    fn scratch_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("her2sim-comp-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn external_model_definitions_are_read_beside_the_document() {
        let dir = scratch_dir("external");
        // The external file is Level 3 Version 2 and itself a comp document.
        let lib = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" xmlns:comp="http://www.sbml.org/sbml/level3/version1/comp/version1" level="3" version="2" comp:required="true">
<model id="libmain"/>{DEF}</sbml>"#
        );
        std::fs::write(dir.join("lib.xml"), lib).unwrap();
        let text = doc(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="E" comp:modelRef="ext"/></comp:listOfSubmodels></model>
<comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="lib.xml" comp:modelRef="inner"/></comp:listOfExternalModelDefinitions>"#,
        );
        let d = read_str_in(&text, &dir).unwrap();
        assert_eq!(ids(&d), ["E__k", "E__y"]);
        assert_eq!(param(&d, "E__k"), Some(3.0));
        // Without a folder the file cannot be found: the error names the source.
        let e = read_str(&text).unwrap_err();
        assert!(e.is_unsupported() && e.message.contains("'lib.xml'"), "{e}");
        assert_eq!(
            e.element.as_deref(),
            Some("comp:externalModelDefinition 'ext'")
        );
        let e = read_str_in(&text.replace("lib.xml", "missing.xml"), &dir).unwrap_err();
        assert!(e.message.contains("missing.xml"), "{e}");
    }

    #[test]
    fn cycles_are_errors() {
        let text = doc(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="a"/></comp:listOfSubmodels></model>
<comp:listOfModelDefinitions>
  <comp:modelDefinition id="a"><comp:listOfSubmodels><comp:submodel comp:id="B" comp:modelRef="b"/></comp:listOfSubmodels></comp:modelDefinition>
  <comp:modelDefinition id="b"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="a"/></comp:listOfSubmodels></comp:modelDefinition>
</comp:listOfModelDefinitions>"#,
        );
        let e = read_str(&text).unwrap_err();
        assert!(e.message.contains("cycle"), "{e}");
        assert!(
            e.message.contains("#a -> the document#b -> the document#a"),
            "{e}"
        );
        // Through external files too: a file whose definition refers back to itself.
        let dir = scratch_dir("cycle");
        let selfref = doc(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="ext"/></comp:listOfSubmodels></model>
<comp:listOfExternalModelDefinitions><comp:externalModelDefinition comp:id="ext" comp:source="self.xml" comp:modelRef="top"/></comp:listOfExternalModelDefinitions>"#,
        );
        std::fs::write(dir.join("self.xml"), &selfref).unwrap();
        let e = crate::read_file(&dir.join("self.xml")).unwrap_err();
        assert!(e.message.contains("cycle"), "{e}");
    }

    #[test]
    fn bad_references_are_errors_not_panics() {
        for (what, sub, needle) in [
            (
                "id",
                r#"<comp:deletion comp:idRef="nope"/>"#,
                "no element 'nope'",
            ),
            (
                "port",
                r#"<comp:deletion comp:portRef="nope"/>"#,
                "no port 'nope'",
            ),
            ("empty", r#"<comp:deletion/>"#, "names no element"),
            (
                "nested",
                r#"<comp:deletion comp:idRef="k"><comp:sBaseRef comp:idRef="x"/></comp:deletion>"#,
                "not name a submodel",
            ),
        ] {
            let text = doc(&format!(
                r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="inner"><comp:listOfDeletions>{sub}</comp:listOfDeletions></comp:submodel></comp:listOfSubmodels></model>{DEF}"#
            ));
            let e = read_str(&text).unwrap_err();
            assert!(e.message.contains(needle), "{what}: {e}");
            assert_eq!(e.line, Some(3), "{what}: {e}");
        }
        let text = doc(
            r#"<model id="top"><comp:listOfSubmodels><comp:submodel comp:id="A" comp:modelRef="nowhere"/></comp:listOfSubmodels></model>"#,
        );
        let e = read_str(&text).unwrap_err();
        assert!(e.message.contains("no model definition 'nowhere'"), "{e}");
    }

    #[test]
    fn nested_submodels_resolve_through_sbase_refs() {
        // `outer` holds `inner` as `I`; the top replaces `I`'s `k` through a nested reference.
        let text = doc(&format!(
            r#"<model id="top">
  <listOfParameters><parameter id="k" value="9" constant="true"><comp:listOfReplacedElements><comp:replacedElement comp:submodelRef="O" comp:idRef="I"><comp:sBaseRef comp:idRef="k"/></comp:replacedElement></comp:listOfReplacedElements></parameter></listOfParameters>
  <comp:listOfSubmodels><comp:submodel comp:id="O" comp:modelRef="outer"/></comp:listOfSubmodels>
</model>
<comp:listOfModelDefinitions><comp:modelDefinition id="outer"><comp:listOfSubmodels><comp:submodel comp:id="I" comp:modelRef="inner"/></comp:listOfSubmodels></comp:modelDefinition>
{}"#,
            DEF.trim_start_matches("<comp:listOfModelDefinitions>")
        ));
        let d = read_str(&text).unwrap();
        assert_eq!(ids(&d), ["k", "O__I__y"]);
        assert_eq!(
            d.model.rules[0].math,
            Some(Math::Apply(Op::Times, vec![ci("k"), ci("O__I__S")]))
        );
    }
}
