//! The drug names a trial may use: canonical ids with their aliases (by default every
//! strategy of the catalogue), matched the way the catalogue matches them.

use crate::catalogue::Catalogue;

/// Drug names a regimen may use: canonical ids with their aliases, matched ignoring case,
/// spaces, `-` and `_` (as the catalogue matches them, so "T-DM1" finds `t-dm1`).
#[derive(Debug, Clone, PartialEq)]
pub struct KnownDrugs {
    entries: Vec<(String, Vec<String>)>,
}

impl KnownDrugs {
    /// From `(id, aliases)` pairs.
    pub fn new<I, S>(entries: I) -> KnownDrugs
    where
        I: IntoIterator<Item = (S, Vec<S>)>,
        S: Into<String>,
    {
        KnownDrugs {
            entries: entries
                .into_iter()
                .map(|(id, aliases)| (id.into(), aliases.into_iter().map(Into::into).collect()))
                .collect(),
        }
    }

    /// Every strategy of the catalogue, by id and alias.
    pub fn from_catalogue(cat: &Catalogue) -> KnownDrugs {
        KnownDrugs::new(
            cat.strategies()
                .iter()
                .map(|s| (s.id.clone(), s.aliases.clone())),
        )
    }

    /// The canonical id of `name`, if known.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        let want = normalise(name);
        self.entries
            .iter()
            .find(|(id, aliases)| {
                normalise(id) == want || aliases.iter().any(|a| normalise(a) == want)
            })
            .map(|(id, _)| id.as_str())
    }

    pub(super) fn ids(&self) -> String {
        let ids: Vec<&str> = self.entries.iter().map(|(id, _)| id.as_str()).collect();
        ids.join(", ")
    }
}

fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_supplies_the_names() {
        let cat = Catalogue::builtin().unwrap();
        let known = KnownDrugs::from_catalogue(&cat);
        assert_eq!(known.resolve("Herceptin"), Some("trastuzumab"));
        assert_eq!(known.resolve("taxotere"), Some("docetaxel"));
        assert_eq!(known.resolve("aspirin"), None);
    }
}
