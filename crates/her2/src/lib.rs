//! The HER2 laboratory's data layer: a sourced catalogue of targeting strategies, cell-line
//! presets and resistance modifiers (from `models/her2/*.toml`, every number tagged with its
//! source), dose units, and the built-in network model run across the cell lines (`panel`).
//!
//! ```
//! use her2sim_her2::{parse_dose, Catalogue};
//! let cat = Catalogue::builtin().unwrap();
//! let lap = cat.strategy("lapatinib").unwrap();
//! let dose = parse_dose("2.43 ug/mL").unwrap();
//! let nm = lap.to_nanomolar(&dose).unwrap(); // via its molecular weight, 581 g/mol
//! assert!((nm - 4182.4).abs() < 0.1);
//! assert!(cat.strategy("aspirin").is_err());
//! ```

pub mod actions;
pub mod calibration;
pub mod catalogue;
pub mod fitted;
pub mod hooks;
pub mod lab;
pub mod outputs;
pub mod panel;
pub mod pk;
pub mod report;
pub mod study;
pub mod treatment;
pub mod trial;
pub mod units;

pub use actions::Actions;
pub use catalogue::{
    Catalogue, CatalogueError, CellLine, Citation, ClinicalDose, GeneStatus, Measure, Modifier,
    Parameter, Potency, PotencyKind, Strategy, StrategyClass, Tag,
};
pub use lab::{Condition, Lab, LabError, Prediction, Trajectory, READOUTS};
pub use treatment::{Treatment, TreatmentError};
pub use units::{parse_dose, Dimension, DoseError, Quantity, Unit};
