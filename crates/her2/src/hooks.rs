//! The network model's control inputs ("hooks"): which parameters strategies and modifiers may
//! set, and how several effects on one hook combine.

/// How effects on one hook combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookKind {
    /// A fraction of an activity blocked (0 = none): independent actions, `1 - prod(1 - f)`.
    Inhibited,
    /// A share of one binding site (0..1); competing binders' shares add.
    Occupancy,
    /// An activity relative to untreated (1 = unchanged): factors multiply.
    Factor,
    /// A rate of lethal damage (per min): rates add.
    Rate,
    /// A level set outright (gene dose, ligand, p95 expression): the last setting wins.
    Level,
}

/// Every hook, its kind and its untreated value (the model's default).
pub const HOOKS: &[(&str, HookKind, f64)] = &[
    ("tki_her2_inhibition", HookKind::Inhibited, 0.0),
    ("tki_egfr_inhibition", HookKind::Inhibited, 0.0),
    ("dimerisation_block_her2her3", HookKind::Occupancy, 0.0),
    ("domainIV_block", HookKind::Occupancy, 0.0),
    ("adc_occupancy", HookKind::Occupancy, 0.0),
    ("adc_dxd_occupancy", HookKind::Occupancy, 0.0),
    ("dxd_bystander", HookKind::Level, 0.0),
    ("dxd_retention", HookKind::Level, 0.0),
    // The DM1 catabolite's loss from the cell (/min): raised by ABCC1 in T-DM1-resistant cells.
    ("k_payload_out", HookKind::Level, 0.01),
    ("hsp90_inhibition", HookKind::Inhibited, 0.0),
    ("pi3k_inhibition", HookKind::Inhibited, 0.0),
    ("akt_inhibition", HookKind::Inhibited, 0.0),
    ("mtor_inhibition", HookKind::Inhibited, 0.0),
    ("mek_inhibition", HookKind::Inhibited, 0.0),
    ("sirna_knockdown", HookKind::Inhibited, 0.0),
    ("chemo_damage", HookKind::Rate, 0.0),
    ("mitotic_damage", HookKind::Rate, 0.0),
    ("dna_damage", HookKind::Rate, 0.0),
    ("her2_promoter_activity", HookKind::Factor, 1.0),
    ("pten_activity", HookKind::Factor, 1.0),
    ("pik3ca_gain", HookKind::Factor, 1.0),
    ("p95_expression", HookKind::Level, 0.0),
    ("other_drive", HookKind::Level, 0.0),
    ("effector_activity", HookKind::Level, 0.0),
    ("mitotic_death_fraction", HookKind::Level, 1.0),
    ("her2_gene_copies", HookKind::Level, 20.0),
    ("HRG", HookKind::Level, 0.0),
    ("EGF", HookKind::Level, 0.01),
];

/// The kind and untreated value of a hook, or `None` if `id` is not one.
pub fn hook(id: &str) -> Option<(HookKind, f64)> {
    HOOKS
        .iter()
        .find(|(h, _, _)| *h == id)
        .map(|&(_, k, v)| (k, v))
}

/// Hook values being accumulated from several effects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HookValues {
    values: Vec<(String, f64)>,
}

impl HookValues {
    /// Applies one effect `x` to `id` by the hook's combination rule. Unknown ids are ignored
    /// here: they are rejected when the actions file is loaded.
    pub fn apply(&mut self, id: &str, x: f64) {
        let Some((kind, untreated)) = hook(id) else {
            return;
        };
        let slot = match self.values.iter_mut().find(|(h, _)| h == id) {
            Some((_, v)) => v,
            None => {
                self.values.push((id.to_string(), untreated));
                let last = self.values.len() - 1;
                &mut self.values[last].1
            }
        };
        *slot = match kind {
            HookKind::Inhibited => 1.0 - (1.0 - *slot) * (1.0 - x),
            HookKind::Occupancy | HookKind::Rate => *slot + x,
            HookKind::Factor => *slot * x,
            HookKind::Level => x,
        };
    }

    /// The value of `id` (its untreated value when nothing set it).
    pub fn get(&self, id: &str) -> f64 {
        self.values
            .iter()
            .find(|(h, _)| h == id)
            .map(|(_, v)| *v)
            .or_else(|| hook(id).map(|(_, v)| v))
            .unwrap_or(f64::NAN)
    }

    /// The hooks that were set, in the order first set.
    pub fn entries(&self) -> &[(String, f64)] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combination_rules() {
        let mut h = HookValues::default();
        h.apply("tki_her2_inhibition", 0.5);
        h.apply("tki_her2_inhibition", 0.5);
        assert!((h.get("tki_her2_inhibition") - 0.75).abs() < 1e-12);
        h.apply("her2_promoter_activity", 0.5);
        h.apply("her2_promoter_activity", 0.2);
        assert!((h.get("her2_promoter_activity") - 0.1).abs() < 1e-12);
        h.apply("chemo_damage", 1e-4);
        h.apply("chemo_damage", 2e-4);
        assert!((h.get("chemo_damage") - 3e-4).abs() < 1e-15);
        assert_eq!(h.get("pten_activity"), 1.0);
        h.apply("no_such_hook", 1.0);
        assert!(h.get("no_such_hook").is_nan());
    }
}
