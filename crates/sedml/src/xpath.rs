//! The XPath targets SED-ML uses to point into an SBML model, reduced to what the engine
//! needs: which element kind, which id, which attribute. Only the usual absolute form is
//! understood: `/sbml:sbml/sbml:model/sbml:listOfX/sbml:x[@id='ID']` with an optional
//! trailing `/@attribute` (any namespace prefix, or none).

/// One parsed target.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    /// The element's local name: `species`, `parameter`, `compartment`, `reaction`, ...
    pub kind: String,
    /// The value of its `id` (the SBML id).
    pub id: String,
    /// The attribute selected, when the path ends in `/@attr`.
    pub attribute: Option<String>,
}

fn local(step: &str) -> &str {
    step.rsplit(':').next().unwrap_or(step)
}

/// Parses `target`; the error says what form is expected.
pub(crate) fn parse(target: &str) -> Result<Target, String> {
    let bad = || {
        format!(
            "unsupported target '{target}': expected /sbml:sbml/sbml:model/sbml:listOfX/sbml:x[@id='ID'] (optionally /@attribute)"
        )
    };
    let t = target.trim();
    let steps: Vec<&str> = t.strip_prefix('/').ok_or_else(bad)?.split('/').collect();
    let (elements, attribute) = match steps.last() {
        Some(last) if last.starts_with('@') => (
            &steps[..steps.len() - 1],
            Some(local(&last[1..]).to_string()),
        ),
        _ => (&steps[..], None),
    };
    let [sbml, model, list, item] = elements else {
        return Err(bad());
    };
    if local(sbml) != "sbml" || local(model) != "model" || !local(list).starts_with("listOf") {
        return Err(bad());
    }
    let open = item.find('[').ok_or_else(bad)?;
    let kind = local(&item[..open]).to_string();
    let pred = item[open..]
        .strip_prefix('[')
        .and_then(|p| p.strip_suffix(']'))
        .ok_or_else(bad)?
        .trim();
    let value = pred
        .strip_prefix("@id")
        .map(str::trim_start)
        .and_then(|p| p.strip_prefix('='))
        .map(str::trim)
        .ok_or_else(bad)?;
    let id = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .ok_or_else(bad)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok(Target {
        kind,
        id: id.to_string(),
        attribute,
    })
}

impl Target {
    /// The engine selection name a `changeAttribute`/`setValue` on this target sets: `k`
    /// (parameter value, compartment size), `[S]` (initial concentration) or `S` (amount).
    pub fn override_name(&self) -> Result<String, String> {
        let attr = self.attribute.as_deref().unwrap_or("");
        match (self.kind.as_str(), attr) {
            ("parameter", "value" | "")
            | ("compartment", "size" | "volume" | "")
            | ("localParameter", "value") => Ok(self.id.clone()),
            ("species", "initialConcentration") => Ok(format!("[{}]", self.id)),
            ("species", "initialAmount") => Ok(self.id.clone()),
            ("species", "") => Ok(format!("[{}]", self.id)),
            _ => Err(format!(
                "unsupported change of {} '{}'{}: her2sim sets parameter values, compartment sizes and species initialConcentration/initialAmount",
                self.kind,
                self.id,
                if attr.is_empty() { String::new() } else { format!(" attribute '{attr}'") }
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_targets() {
        let t =
            parse("/sbml:sbml/sbml:model/sbml:listOfParameters/sbml:parameter[@id='k1']/@value")
                .unwrap();
        assert_eq!((t.kind.as_str(), t.id.as_str()), ("parameter", "k1"));
        assert_eq!(t.override_name().unwrap(), "k1");
        let s = parse("/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@id=\"A\"]").unwrap();
        assert_eq!(s.attribute, None);
        let a = parse("/sbml/model/listOfSpecies/species[@id='A']/@initialAmount").unwrap();
        assert_eq!(a.override_name().unwrap(), "A");
        assert!(parse("/sbml:sbml/sbml:model").is_err());
        assert!(parse("//species[@id='A']").is_err());
        assert!(parse("/sbml:sbml/sbml:model/sbml:listOfSpecies/sbml:species[@name='A']").is_err());
    }
}
