//! A linear pre-scan of the XML text that refuses what would make the parser misbehave before
//! it runs: nesting deeper than [`MAX_XML_DEPTH`] (roxmltree's tokenizer recurses per level, so
//! 20,000 levels overflow the stack even inside an unused annotation), more than
//! [`MAX_ATTRIBUTES`] attributes on one element (its duplicate check is quadratic), and DTD
//! entity declarations (a few KB of them expand to gigabytes; SBML never uses them).
//! Malformed text is left for the parser to report precisely.

use crate::SbmlError;

/// Deepest element nesting read. SBML structure takes about 10 levels and real MathML rarely
/// 100; the limit keeps every recursive pass over the document and its formulas far from the
/// end of a thread's stack.
pub const MAX_XML_DEPTH: usize = 1000;

/// Most attributes on one element (SBML elements have fewer than 20).
pub const MAX_ATTRIBUTES: usize = 1000;

/// Checks `text`; the error names the line.
pub fn check(text: &str) -> Result<(), SbmlError> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut i = 0;
    let at = |line: u32, msg: String| SbmlError {
        line: Some(line),
        element: None,
        message: msg,
    };
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' => {
                let rest = &b[i..];
                let (end, lines) = if rest.starts_with(b"<!--") {
                    skip_to(b, i + 4, b"-->")
                } else if rest.starts_with(b"<![CDATA[") {
                    skip_to(b, i + 9, b"]]>")
                } else if rest.starts_with(b"<?") {
                    skip_to(b, i + 2, b"?>")
                } else if rest.starts_with(b"<!") {
                    let (end, lines) = skip_declaration(b, i + 2);
                    if contains(&b[i..end], b"<!ENTITY") {
                        return Err(at(
                            line,
                            "XML entity declarations are not read (SBML does not use them, and they can expand without bound)".into(),
                        ));
                    }
                    (end, lines)
                } else if rest.starts_with(b"</") {
                    depth = depth.saturating_sub(1);
                    skip_to(b, i + 2, b">")
                } else {
                    let (end, lines, attributes, empty) = scan_start_tag(b, i + 1);
                    if attributes > MAX_ATTRIBUTES {
                        return Err(at(
                            line,
                            format!("an element has {attributes} attributes, over the limit of {MAX_ATTRIBUTES}"),
                        ));
                    }
                    if !empty {
                        depth += 1;
                        if depth > MAX_XML_DEPTH {
                            return Err(at(
                                line,
                                format!("elements are nested deeper than {MAX_XML_DEPTH} levels"),
                            ));
                        }
                    }
                    (end, lines)
                };
                line += lines;
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Index just past the next `pat` from `from` (or the end), and the line breaks passed.
fn skip_to(b: &[u8], from: usize, pat: &[u8]) -> (usize, u32) {
    let mut i = from;
    let mut lines = 0;
    while i < b.len() {
        if b[i..].starts_with(pat) {
            return (i + pat.len(), lines);
        }
        lines += u32::from(b[i] == b'\n');
        i += 1;
    }
    (b.len(), lines)
}

/// Scans from `from`, skipping quoted attribute values, until `stop(byte)` says so:
/// (index past the stopping byte, line breaks passed); the end of the text if it never does.
fn scan_unquoted(b: &[u8], from: usize, mut stop: impl FnMut(u8) -> bool) -> (usize, u32) {
    let (mut lines, mut quote) = (0, None);
    for (i, &c) in b.iter().enumerate().skip(from) {
        lines += u32::from(c == b'\n');
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if stop(c) => return (i + 1, lines),
            None => {}
        }
    }
    (b.len(), lines)
}

/// A `<!DOCTYPE ...>` declaration, whose internal subset `[...]` may hold `>` characters.
fn skip_declaration(b: &[u8], from: usize) -> (usize, u32) {
    let mut bracket = 0i32;
    scan_unquoted(b, from, |c| {
        match c {
            b'[' => bracket += 1,
            b']' => bracket -= 1,
            _ => {}
        }
        c == b'>' && bracket <= 0
    })
}

/// A start tag from just after `<`: (index past `>`, line breaks, attributes, self-closing).
fn scan_start_tag(b: &[u8], from: usize) -> (usize, u32, usize, bool) {
    let mut attributes = 0;
    let (end, lines) = scan_unquoted(b, from, |c| {
        attributes += usize::from(c == b'=');
        c == b'>'
    });
    let empty = end >= from + 2 && b.get(end - 1) == Some(&b'>') && b[end - 2] == b'/';
    (end, lines, attributes, empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_with_its_line() {
        let text = format!("<a>\n{}{}</a>", "<b>".repeat(2000), "</b>".repeat(2000));
        let e = check(&text).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        assert_eq!(e.line, Some(2));
        let ok = format!("<a>{}{}</a>", "<b/><b>".repeat(900), "</b>".repeat(900));
        check(&ok).unwrap();
    }

    #[test]
    fn comments_cdata_and_quotes_do_not_count() {
        let text = format!(
            "<a x='<b>' y=\"/>\"><!-- {} --><![CDATA[{}]]></a>",
            "<b>".repeat(5000),
            "<c>".repeat(5000)
        );
        check(&text).unwrap();
    }

    #[test]
    fn attribute_floods_and_entities_are_refused() {
        let attrs: String = (0..2000).map(|i| format!(" a{i}='1'")).collect();
        assert!(check(&format!("<a{attrs}/>")).is_err());
        let dtd = "<!DOCTYPE sbml [<!ENTITY e \"xxxx\">]><sbml>&e;</sbml>";
        assert!(check(dtd).unwrap_err().message.contains("entity"));
        check("<!DOCTYPE sbml><sbml/>").unwrap();
    }
}
