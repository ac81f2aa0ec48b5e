//! Reading the files a command is given, under the size limit of `--max-input-mb`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use her2sim_engine::Simulator;

static LIMIT: AtomicU64 = AtomicU64::new(her2sim_files::DEFAULT_INPUT_LIMIT);

/// Sets the input size limit from `--max-input-mb`.
pub fn set_limit_mb(mb: u64) {
    LIMIT.store(mb.saturating_mul(1024 * 1024), Ordering::Relaxed);
}

/// The input size limit in bytes.
pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// A text input file, refused above the size limit.
pub fn read(path: &Path) -> anyhow::Result<String> {
    Ok(her2sim_files::read_text(
        path,
        LIMIT.load(Ordering::Relaxed),
    )?)
}

/// Reads and compiles an SBML model; errors name the file. A hierarchical (`comp`) model's
/// external model files are found beside it.
pub fn model(path: &Path) -> anyhow::Result<Simulator> {
    let text = read(path)?;
    Simulator::from_sbml_text_in(&text, &model_dir(path))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The folder of a model file, where the files it refers to are.
pub fn model_dir(path: &Path) -> std::path::PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}
