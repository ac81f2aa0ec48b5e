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

use crate::SbmlError;

mod rewrite;
mod tree;
mod write;

use rewrite::*;
use tree::*;
use write::*;

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

#[cfg(test)]
mod tests;
