//! CSV output of time courses (RFC 4180 quoting where a name needs it); files go through
//! `her2sim-files`, so a failed or killed run never leaves a file that looks complete and an
//! input is never overwritten.

use std::io::Write;
use std::path::Path;

use her2sim_engine::TimeCourse;

pub use her2sim_report::csv::{field, number};

pub fn write(out: &mut dyn Write, table: &TimeCourse) -> std::io::Result<()> {
    let header: Vec<String> = table.columns.iter().map(|c| field(c)).collect();
    writeln!(out, "{}", header.join(","))?;
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|&x| number(x)).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    out.flush()
}

/// Writes the table to `path` safely; `inputs` are the files this run read.
pub fn write_atomic(path: &Path, inputs: &[&Path], table: &TimeCourse) -> anyhow::Result<()> {
    her2sim_files::write_file(path, inputs, |w| write(w, table))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(1e-20), "1e-20");
        assert_eq!(number(f64::NAN), "nan");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
        assert_eq!(number(3.0), "3.0");
        assert_eq!(number(6.02214179e23).parse::<f64>().unwrap(), 6.02214179e23);
    }

    #[test]
    fn header_cells_are_quoted_when_needed() {
        assert_eq!(field("[S1]"), "[S1]");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("x\ny"), "\"x\ny\"");
        assert_eq!(field("q\""), "\"q\"\"\"");
    }
}
