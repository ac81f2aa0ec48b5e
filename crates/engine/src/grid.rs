//! The output time grid of a time course: checked once (finite, ordered, distinct times, a
//! size that fits in memory) and computed without overflow, for every solver.

use crate::EngineError;

/// Most values one time course may hold in memory (rows x columns, 8 bytes each: 800 MB).
pub const MAX_OUTPUT_VALUES: usize = 100_000_000;

/// `steps + 1` evenly spaced output times from `start` to `start + duration`.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    start: f64,
    duration: f64,
    steps: usize,
}

impl Grid {
    /// Checks the grid for a table of `columns` columns.
    pub fn new(
        start: f64,
        duration: f64,
        steps: usize,
        columns: usize,
    ) -> Result<Grid, EngineError> {
        let bad = |m: String| Err(EngineError::Options(m));
        if !start.is_finite() {
            return bad(format!("start must be a finite number, got {start}"));
        }
        if !(duration.is_finite() && duration >= 0.0) {
            return bad(format!(
                "duration must be a finite non-negative number, got {duration}"
            ));
        }
        if !(start + duration).is_finite() {
            return bad(format!(
                "start + duration = {start} + {duration} is not a finite number"
            ));
        }
        if steps == 0 {
            return bad("steps must be at least 1".into());
        }
        let values = steps
            .checked_add(1)
            .and_then(|rows| rows.checked_mul(columns.max(1)));
        if values.is_none_or(|v| v > MAX_OUTPUT_VALUES) {
            return bad(format!(
                "steps: {steps} steps x {columns} columns is over the limit of {MAX_OUTPUT_VALUES} output values; use fewer steps or columns"
            ));
        }
        let grid = Grid {
            start,
            duration,
            steps,
        };
        // Adjacent output times must differ, or rows would repeat one time.
        if duration > 0.0 && grid.time(steps - 1) >= grid.time(steps) {
            return bad(format!(
                "the output interval {} is below the resolution of time near {}; use fewer steps or a later start",
                duration / steps as f64,
                start + duration
            ));
        }
        Ok(grid)
    }

    /// Number of output intervals (rows - 1).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The `i`-th output time (exactly `start + duration` for the last).
    pub fn time(&self, i: usize) -> f64 {
        if i >= self.steps {
            self.start + self.duration
        } else {
            // The fraction first: `duration * i` may overflow where the time does not.
            self.start + self.duration * (i as f64 / self.steps as f64)
        }
    }

    /// All output times.
    pub fn times(&self) -> Vec<f64> {
        (0..=self.steps).map(|i| self.time(i)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_keep_every_row() {
        let g = Grid::new(0.0, 1e308, 100, 2).unwrap();
        let t = g.times();
        assert_eq!(t.len(), 101);
        assert!(t.iter().all(|x| x.is_finite()));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(t[100], 1e308);
    }

    #[test]
    fn refuses_what_cannot_be_a_grid() {
        let msg = |r: Result<Grid, EngineError>| r.unwrap_err().to_string();
        assert!(msg(Grid::new(f64::NAN, 1.0, 10, 2)).contains("start"));
        assert!(msg(Grid::new(0.0, f64::NAN, 10, 2)).contains("duration"));
        assert!(msg(Grid::new(1e308, 1e308, 10, 2)).contains("start + duration"));
        assert!(msg(Grid::new(0.0, 1.0, 0, 2)).contains("at least 1"));
        assert!(msg(Grid::new(0.0, 1.0, usize::MAX, 2)).contains("limit"));
        assert!(msg(Grid::new(0.0, 1.0, 1_000_000_000, 4)).contains("limit"));
        assert!(msg(Grid::new(1e20, 1.0, 10, 2)).contains("resolution"));
        assert_eq!(Grid::new(5.0, 0.0, 3, 2).unwrap().times(), vec![5.0; 4]);
    }
}
