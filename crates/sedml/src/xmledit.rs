//! SED-ML's `addXML`, `changeXML` and `removeXML` on a model's XML text. A small XPath subset
//! selects exactly one element: absolute paths of child steps (`prefix:name` or `*`, matched
//! by local name) with predicates `[@attr='value']` (joined by `and` or repeated) and
//! positions `[n]`. The edit splices the text, so the rest of the file (namespaces,
//! annotations, layout) stays as it was.

use roxmltree::Node;

/// One edit of the element a target selects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Edit<'a> {
    /// Append XML as the element's last children.
    Add(&'a str),
    /// Replace the element by XML.
    Change(&'a str),
    /// Delete the element.
    Remove,
}

#[derive(Debug, PartialEq)]
enum Pred {
    Attr(String, String),
    Index(usize),
}

#[derive(Debug, PartialEq)]
struct Step {
    name: String,
    preds: Vec<Pred>,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Splits `s` at `sep` outside brackets and quotes.
fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let (mut depth, mut quote, mut start, mut out) = (0i32, None, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('[', None) => depth += 1,
            (']', None) => depth -= 1,
            (c, None) if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The position of the `]` closing a predicate that starts `body` (outside quotes).
fn closing_bracket(body: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in body.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (']', None) => return Some(i),
            _ => {}
        }
    }
    None
}

fn predicate(p: &str) -> Result<Vec<Pred>, String> {
    let p = p.trim();
    if let Ok(n) = p.parse::<usize>() {
        return if n == 0 {
            Err("positions start at 1".into())
        } else {
            Ok(vec![Pred::Index(n)])
        };
    }
    p.split(" and ")
        .map(|term| {
            let (attr, value) = term
                .trim()
                .strip_prefix('@')
                .and_then(|t| t.split_once('='))
                .ok_or_else(|| format!("unsupported predicate [{p}]"))?;
            let v = value.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .or_else(|| v.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
                .ok_or_else(|| format!("unsupported predicate [{p}]: quote the value"))?;
            Ok(Pred::Attr(local(attr.trim()).to_string(), v.to_string()))
        })
        .collect()
}

fn parse(path: &str) -> Result<Vec<Step>, String> {
    let rest = path
        .trim()
        .strip_prefix('/')
        .filter(|r| !r.starts_with('/'))
        .ok_or_else(|| {
            format!("unsupported target '{path}': expected an absolute path /a/b[@id='x']")
        })?;
    split_outside(rest, '/')
        .into_iter()
        .map(|step| {
            let open = step.find('[').unwrap_or(step.len());
            let name = local(step[..open].trim()).to_string();
            if name.is_empty() || name.starts_with('@') {
                return Err(format!(
                    "unsupported target '{path}': it must select an element, not '{step}'"
                ));
            }
            let mut preds = Vec::new();
            let mut p = &step[open..];
            while let Some(body) = p.strip_prefix('[') {
                let close = closing_bracket(body).ok_or_else(|| {
                    format!("unsupported target '{path}': unclosed '[' in '{step}'")
                })?;
                preds.extend(
                    predicate(&body[..close]).map_err(|e| format!("target '{path}': {e}"))?,
                );
                p = body.get(close + 1..).unwrap_or("");
            }
            if !p.trim().is_empty() {
                return Err(format!("unsupported target '{path}': cannot read '{step}'"));
            }
            Ok(Step { name, preds })
        })
        .collect()
}

fn select<'a, 'i>(doc: &'a roxmltree::Document<'i>, path: &str) -> Result<Node<'a, 'i>, String> {
    let mut current = vec![doc.root()];
    for step in parse(path)? {
        let mut next = Vec::new();
        for parent in &current {
            let mut matched: Vec<Node> = parent
                .children()
                .filter(|n| {
                    n.is_element() && (step.name == "*" || n.tag_name().name() == step.name)
                })
                .collect();
            for pred in &step.preds {
                matched = match pred {
                    Pred::Attr(a, v) => matched
                        .into_iter()
                        .filter(|n| n.attributes().any(|x| x.name() == a && x.value() == v))
                        .collect(),
                    Pred::Index(i) => matched.get(i - 1).copied().into_iter().collect(),
                };
            }
            next.extend(matched);
        }
        current = next;
    }
    match current.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("target '{path}' selects no element of the model")),
        many => Err(format!(
            "target '{path}' selects {} elements (it must select one)",
            many.len()
        )),
    }
}

/// Applies `edit` to the element `target` selects in `text`.
pub(crate) fn apply(text: &str, target: &str, edit: Edit) -> Result<String, String> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| format!("the model is not well-formed XML: {e}"))?;
    let node = select(&doc, target)?;
    if node.parent().is_some_and(|p| p == doc.root()) && !matches!(edit, Edit::Add(_)) {
        return Err(format!(
            "target '{target}' is the root element, which cannot be replaced or removed"
        ));
    }
    let r = node.range();
    let (start, end) = (r.start, r.end);
    let whole = &text[start..end];
    Ok(match edit {
        Edit::Remove => format!("{}{}", &text[..start], &text[end..]),
        Edit::Change(new) => format!("{}{new}{}", &text[..start], &text[end..]),
        Edit::Add(new) if whole.ends_with("/>") => {
            // <listOfX .../>  ->  <listOfX ...>new</listOfX>
            let qname: String = whole[1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>')
                .collect();
            format!("{}>{new}</{qname}>{}", &text[..end - 2], &text[end..])
        }
        Edit::Add(new) => {
            let close = whole
                .rfind("</")
                .map(|i| start + i)
                .ok_or_else(|| format!("target '{target}': cannot find the element's end tag"))?;
            format!("{}{new}{}", &text[..close], &text[close..])
        }
    })
}

/// The content of a SED-ML `<newXML>` element as text, with the prefixed namespaces its
/// elements use from the SED-ML document declared on them (they would be undeclared in the
/// model otherwise).
pub(crate) fn new_xml(new: Node, source: &str) -> String {
    let mut out = String::new();
    for c in new.children() {
        let r = c.range();
        let raw = &source[r.start..r.end];
        if !c.is_element() {
            out.push_str(raw);
            continue;
        }
        let name_len = raw[1..]
            .find(|ch: char| ch.is_whitespace() || ch == '/' || ch == '>')
            .map_or(raw.len(), |i| i + 1);
        let mut decls = String::new();
        for ns in c.namespaces() {
            if let Some(prefix) = ns.name() {
                if prefix != "xml" && !raw.contains(&format!("xmlns:{prefix}=")) {
                    decls.push_str(&format!(" xmlns:{prefix}=\"{}\"", ns.uri()));
                }
            }
        }
        out.push_str(&raw[..name_len]);
        out.push_str(&decls);
        out.push_str(&raw[name_len..]);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SBML: &str = r#"<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core"><model id="m">
<listOfParameters><parameter id="k1" value="1"/><parameter id="k2" value="2"/></listOfParameters>
<listOfRules/></model></sbml>"#;

    #[test]
    fn paths_and_predicates() {
        let steps = parse("/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='k1' and @value=\"1\"][1]").unwrap();
        assert_eq!(steps.len(), 4);
        assert_eq!(
            steps[3].preds,
            [
                Pred::Attr("id".into(), "k1".into()),
                Pred::Attr("value".into(), "1".into()),
                Pred::Index(1)
            ]
        );
        assert!(parse("//parameter").is_err());
        assert!(parse("/sbml/model/@id").is_err());
        assert!(parse("/sbml/model/x[@id=k]").is_err());
    }

    #[test]
    fn edits_splice_the_text() {
        let p = "/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='k2']";
        let removed = apply(SBML, p, Edit::Remove).unwrap();
        assert!(!removed.contains("k2") && removed.contains("k1"));
        let changed = apply(SBML, p, Edit::Change("<parameter id=\"k3\" value=\"3\"/>")).unwrap();
        assert!(changed.contains("k3") && !changed.contains("\"k2\""));
        let added = apply(
            SBML,
            "/sbml/model/listOfParameters",
            Edit::Add("<parameter id=\"k4\"/>"),
        )
        .unwrap();
        assert!(added.contains("value=\"2\"/><parameter id=\"k4\"/></listOfParameters>"));
        let empty = apply(SBML, "/sbml/model/listOfRules", Edit::Add("<x/>")).unwrap();
        assert!(empty.contains("<listOfRules><x/></listOfRules>"), "{empty}");
        roxmltree::Document::parse(&empty).unwrap();
    }

    #[test]
    fn a_target_must_select_one_element() {
        let e = apply(SBML, "/sbml/model/listOfParameters/parameter", Edit::Remove).unwrap_err();
        assert!(e.contains("selects 2 elements"), "{e}");
        let e = apply(SBML, "/sbml/model/listOfSpecies", Edit::Remove).unwrap_err();
        assert!(e.contains("selects no element"), "{e}");
        assert!(apply(SBML, "/sbml", Edit::Remove).is_err());
    }

    #[test]
    fn new_xml_declares_inherited_prefixes() {
        let sed = r#"<sedML xmlns:sbml="urn:s"><newXML><sbml:parameter id="p"/></newXML></sedML>"#;
        let doc = roxmltree::Document::parse(sed).unwrap();
        let new = doc.root_element().first_element_child().unwrap();
        assert_eq!(
            new_xml(new, sed),
            r#"<sbml:parameter xmlns:sbml="urn:s" id="p"/>"#
        );
    }
}
