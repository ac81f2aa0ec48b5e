//! CSV output of time courses; files are written to a temporary name and renamed, so a
//! failed run never leaves a file that looks complete.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use her2sim_engine::TimeCourse;

/// Shortest text that reads back to the same f64; NaN and infinities spelled as Python reads them.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:?}")
    }
}

pub fn write(out: &mut impl Write, table: &TimeCourse) -> std::io::Result<()> {
    writeln!(out, "{}", table.columns.join(","))?;
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|&x| number(x)).collect();
        writeln!(out, "{}", cells.join(","))?;
    }
    out.flush()
}

pub fn write_atomic(path: &Path, table: &TimeCourse) -> anyhow::Result<()> {
    let tmp = path.with_extension("csv.tmp");
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut buf = std::io::BufWriter::new(file);
        write(&mut buf, table)?;
        buf.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
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
}
