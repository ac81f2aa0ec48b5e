//! The clones of one tumour grow alike untreated: the trial layer's response surface scales
//! each resistant clone's proliferation (`proliferation_capacity`) so its untreated lab growth
//! equals its parental line's, as the tumour model gives all clones one in-vivo growth. The
//! clones keep what makes them resistant: PTEN-loss cells still lose far less of their growth
//! to trastuzumab than the parental cells, and gain no sensitivity to capecitabine from
//! dividing faster (the lab alone has BT-474 + PTEN loss grow 6-fold faster over 5 days).

use her2sim_her2::lab::Condition;
use her2sim_her2::trial::response::{Genotype, Surface};
use her2sim_her2::Lab;

fn in_tissue(modifier: Option<&str>) -> Condition {
    Condition {
        cell_line: "bt474".into(),
        modifiers: std::iter::once("tumour-tissue")
            .chain(modifier)
            .map(str::to_string)
            .collect(),
    }
}

fn surface(lab: &Lab, drug: &str, top: f64) -> Surface {
    let genotypes = [
        Genotype::alone(in_tissue(None)),
        Genotype {
            growth_reference: Some(0),
            ..Genotype::alone(in_tissue(Some("pten-loss")))
        },
        Genotype::alone(in_tissue(Some("pten-loss"))),
    ];
    Surface::build(lab, &[drug.to_string()], &[top], &genotypes).unwrap()
}

#[test]
fn a_resistant_clone_grows_like_its_parent_untreated_and_stays_resistant() {
    let lab = Lab::builtin().unwrap();
    let s = surface(&lab, "trastuzumab", 20.0);
    let (parent, matched, unmatched) = (s.untreated(0), s.untreated(1), s.untreated(2));
    assert!(
        (matched - parent).abs() < 1e-6 * parent.abs().max(1e-3),
        "matched {matched} vs parent {parent}"
    );
    assert!(
        unmatched > 1.5 * parent,
        "the lab alone: {unmatched} vs {parent}"
    );
    assert_eq!(s.capacities[0], 1.0);
    assert!(
        s.capacities[1] < 1.0 && s.capacities[1] > 0.1,
        "{}",
        s.capacities[1]
    );
    assert_eq!(s.capacities[2], 1.0);
    // Trastuzumab: the PTEN-loss clone keeps most of its growth, the parent loses it (Nagata
    // 2004: PTEN loss confers trastuzumab resistance).
    let drop = |c: usize| s.untreated(c) - s.rate(c, &[20.0]);
    assert!(drop(0) > 0.0);
    assert!(
        drop(1) < 0.5 * drop(0),
        "PTEN-loss {} vs parent {}",
        drop(1),
        drop(0)
    );
}

#[test]
fn dividing_faster_no_longer_makes_a_clone_more_sensitive_to_chemotherapy() {
    let lab = Lab::builtin().unwrap();
    let s = surface(&lab, "capecitabine", 50.0);
    let drop = |c: usize| s.untreated(c) - s.rate(c, &[50.0]);
    // Unmatched, the faster PTEN-loss cells lose more to capecitabine than the parent;
    // matched, no more than it.
    assert!(
        drop(2) > drop(0),
        "unmatched {} vs parent {}",
        drop(2),
        drop(0)
    );
    assert!(
        drop(1) <= drop(0) * 1.0001,
        "matched {} vs parent {}",
        drop(1),
        drop(0)
    );
}

#[test]
fn a_growth_reference_must_be_another_genotype_without_one() {
    let lab = Lab::builtin().unwrap();
    let bad = Genotype {
        growth_reference: Some(3),
        ..Genotype::alone(in_tissue(Some("pten-loss")))
    };
    assert!(Surface::build(&lab, &["trastuzumab".to_string()], &[1.0], &[bad]).is_err());
    let chained = [
        Genotype {
            growth_reference: Some(1),
            ..Genotype::alone(in_tissue(None))
        },
        Genotype {
            growth_reference: Some(0),
            ..Genotype::alone(in_tissue(Some("pten-loss")))
        },
    ];
    assert!(Surface::build(&lab, &["trastuzumab".to_string()], &[1.0], &chained).is_err());
}

/// Minor clones carry the dominant clone's marker: every ordered pair of distinct resistance
/// markers has its genotype at `composite_index` in each line's block, with both modifiers.
#[test]
fn composite_genotypes_pair_the_dominant_marker_with_the_minor_one() {
    use her2sim_her2::trial::patients::RESISTANCE;
    use her2sim_her2::trial::tumour::{composite_index, conditions, BLOCK};
    let g = conditions(&["bt474", "mda-mb-361"], 0.0);
    assert_eq!(g.len(), 2 * BLOCK);
    let mut seen = std::collections::HashSet::new();
    for (line, base) in [("bt474", 0), ("mda-mb-361", BLOCK)] {
        for (d, dominant) in RESISTANCE.iter().enumerate() {
            for (m, minor) in RESISTANCE.iter().enumerate().filter(|(m, _)| *m != d) {
                let i = base + composite_index(d, m);
                assert!(seen.insert(i), "{d} {m} shares {i}");
                let c = &g[i].condition;
                assert_eq!(c.cell_line, line);
                assert_eq!(c.modifiers, ["tumour-tissue", dominant, minor]);
                assert_eq!(g[i].growth_reference, Some(base));
            }
        }
    }
}

/// The dominant marker is that of the largest clone among the parental and resistant ones
/// (the HER2-low region aside); none when the parental clone is the largest.
#[test]
fn the_dominant_marker_is_the_largest_resistant_clone() {
    use her2sim_her2::trial::patients::Patient;
    use her2sim_her2::trial::poppk::PopPk;
    let pop = PopPk::builtin().unwrap().population.numbers().unwrap();
    let mut p = Patient::draw(1, 0, &pop, true, 2);
    p.clones = [0.2, 0.5, 0.1, 0.05, 0.05, 0.1, 0.0];
    assert_eq!(p.dominant_marker(), Some(0));
    p.clones = [0.3, 0.1, 0.1, 0.25, 0.05, 0.2, 0.0];
    assert_eq!(p.dominant_marker(), None);
    p.clones = [0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.0];
    assert_eq!(
        p.dominant_marker(),
        None,
        "ties go to the parental clone; HER2-low aside"
    );
    p.clones = [0.1, 0.1, 0.1, 0.6, 0.05, 0.05, 0.0];
    assert_eq!(p.dominant_marker(), Some(2));
}
