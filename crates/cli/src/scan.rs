//! `her2sim scan`: parameter grids and sampled ensembles over any SBML model.

use std::path::PathBuf;

use her2sim_analysis::scan::{self, Axis, Sampled, ScanSpec};
use her2sim_engine::TimeCourse;

#[derive(clap::Args)]
pub struct ScanArgs {
    /// The SBML file.
    model: PathBuf,
    /// A scanned quantity: NAME=from:to:count[:log] or NAME=v1,v2,... (NAME: a parameter or
    /// compartment id, a species amount `S` or concentration `[S]`). Repeat for a grid.
    #[arg(long = "vary")]
    vary: Vec<String>,
    /// A sampled quantity: NAME=uniform(low,high) or NAME=lognormal(mu,sigma).
    #[arg(long = "sample")]
    sample: Vec<String>,
    /// Draws per grid point (with --sample).
    #[arg(long, default_value_t = 100)]
    samples: usize,
    /// Seed of the sampled draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    course: crate::TimeCourseArgs,
    /// Keep only the last time point of each run.
    #[arg(long = "final")]
    final_only: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Write the CSV here (temporary file, then renamed); default stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

pub fn run(args: ScanArgs) -> anyhow::Result<()> {
    let path = args.model.display().to_string();
    let sim = crate::input::model(&args.model)?;
    if args.vary.is_empty() && args.sample.is_empty() {
        anyhow::bail!("give at least one --vary or --sample");
    }
    let spec = ScanSpec {
        axes: args
            .vary
            .iter()
            .map(|v| Axis::parse(v))
            .collect::<Result<_, _>>()?,
        sampled: args
            .sample
            .iter()
            .map(|s| Sampled::parse(s))
            .collect::<Result<_, _>>()?,
        samples: args.samples,
        seed: args.seed,
        final_only: args.final_only,
    };
    let opts = args.course.options();
    let selection = args.course.selection(&sim);
    let total = spec.run_count()?;
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(total as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} runs ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let table = scan::run(&sim, &spec, &opts, &selection, |_| bar.inc(1))
        .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    bar.finish_and_clear();
    let out = TimeCourse {
        columns: table.columns,
        rows: table.rows,
    };
    match args.output {
        Some(p) => crate::csv::write_atomic(&p, &[&args.model], &out),
        None => Ok(crate::csv::write(&mut std::io::stdout().lock(), &out)?),
    }
}
