//! Tab-separated PEtab tables: a header row, then one row per line; cells are read by column
//! name, so column order does not matter. Errors name the file, row (1-based line) and column.

use std::path::{Path, PathBuf};

use crate::PetabError;

/// One table read from a file.
pub struct Table {
    pub file: PathBuf,
    columns: Vec<String>,
    /// `(line number, cells)` of each non-empty data row.
    rows: Vec<(usize, Vec<String>)>,
}

/// One row of a table, for reading its cells by column name.
pub struct Row<'t> {
    table: &'t Table,
    pub line: usize,
    cells: &'t [String],
}

impl Table {
    pub fn read(file: &Path) -> Result<Table, PetabError> {
        let text = her2sim_files::read_text(file, her2sim_files::DEFAULT_INPUT_LIMIT)?;
        // A byte-order mark (spreadsheet exports) is not part of the first column's name.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| PetabError::at(file, 1, "", "the table is empty"))?;
        let columns: Vec<String> = header.split('\t').map(|c| c.trim().to_string()).collect();
        let rows = lines
            .map(|(i, l)| (i + 1, l.split('\t').map(|c| c.trim().to_string()).collect()))
            .collect();
        Ok(Table {
            file: file.to_path_buf(),
            columns,
            rows,
        })
    }

    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// The header's columns.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, cells)| Row {
            table: self,
            line: *line,
            cells,
        })
    }

    /// Fails unless every named column is present.
    pub fn require(&self, columns: &[&str]) -> Result<(), PetabError> {
        for c in columns {
            if !self.has(c) {
                return Err(PetabError::at(
                    &self.file,
                    1,
                    c,
                    "required column is missing",
                ));
            }
        }
        Ok(())
    }
}

impl Row<'_> {
    /// The cell of `column` ("" when the column or the cell is absent).
    pub fn get(&self, column: &str) -> &str {
        self.table
            .columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.cells.get(i))
            .map_or("", String::as_str)
    }

    /// A non-empty cell.
    pub fn required(&self, column: &str) -> Result<&str, PetabError> {
        match self.get(column) {
            "" => Err(self.error(column, "the cell is empty")),
            v => Ok(v),
        }
    }

    /// A number (`inf`, `-inf` and `nan` included).
    pub fn number(&self, column: &str) -> Result<f64, PetabError> {
        let v = self.required(column)?;
        parse_number(v).ok_or_else(|| self.error(column, &format!("{v:?} is not a number")))
    }

    pub fn error(&self, column: &str, message: &str) -> PetabError {
        PetabError::at(&self.table.file, self.line, column, message)
    }
}

/// A number as PEtab writes them (also `inf`, `-inf`, `nan` in any case).
pub fn parse_number(v: &str) -> Option<f64> {
    match v.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => v.parse().ok(),
    }
}
