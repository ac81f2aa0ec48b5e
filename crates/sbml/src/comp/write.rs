//! Writing the flat model back out as SBML text, one element per line, remembering the
//! input line (and file) of each so that later errors point at the input.

use std::rc::Rc;

use super::tree::{El, Kid, Ns};
use super::MATHML;

/// The core namespace the document declares (Level 3 Version 1 if it names none).
pub(super) fn root_core_uri(root: &El) -> String {
    let level = root.attr("level").unwrap_or("3");
    let version = root.attr("version").unwrap_or("1");
    if level == "2" {
        format!("http://www.sbml.org/sbml/level{level}/version{version}")
    } else {
        format!("http://www.sbml.org/sbml/level{level}/version{version}/core")
    }
}

pub(super) struct Writer {
    pub(super) out: String,
    pub(super) origin: Vec<(u32, u16)>,
    pub(super) prefixes: Vec<Rc<str>>,
}

impl Writer {
    pub(super) fn prefix(&self, ns: &Ns) -> String {
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
    pub(super) fn open(&mut self, el: &El, root_core: Option<&str>) {
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

    pub(super) fn element(&mut self, el: &El) {
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
pub(super) fn escape_into(out: &mut String, s: &str) {
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
