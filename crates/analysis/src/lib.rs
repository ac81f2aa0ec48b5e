//! Analyses built on the engine: one- and multi-parameter scans and ensembles sampled from
//! distributions, over any model parameter or start value, run in parallel with reproducible
//! seeds. (Dose-response and synergy scoring come here next.)
//!
//! ```no_run
//! use her2sim_analysis::scan::{Axis, ScanSpec};
//! let sim = her2sim_engine::Simulator::from_file("model.xml".as_ref()).unwrap();
//! let spec = ScanSpec { axes: vec![Axis::parse("k1=0.1:10:5:log").unwrap()], ..Default::default() };
//! let table = her2sim_analysis::scan::run(&sim, &spec, &Default::default(), "time,S1", |_| {}).unwrap();
//! ```

pub mod hill;
pub mod scan;
pub mod survival;
pub mod synergy;
