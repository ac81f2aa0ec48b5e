//! Rewrites of instantiated submodels: removing deleted and replaced elements, renaming ids
//! in attributes and math (local names shadow), and the time and extent conversion factors.

use std::collections::{HashMap, HashSet};

use super::tree::{apply, ci, mathml, wrap, El, Kid, Ns};
use super::{Rename, REF_ATTRS};

/// Removes the `removed` elements and the (now applied) replacement lists, and gives the
/// `renames` elements their new ids.
pub(super) fn sweep(el: &mut El, removed: &HashSet<u32>, renames: &HashMap<u32, String>) {
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
pub(super) fn rename(el: &mut El, how: &Rename, shadow: &mut Vec<String>) {
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

pub(super) fn rename_math(el: &mut El, how: &Rename, shadow: &mut Vec<String>) {
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

pub(super) fn csymbol_is(e: &El, what: &str) -> bool {
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
pub(super) fn convert_time_and_extent(
    model: &mut El,
    tcf: Option<&str>,
    ecf: Option<&str>,
) -> Option<Kid> {
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

pub(super) struct Conversion<'a> {
    tcf: Option<&'a str>,
    rate_factor: Kid,
}

impl Conversion<'_> {
    pub(super) fn element(&self, el: &mut El) {
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
    pub(super) fn math(&self, el: &mut El) {
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
