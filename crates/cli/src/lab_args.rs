//! Options shared by the simulated forms of `dose-response` and `combo`: the condition (cell
//! line and modifiers), the agents, their dose series, the read-out and the duration.

use her2sim_her2::study::{CombinationSpec, DoseResponseSpec, Study};
use her2sim_her2::{Condition, Lab, Quantity, READOUTS};

#[derive(clap::Args)]
pub struct SimulatedDoses {
    /// Simulate in the HER2 laboratory: cell line id or alias (see `her2sim cell-lines`).
    #[arg(long)]
    pub cell_line: Option<String>,
    /// Resistance modifier (repeatable).
    #[arg(long = "modifier")]
    pub modifiers: Vec<String>,
    /// Strategy whose dose varies (repeat for a combination matrix).
    #[arg(long = "treatment")]
    pub treatment: Vec<String>,
    /// Dose series per treatment, "1nM..10uM:12" (log-spaced) or "1nM,10nM,100nM".
    #[arg(long = "doses")]
    pub doses: Vec<String>,
    /// Read-out: viable_cells, proliferation, apoptosis, pHER2, pHER3, pAKT, pERK, HER2_total, migration.
    #[arg(long, default_value = "viable_cells")]
    pub readout: String,
    /// Days of treatment.
    #[arg(long, default_value_t = 5.0)]
    pub days: f64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl SimulatedDoses {
    /// The strategy names given.
    pub fn treatments(&self) -> anyhow::Result<Vec<String>> {
        if self.cell_line.is_none() {
            anyhow::bail!("--cell-line is required to simulate (or give --csv with measured data)");
        }
        if self.treatment.is_empty() {
            anyhow::bail!("--treatment is required with --cell-line");
        }
        Ok(self.treatment.clone())
    }

    /// One dose series per treatment.
    pub fn series(&self, n: usize) -> anyhow::Result<Vec<Vec<Quantity>>> {
        if self.doses.len() != n {
            anyhow::bail!(
                "--doses: give {n} series (one per --treatment), got {}",
                self.doses.len()
            );
        }
        let mut out = Vec::new();
        for d in &self.doses {
            let s = her2sim_her2::units::parse_dose_series(d)
                .map_err(|e| anyhow::anyhow!("--doses {d:?}: {e}"))?;
            // A zero dose is the untreated edge the matrix adds itself; reject it here.
            if s.iter().any(|q| q.value == 0.0) {
                anyhow::bail!("--doses {d:?}: give positive doses (the untreated control is added automatically)");
            }
            out.push(s);
        }
        Ok(out)
    }

    pub fn readout_index(&self) -> anyhow::Result<usize> {
        READOUTS
            .iter()
            .position(|(n, _)| *n == self.readout)
            .ok_or_else(|| {
                let known: Vec<&str> = READOUTS.iter().map(|(n, _)| *n).collect();
                anyhow::anyhow!(
                    "--readout {:?}: unknown; known: {}",
                    self.readout,
                    known.join(", ")
                )
            })
    }

    pub fn lab(&self) -> anyhow::Result<(Lab, Condition)> {
        if !(self.days.is_finite() && self.days > 0.0) {
            anyhow::bail!("--days must be a positive number, got {}", self.days);
        }
        let lab = Lab::builtin()?;
        let line = self.cell_line.as_deref().unwrap_or_default();
        let cond = lab.condition(line, &self.modifiers)?;
        Ok((lab, cond))
    }

    /// A study holding just these series or matrices.
    pub fn study(
        &self,
        dose_responses: Vec<DoseResponseSpec>,
        combinations: Vec<CombinationSpec>,
    ) -> Study {
        Study {
            name: "dose series".into(),
            description: String::new(),
            days: self.days,
            samples: 1,
            conditions: Vec::new(),
            treatments: Vec::new(),
            dose_responses,
            combinations,
        }
    }

    pub fn progress(&self, n: usize, json: bool) -> indicatif::ProgressBar {
        if self.quiet || json {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new(n as u64)
        }
    }
}
