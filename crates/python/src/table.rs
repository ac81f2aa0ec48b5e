//! Tables handed to Python: a time course as the bytes of its `f64` values (row-major, native
//! byte order; the wrapper views them with numpy without a copy per number), and the report
//! tables of the laboratory as named columns of numbers or text, read from the tidy CSV text
//! that `her2sim_her2::report` writes for the report directory (so the columns are the same).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use her2sim_engine::TimeCourse;

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Every cell a number (an empty cell is NaN).
    Numbers(Vec<f64>),
    /// Anything else.
    Text(Vec<String>),
}

/// Named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub columns: Vec<(String, Column)>,
}

impl Table {
    /// Reads CSV text with a header row, as the report functions write it (no quoting: no
    /// field holds a comma). A column is numeric when every non-empty cell parses as a number.
    pub fn from_csv(text: &str, what: &str) -> Result<Table, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let Some(header) = lines.next() else {
            return Ok(Table::default());
        };
        let names: Vec<&str> = header.split(',').collect();
        let mut cells: Vec<Vec<&str>> = vec![Vec::new(); names.len()];
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() != names.len() {
                return Err(format!(
                    "{what}: row {} has {} fields, the header {}",
                    i + 1,
                    fields.len(),
                    names.len()
                ));
            }
            for (col, f) in cells.iter_mut().zip(fields) {
                col.push(f);
            }
        }
        let columns = names
            .iter()
            .zip(cells)
            .map(|(name, col)| {
                let numbers: Option<Vec<f64>> = col
                    .iter()
                    .map(|c| {
                        if c.trim().is_empty() {
                            Some(f64::NAN)
                        } else {
                            c.trim().parse::<f64>().ok()
                        }
                    })
                    .collect();
                let column = match numbers {
                    Some(v) => Column::Numbers(v),
                    None => Column::Text(col.iter().map(|c| c.to_string()).collect()),
                };
                (name.to_string(), column)
            })
            .collect();
        Ok(Table { columns })
    }

    /// `[(name, [values...]), ...]` in column order.
    pub fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (name, column) in self.columns {
            let values = match column {
                Column::Numbers(v) => PyList::new(py, v)?,
                Column::Text(v) => PyList::new(py, v)?,
            };
            out.append(PyTuple::new(
                py,
                [name.into_pyobject(py)?.into_any(), values.into_any()],
            )?)?;
        }
        Ok(out)
    }
}

/// A time course for Python: `(column names, bytes of the values row by row, row count)`.
pub fn time_course<'py>(
    py: Python<'py>,
    t: &TimeCourse,
) -> (Vec<String>, Bound<'py, PyBytes>, usize) {
    let mut bytes = Vec::with_capacity(t.rows.len() * t.columns.len() * 8);
    for row in &t.rows {
        for x in row {
            bytes.extend_from_slice(&x.to_ne_bytes());
        }
    }
    (t.columns.clone(), PyBytes::new(py, &bytes), t.rows.len())
}
