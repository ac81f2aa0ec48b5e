//! T-DXd's bystander effect between the clones of one tumour: a HER2-low clone surrounded by
//! HER2-amplified cells is bathed in the DXd they release, so T-DXd kills it although it
//! takes up little conjugate itself; T-DM1's payload (a charged lysine-linked catabolite)
//! stays in the cell that took it up, so its neighbours gain nothing. This is the
//! co-culture result of Ogitani 2016 (Cancer Sci 107:1039: DS-8201a killed HER2-negative
//! MDA-MB-468 cells mixed with HER2-positive KPL-4 cells, not alone; T-DM1 killed neither in
//! the mix), asserted on the trial layer's response surface.

use her2sim_her2::lab::Condition;
use her2sim_her2::trial::patients::HER2_LOW_LINE;
use her2sim_her2::trial::response::{Genotype, Surface};
use her2sim_her2::Lab;

fn in_tissue(line: &str) -> Condition {
    Condition {
        cell_line: line.into(),
        modifiers: vec!["tumour-tissue".into()],
    }
}

/// Net growth rates (/h) at 10 ug/mL of `drug`: [HER2-amplified donor, HER2-low next to it,
/// HER2-low alone].
fn rates(lab: &Lab, drug: &str) -> [f64; 3] {
    let genotypes = [
        Genotype::alone(in_tissue("bt474")),
        Genotype {
            condition: in_tissue(HER2_LOW_LINE),
            dxd_donor: Some(0),
            growth_reference: None,
            ..Genotype::alone(in_tissue(HER2_LOW_LINE))
        },
        Genotype::alone(in_tissue(HER2_LOW_LINE)),
    ];
    let s = Surface::build(lab, &[drug.to_string()], &[10.0], &genotypes).unwrap();
    [0, 1, 2].map(|c| s.rate(c, &[10.0]) - s.untreated(c))
}

#[test]
fn dxd_from_amplified_neighbours_kills_a_her2_low_clone_and_dm1_does_not() {
    let lab = Lab::builtin().unwrap();
    let [donor, bathed, alone] = rates(&lab, "t-dxd");
    // Next to amplified cells the HER2-low clone loses at least half of what they lose, and
    // half as much again as alone (where it lives on the little conjugate its HER2 takes up
    // and on its own released DXd; measured -0.0128 vs -0.0066 /h, donor -0.0175 /h).
    assert!(donor < 0.0, "{donor}");
    assert!(bathed < 0.5 * donor, "bathed {bathed} vs donor {donor}");
    assert!(bathed < 1.5 * alone, "bathed {bathed} vs alone {alone}");
    // T-DM1: neighbours change nothing.
    let [donor, bathed, alone] = rates(&lab, "t-dm1");
    assert!(donor < 0.0, "{donor}");
    assert!((bathed - alone).abs() < 1e-9, "{bathed} vs {alone}");
}

/// A bad donor index is an error, not a panic.
#[test]
fn a_donor_must_be_another_genotype_without_a_donor() {
    let lab = Lab::builtin().unwrap();
    let g = Genotype {
        condition: in_tissue("bt474"),
        dxd_donor: Some(0),
        growth_reference: None,
        ..Genotype::alone(in_tissue("bt474"))
    };
    assert!(Surface::build(
        &lab,
        &["t-dxd".to_string()],
        &[10.0],
        std::slice::from_ref(&g)
    )
    .is_err());
    let far = Genotype {
        dxd_donor: Some(7),
        ..g
    };
    assert!(Surface::build(&lab, &["t-dxd".to_string()], &[10.0], &[far]).is_err());
}

/// The immune-effector level reaches every genotype of a surface (`conditions`' settings):
/// with effectors, trastuzumab kills amplified BT-474 faster (ADCC), and the HER2-low clone,
/// whose antigen density is far below the ADCC half-maximum, gains much less.
#[test]
fn effector_activity_adds_adcc_to_amplified_cells_more_than_to_her2_low_ones() {
    let lab = Lab::builtin().unwrap();
    let drug = ["trastuzumab".to_string()];
    let change = |effectors: f64| -> (f64, f64) {
        let g = her2sim_her2::trial::tumour::conditions(&["bt474"], effectors);
        let s = Surface::build(&lab, &drug, &[20.0], &g).unwrap();
        // The HER2-low clone closes the line's single genotypes (composites follow).
        let low = her2sim_her2::trial::patients::HER2_LOW_CLONE;
        assert_eq!(g[low].condition.cell_line, HER2_LOW_LINE);
        (
            s.rate(0, &[20.0]) - s.untreated(0),
            s.rate(low, &[20.0]) - s.untreated(low),
        )
    };
    let (amp0, low0) = change(0.0);
    let (amp1, low1) = change(1.0);
    assert!(amp1 < amp0 - 1e-4, "amplified: {amp1} vs {amp0}");
    assert!(
        (low1 - low0).abs() < 0.2 * (amp1 - amp0).abs(),
        "HER2-low: {low1} vs {low0}; amplified gained {}",
        amp0 - amp1
    );
}
