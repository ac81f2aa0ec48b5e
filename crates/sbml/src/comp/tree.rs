//! The editable copy of the XML that flattening works on: elements with their namespace,
//! attributes, children, a serial number and the line (and file) they came from, and the
//! MathML builders the conversions use.

use std::rc::Rc;

use roxmltree::Node;

use super::{is_comp_namespace, MATHML};
use crate::mathml::line_of;

/// The namespace of an element or attribute, as far as flattening cares.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ns {
    /// An attribute without prefix.
    None,
    /// SBML core (any level and version: an external file may be of another version).
    Core,
    Math,
    Comp,
    Other(Rc<str>),
}

impl Ns {
    pub(super) fn of(uri: Option<&str>) -> Ns {
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
pub(super) fn is_core_namespace(uri: &str) -> bool {
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
pub(super) struct Attr {
    pub(super) ns: Ns,
    pub(super) name: String,
    pub(super) value: String,
}

/// An XML element owned and editable (roxmltree's tree is read-only).
#[derive(Clone, Debug)]
pub(super) struct El {
    /// Serial number of this instance of the element (0 in templates and new math).
    pub(super) uid: u32,
    pub(super) ns: Ns,
    pub(super) name: String,
    pub(super) attrs: Vec<Attr>,
    pub(super) kids: Vec<Kid>,
    /// Line in its file, and the file (index into [`Flattener::files`], 0 the main text).
    pub(super) line: u32,
    pub(super) src: u16,
}

#[derive(Clone, Debug)]
pub(super) enum Kid {
    El(El),
    Text(String),
}

impl El {
    pub(super) fn new(ns: Ns, name: &str, line: u32, src: u16) -> El {
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

    pub(super) fn is(&self, ns: &Ns, name: &str) -> bool {
        self.ns == *ns && self.name == name
    }

    /// An attribute without namespace.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns == Ns::None && a.name == name)
            .map(|a| a.value.trim())
    }

    /// A comp attribute (`comp:idRef`); read without the prefix too, as some tools write it.
    pub(super) fn comp_attr(&self, name: &str) -> Option<&str> {
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

    pub(super) fn set_attr(&mut self, name: &str, value: String) {
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

    pub(super) fn elements(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|k| match k {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        })
    }

    pub(super) fn elements_mut(&mut self) -> impl Iterator<Item = &mut El> {
        self.kids.iter_mut().filter_map(|k| match k {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        })
    }

    pub(super) fn child(&self, ns: &Ns, name: &str) -> Option<&El> {
        self.elements().find(|e| e.is(ns, name))
    }

    /// Removes and returns the first child element `name`.
    pub(super) fn take_child(&mut self, ns: &Ns, name: &str) -> Option<El> {
        let i = self
            .kids
            .iter()
            .position(|k| matches!(k, Kid::El(e) if e.is(ns, name)))?;
        match self.kids.remove(i) {
            Kid::El(e) => Some(e),
            Kid::Text(_) => None,
        }
    }

    pub(super) fn text(&self) -> String {
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
    pub(super) fn describe(&self) -> String {
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
    pub(super) fn math_expr_mut(&mut self) -> Option<&mut Kid> {
        let math = self.elements_mut().find(|e| e.is(&Ns::Math, "math"))?;
        math.kids.iter_mut().find(|k| matches!(k, Kid::El(_)))
    }
}

pub(super) fn mathml(name: &str, kids: Vec<Kid>, line: u32, src: u16) -> Kid {
    let mut e = El::new(Ns::Math, name, line, src);
    e.kids = kids;
    Kid::El(e)
}

pub(super) fn ci(id: &str, line: u32, src: u16) -> Kid {
    mathml("ci", vec![Kid::Text(id.to_string())], line, src)
}

/// `<apply><op/>args</apply>`.
pub(super) fn apply(op: &str, args: Vec<Kid>, line: u32, src: u16) -> Kid {
    let mut kids = vec![mathml(op, Vec::new(), line, src)];
    kids.extend(args);
    mathml("apply", kids, line, src)
}

/// Replaces `kid` (an expression) by `op(kid, other)` or `op(other, kid)`.
pub(super) fn wrap(kid: &mut Kid, op: &str, other: Kid, other_first: bool) {
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
pub(super) fn convert(node: Node, src: u16) -> El {
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
