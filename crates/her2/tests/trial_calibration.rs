//! Calibration of the in-vivo effect multiplier on the calibration trials of docs/trials.md
//! (Vogel 2002 and Cobleigh 1999: trastuzumab monotherapy ORR 26 % and 15 %). Not a check:
//! run by hand (`cargo test -p her2sim-her2 --test trial_calibration -- --ignored
//! --nocapture`) to print ORR and median PFS over a grid of multipliers.

use her2sim_her2::trial::poppk::PopPk;
use her2sim_her2::trial::{run, KnownDrugs, Trial};
use her2sim_her2::Lab;

#[test]
#[ignore]
fn effect_multiplier_scan_on_the_calibration_trials() {
    let lab = Lab::builtin().unwrap();
    let known = KnownDrugs::from_catalogue(lab.catalogue());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/trials/");
    let grid: Vec<f64> = std::env::var("MULTIPLIERS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0]);
    for file in ["vogel2002.toml", "cobleigh1999.toml"] {
        let mut t = Trial::read(std::path::Path::new(&format!("{root}{file}")), &known).unwrap();
        t.patients = 300;
        t.arms.truncate(1);
        for &m in &grid {
            let mut pk = PopPk::builtin().unwrap();
            pk.population.effect_multiplier.value = m;
            let r = run(&t, &lab, &pk, &|| {}).unwrap();
            let a = &r.arms[0];
            println!(
                "{file} multiplier {m}: ORR {:.3} CBR {:.3} median PFS {:?} PFS12 {:?}",
                a.orr, a.cbr, a.median_pfs_months, a.pfs_12_months
            );
        }
    }
}
