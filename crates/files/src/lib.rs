//! Safe file input and output for her2sim.
//!
//! Every file her2sim writes goes through this crate, so that
//! - a run that fails or is killed never leaves a file that looks like complete output
//!   (a unique temporary file beside the target, created exclusively, synced, then renamed;
//!   temporary files are removed on SIGINT/SIGTERM/SIGHUP);
//! - concurrent runs writing the same output never mix their rows (each has its own temp file);
//! - nothing her2sim did not write is ever deleted or overwritten: an input file is never an
//!   output, a report directory is only replaced when it is empty or a previous her2sim report
//!   holding nothing but the files its marker lists, and `.`/`..`/symlinked directories are
//!   refused rather than followed into deletion;
//! - symlinks given as output files are written through, and character devices and FIFOs
//!   (`-o /dev/null`, `-o /dev/stdout`) are streamed to, never replaced by a regular file;
//! - input files are read with a size limit, so `/dev/zero` as a model fails fast.
//!
//! ```no_run
//! use std::io::Write;
//! her2sim_files::write_file("out.csv".as_ref(), &["model.xml".as_ref()], |w| {
//!     writeln!(w, "time,S1")
//! })
//! .unwrap();
//! ```

#![warn(missing_docs)]

mod error;
mod read;
mod report_dir;
mod temp;
mod write;

pub use error::FileError;
pub use read::{read_text, DEFAULT_INPUT_LIMIT};
pub use report_dir::{check_report_dir, write_report_dir, REPORT_MARKER};
pub use temp::install_cleanup_handler;
pub use write::write_file;
